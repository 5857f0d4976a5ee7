#include "ebpf/sys/fd.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace ebpf::sys {

void Fd::close_owned() noexcept { ::close(fd_); }

void Fd::reset(int fd) noexcept {
  if (fd_ >= 0) close_owned();
  fd_ = fd;
}

Result<Fd> Fd::dup() const {
  if (fd_ < 0) return unexpected(Error(errc::closed, EBADF, "duplicate fd: file descriptor is closed"));
  // Start at 1: fd 0 means "no fd" in many bpf attrs.
  int fd = ::fcntl(fd_, F_DUPFD_CLOEXEC, 1);
  if (fd < 0) return unexpected(Error::from_errno(errno, "duplicate fd"));
  return Fd(fd);
}

}  // namespace ebpf::sys
