#include "ebpf/sys/link.hpp"

#include "ebpf/sys/bpf.hpp"

namespace ebpf::sys {

Result<Fd> link_create(LinkCreateAttr& attr) { return bpf_fd(Cmd::link_create, attr, "create link"); }

Result<void> link_update(int link_fd, int new_prog_fd, int old_prog_fd) {
  LinkUpdateAttr attr{.link_fd = static_cast<std::uint32_t>(link_fd),
                      .new_prog_fd = static_cast<std::uint32_t>(new_prog_fd)};
  if (old_prog_fd >= 0) {
    attr.flags = kLinkFlagReplace;
    attr.old_prog_fd = static_cast<std::uint32_t>(old_prog_fd);
  }
  EBPF_TRY_VOID(bpf(Cmd::link_update, attr, "update link"));
  return {};
}

Result<void> link_update_map(int link_fd, int new_map_fd, int old_map_fd) {
  // The kernel tells a map update from a program update by the link's type: the attr is the same.
  return link_update(link_fd, new_map_fd, old_map_fd);
}

Result<void> link_detach(int link_fd) {
  LinkDetachAttr attr{.link_fd = static_cast<std::uint32_t>(link_fd)};
  EBPF_TRY_VOID(bpf(Cmd::link_detach, attr, "detach link"));
  return {};
}

Result<void> prog_attach(ProgAttachAttr& attr) {
  EBPF_TRY_VOID(bpf(Cmd::prog_attach, attr, "attach program"));
  return {};
}

Result<void> prog_detach(ProgAttachAttr& attr) {
  EBPF_TRY_VOID(bpf(Cmd::prog_detach, attr, "detach program"));
  return {};
}

Result<void> prog_query(ProgQueryAttr& attr) {
  EBPF_TRY_VOID(bpf(Cmd::prog_query, attr, "query programs"));
  return {};
}

Result<Fd> raw_tracepoint_open(const char* name, int prog_fd, std::uint64_t cookie) {
  RawTracepointOpenAttr attr{.name = name, .prog_fd = static_cast<std::uint32_t>(prog_fd), .cookie = cookie};
  // The cookie field is newer than the command: leave it out of the size when unused, for older kernels.
  if (cookie == 0) {
    for (;;) {
      long r = raw(Cmd::raw_tracepoint_open, &attr, offsetof(RawTracepointOpenAttr, pad0));
      if (r == -EINTR) continue;
      return fd_result(r, "open raw tracepoint");
    }
  }
  return bpf_fd(Cmd::raw_tracepoint_open, attr, "open raw tracepoint");
}

Result<Fd> iter_create(int link_fd) {
  IterCreateAttr attr{.link_fd = static_cast<std::uint32_t>(link_fd)};
  return bpf_fd(Cmd::iter_create, attr, "create iterator");
}

Result<std::uint32_t> link_info(int link_fd, LinkInfo& info) {
  return obj_get_info_by_fd(link_fd, &info, sizeof info);
}

}  // namespace ebpf::sys
