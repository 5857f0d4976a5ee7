#include "net_attach.hpp"

#include <fcntl.h>
#include <linux/if_link.h>
#include <unistd.h>

#include <cerrno>

#include "ebpf/link/netlink_attachment.hpp"
#include "ebpf/link/xdp.hpp"
#include "ebpf/program.hpp"
#include "ebpf/sys/bpf.hpp"

namespace ebpf::link {
namespace detail {

std::string program_context(const Program& program, std::string_view what) {
  std::string s = "program ";
  s += program.name();
  s += ": ";
  s += what;
  return s;
}

Result<int> resolve_interface(int ifindex, std::string_view name) {
  if (ifindex > 0) return ifindex;
  if (name.empty()) return fail(errc::invalid_argument, "no interface given (ifindex or interface name)");
  return interface_index(name);
}

bool link_type_unsupported(const Error& e) noexcept {
  return e.is(std::errc::invalid_argument) || e.is(errc::not_supported);
}

Result<sys::Fd> open_target(std::string_view path, int fd, const char* fallback_path, std::string_view what,
                            bool directory) {
  if (fd >= 0) return dup_fd(fd);
  std::string p(path.empty() ? std::string_view(fallback_path ? fallback_path : "") : path);
  if (p.empty()) return fail(errc::invalid_argument, std::string(what) + ": no path or fd given");
  const int flags = O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0);
  sys::Fd out(::open(p.c_str(), flags));
  if (!out) {
    const int e = errno;
    std::string msg(what);
    msg += " ";
    msg += p;
    msg += ": ";
    char buf[128];
    msg += strerror_r(e, buf, sizeof buf);
    return fail(e == ENOENT ? errc::not_found : errc::sys, std::move(msg), e);
  }
  // fd 0 means "none" in bpf attrs; keep targets off it.
  if (out.get() == 0) return dup_fd(out.get());
  return out;
}

}  // namespace detail

// ---- NetlinkXdpAttachment ----

NetlinkXdpAttachment::~NetlinkXdpAttachment() { (void)NetlinkXdpAttachment::detach(); }

Result<void> NetlinkXdpAttachment::update(const Program& new_program, const Program* expected_old) {
  if (!prog_) return fail(errc::closed, "netlink xdp: detached");
  if (expected_old != nullptr) {
    EBPF_TRY(auto want, expected_old->info());
    sys::ProgInfo have{};
    EBPF_TRY_VOID(sys::obj_get_info_by_fd(prog_.get(), &have, sizeof have));
    if (want.id != have.id) return fail(errc::invalid_argument, "netlink xdp: update: the attached program is not the expected one", EPERM);
  }
  EBPF_TRY(auto next, dup_fd(new_program.fd()));
  EBPF_TRY_VOID(sys::netlink_set_xdp(sock_, ifindex_, next.get(), mode_flags_, prog_.get()));
  prog_ = std::move(next);
  return {};
}

Result<void> NetlinkXdpAttachment::detach() {
  if (!prog_) return {};
  auto r = sys::netlink_set_xdp(sock_, ifindex_, -1, mode_flags_, prog_.get());
  prog_.reset();
  sock_ = sys::NetlinkSocket();
  // Gone already: the device was deleted (ENODEV) or another program replaced ours (EEXIST: "active program
  // does not match expected"). Either way nothing of this attachment is left.
  if (!r && !r.error().is(std::errc::no_such_device) && !r.error().is(std::errc::file_exists)) {
    return fail(r.error().with_context("netlink xdp: detach from interface " + std::to_string(ifindex_)));
  }
  return {};
}

Result<LinkInfo> NetlinkXdpAttachment::info() const {
  LinkInfo info;
  info.type = LinkType::xdp;
  info.attach_type = AttachType::xdp;
  info.ifindex = static_cast<std::uint32_t>(ifindex_);
  info.flags = mode_flags_;
  if (prog_) {
    sys::ProgInfo pi{};
    if (sys::obj_get_info_by_fd(prog_.get(), &pi, sizeof pi)) info.program_id = pi.id;
  }
  return info;
}

// ---- TcFilterAttachment ----

TcFilterAttachment::~TcFilterAttachment() { (void)TcFilterAttachment::detach(); }

Result<void> TcFilterAttachment::detach() {
  if (!attached_) return {};
  attached_ = false;
  // A filter replaced in place (same priority and handle, NLM_F_REPLACE) belongs to whoever replaced it: look
  // before deleting, as the XDP backend does with IFLA_XDP_EXPECTED_FD.
  bool ours = false;
  bool present = false;
  auto listed = sys::netlink_list_tc_filters(sock_, filter_.ifindex, filter_.parent, [&](const sys::TcFilterInfo& f) {
    if (f.id.priority == filter_.priority && f.id.handle == filter_.handle && f.id.protocol == filter_.protocol) {
      present = true;
      ours = f.prog_id == program_id_;
    }
  });
  if (listed && (!present || !ours)) {
    sock_ = sys::NetlinkSocket();
    return {};
  }
  auto r = sys::netlink_del_tc_filter(sock_, filter_);
  sock_ = sys::NetlinkSocket();
  // Gone already (the qdisc or the device was deleted).
  if (!r && !r.error().is(std::errc::no_such_file_or_directory) && !r.error().is(std::errc::no_such_device)) {
    return fail(r.error().with_context("tc filter: detach from interface " + std::to_string(filter_.ifindex)));
  }
  return {};
}

Result<void> TcFilterAttachment::update(const Program& new_program, const Program* expected_old) {
  if (!attached_) return fail(errc::closed, "tc filter: detached");
  if (expected_old != nullptr) {
    EBPF_TRY(auto want, expected_old->info());
    if (want.id != program_id_) {
      return fail(errc::invalid_argument, "tc filter: update: the attached program is not the expected one", EPERM);
    }
  }
  EBPF_TRY(auto info, new_program.info());
  EBPF_TRY_VOID(sys::netlink_add_tc_filter(sock_, filter_, new_program.fd(), new_program.name(), direct_action_,
                                           /*replace=*/true));
  program_id_ = info.id;
  return {};
}

Result<LinkInfo> TcFilterAttachment::info() const {
  LinkInfo info;
  info.ifindex = static_cast<std::uint32_t>(filter_.ifindex);
  info.program_id = attached_ ? program_id_ : 0;
  return info;
}

}  // namespace ebpf::link
