// tcx, netkit (bpf_links with bpf_mprog ordering) and legacy cls_bpf filters (netlink).
#include <cstring>
#include <span>
#include <string>

#include "ebpf/link/netlink_attachment.hpp"
#include "ebpf/link/tc.hpp"
#include "ebpf/sys/netlink.hpp"
#include "net_attach.hpp"

namespace ebpf::link {

Anchor Anchor::before(const Link& l) noexcept {
  return Anchor(mprog_flags::before | mprog_flags::link, static_cast<std::uint32_t>(l.fd()));
}
Anchor Anchor::after(const Link& l) noexcept {
  return Anchor(mprog_flags::after | mprog_flags::link, static_cast<std::uint32_t>(l.fd()));
}

namespace {

Result<Link> attach_mprog(const Program& program, int ifindex, AttachType type, const Anchor& anchor,
                          std::uint64_t expected_revision) {
  // Anchor::before(link) of a Link without a kernel link (netlink, PROG_ATTACH) has no fd to name.
  if ((anchor.flags() & (mprog_flags::before | mprog_flags::after)) != 0 && (anchor.flags() & mprog_flags::id) == 0 &&
      anchor.relative() == static_cast<std::uint32_t>(-1)) {
    return fail(errc::invalid_argument, "anchor: the relative link or program has no file descriptor");
  }
  const detail::MprogTail tail{.relative = anchor.relative(), .expected_revision = expected_revision};
  EBPF_TRY(auto fd, create_fd(program.fd(), ifindex, type, anchor.flags(), std::as_bytes(std::span(&tail, 1))));
  return detail::wrap_link_fd(std::move(fd));
}

// The kernel's EINVAL for an attach type it does not know reads badly; say what is missing.
Error explain_missing(Error e, const char* feature) {
  if (detail::link_type_unsupported(e)) {
    return Error::make(errc::not_supported, std::string(feature) + " links are not supported by this kernel: " + e.message(),
                       e.sys_errno());
  }
  return e;
}

}  // namespace

Result<Link> attach_tcx(const Program& program, const TcxOptions& options) {
  // Context is built only on failure: attaching allocates nothing but the Link's backend.
  const auto context = [&](int ifindex) {
    std::string ctx = detail::program_context(program, "attach tcx");
    ctx += options.direction == TcDirection::ingress ? " ingress" : " egress";
    if (ifindex > 0) ctx += ": interface " + std::to_string(ifindex);
    return ctx;
  };
  if (!program.valid()) return fail(errc::closed, context(0) + ": program is closed");
  auto ifindex = detail::resolve_interface(options.ifindex, options.interface);
  if (!ifindex) return fail(ifindex.error().with_context(context(0)));
  const AttachType type = options.direction == TcDirection::ingress ? AttachType::tcx_ingress : AttachType::tcx_egress;
  auto link = attach_mprog(program, *ifindex, type, options.anchor, options.expected_revision);
  if (!link) return fail(explain_missing(std::move(link).error(), "tcx").with_context(context(*ifindex)));
  return link;
}

Result<Link> attach_netkit(const Program& program, const NetkitOptions& options) {
  const std::string ctx = detail::program_context(program, "attach netkit");
  if (!program.valid()) return fail(errc::closed, ctx + ": program is closed");
  EBPF_TRY_CTX(const int ifindex, detail::resolve_interface(options.ifindex, options.interface), ctx);
  const AttachType type = options.peer ? AttachType::netkit_peer : AttachType::netkit_primary;
  auto link = attach_mprog(program, ifindex, type, options.anchor, options.expected_revision);
  if (!link) {
    return fail(explain_missing(std::move(link).error(), "netkit")
                    .with_context(ctx + (options.peer ? " peer" : " primary") + ": interface " + std::to_string(ifindex)));
  }
  return link;
}

Result<Link> attach_tc(const Program& program, const TcOptions& options) {
  const std::string ctx = detail::program_context(program, "attach tc");
  if (!program.valid()) return fail(errc::closed, ctx + ": program is closed");
  EBPF_TRY_CTX(const int ifindex, detail::resolve_interface(options.ifindex, options.interface), ctx);
  const std::string where = ctx + (options.direction == TcDirection::ingress ? " ingress" : " egress") +
                            ": interface " + std::to_string(ifindex);
  EBPF_TRY_CTX(auto info, program.info(), where);
  EBPF_TRY_CTX(auto sock, sys::NetlinkSocket::open(), where);
  EBPF_TRY_CTX(const bool created, sys::netlink_add_clsact(sock, ifindex), where);
  (void)created;  // left in place on close, as tc does: other filters may have joined it
  const sys::TcFilterId want{
      .ifindex = ifindex,
      .parent = options.direction == TcDirection::ingress ? sys::kTcParentIngress : sys::kTcParentEgress,
      .priority = options.priority,
      .handle = options.handle,
      .protocol = options.protocol,
  };
  EBPF_TRY_CTX(auto filter,
               sys::netlink_add_tc_filter(sock, want, program.fd(), program.name(), options.direct_action, options.replace),
               where);
  return Link(std::make_unique<TcFilterAttachment>(std::move(sock), filter, info.id, options.direct_action));
}

}  // namespace ebpf::link
