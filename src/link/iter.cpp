#include "ebpf/link/iter.hpp"

#include <unistd.h>

#include <cerrno>

#include "ebpf/map.hpp"
#include "ebpf/program.hpp"
#include "ebpf/sys/link.hpp"

namespace ebpf::link {

Result<std::size_t> IterStream::read(std::span<std::byte> buf) {
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf.data(), buf.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    return unexpected(Error::from_errno(errno, "read iterator"));
  }
}

Result<std::string> IterStream::read_all() {
  std::string out;
  std::byte buf[8192];
  for (;;) {
    EBPF_TRY(std::size_t n, read(buf));
    if (n == 0) return out;
    out.append(reinterpret_cast<const char*>(buf), n);
  }
}

Result<Link> attach_iter(const Program& program, const IterOptions& o) {
  std::string ctx = "program ";
  ctx += program.name();
  ctx += ": attach iterator";
  if (!program.attach_to().empty()) {
    ctx += ' ';
    ctx += program.attach_to();
  }
  if (!program.valid()) return fail(errc::closed, ctx + ": program is closed");
  // union bpf_iter_link_info: map {map_fd}, cgroup {order, cgroup_fd, cgroup_id}, task {tid, pid, pid_fd}.
  std::uint32_t info[4] = {};
  bool have_info = false;
  if (o.map != nullptr) {
    info[0] = static_cast<std::uint32_t>(o.map->fd());
    have_info = true;
  } else if (o.cgroup_fd >= 0) {
    info[0] = o.cgroup_order;
    info[1] = static_cast<std::uint32_t>(o.cgroup_fd);
    have_info = true;
  } else if (o.tid != 0 || o.pid != 0) {
    info[0] = o.tid;
    info[1] = o.pid;
    have_info = true;
  }
  struct {
    std::uint64_t iter_info;
    std::uint32_t iter_info_len;
    std::uint32_t pad;
  } tail{have_info ? reinterpret_cast<std::uintptr_t>(info) : 0, have_info ? static_cast<std::uint32_t>(sizeof info) : 0u, 0};
  auto fd = create_fd(program.fd(), 0, AttachType::trace_iter, 0, std::as_bytes(std::span(&tail, 1)));
  if (!fd) return unexpected(std::move(fd).error().with_context(ctx));
  return Link(std::make_unique<FdAttachment>(std::move(*fd)));
}

Result<Iter> Iter::attach(const Program& program, const IterOptions& options) {
  EBPF_TRY(Link l, attach_iter(program, options));
  return Iter(std::move(l));
}

Result<IterStream> Iter::open() const {
  if (link_.fd() < 0) return fail(errc::closed, "open iterator: link is closed");
  EBPF_TRY_CTX(sys::Fd fd, sys::iter_create(link_.fd()), "open iterator");
  return IterStream(std::move(fd));
}

Result<std::string> Iter::read_all() const {
  EBPF_TRY(IterStream s, open());
  auto r = s.read_all();
  if (!r) return unexpected(std::move(r).error().with_context("read iterator"));
  return r;
}

}  // namespace ebpf::link
