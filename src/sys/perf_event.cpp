#include "ebpf/sys/perf_event.hpp"

#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "ebpf/sys/bpf.hpp"

namespace ebpf::sys {

Result<Fd> perf_event_open(perf_event_attr& attr, int pid, int cpu, int group_fd, unsigned long flags,
                           const char* what) {
  if (detail::g_fault_hook != nullptr) [[unlikely]] {
    if (int e = detail::run_fault_hook(kCmdPerfEventOpen); e != 0) return unexpected(Error::from_errno(e, what));
  }
  if (attr.size == 0) attr.size = sizeof(perf_event_attr);
  for (;;) {
    long r = ::syscall(SYS_perf_event_open, &attr, pid, cpu, group_fd, flags | PERF_FLAG_FD_CLOEXEC);
    if (r >= 0) return Fd(static_cast<int>(r));
    if (errno == EINTR) continue;
    return unexpected(Error::from_errno(errno, what));
  }
}

Result<void> perf_ioctl(int perf_fd, unsigned long request, unsigned long arg, const char* what) {
  if (detail::g_fault_hook != nullptr) [[unlikely]] {
    if (int e = detail::run_fault_hook(kCmdPerfIoctl); e != 0) return unexpected(Error::from_errno(e, what));
  }
  for (;;) {
    if (::ioctl(perf_fd, request, arg) == 0) return {};
    if (errno == EINTR) continue;
    return unexpected(Error::from_errno(errno, what));
  }
}

}  // namespace ebpf::sys
