// Cgroup programs: bpf_link or BPF_PROG_ATTACH (ALLOW_MULTI / ALLOW_OVERRIDE / exclusive).
#include <span>
#include <string>

#include "ebpf/link/cgroup.hpp"
#include "ebpf/sys/link.hpp"
#include "net_attach.hpp"

namespace ebpf::link {

bool is_cgroup_attach_type(AttachType type) noexcept {
  switch (type) {
    case AttachType::cgroup_inet_ingress:
    case AttachType::cgroup_inet_egress:
    case AttachType::cgroup_inet_sock_create:
    case AttachType::cgroup_sock_ops:
    case AttachType::cgroup_device:
    case AttachType::cgroup_inet4_bind:
    case AttachType::cgroup_inet6_bind:
    case AttachType::cgroup_inet4_connect:
    case AttachType::cgroup_inet6_connect:
    case AttachType::cgroup_inet4_post_bind:
    case AttachType::cgroup_inet6_post_bind:
    case AttachType::cgroup_udp4_sendmsg:
    case AttachType::cgroup_udp6_sendmsg:
    case AttachType::cgroup_sysctl:
    case AttachType::cgroup_udp4_recvmsg:
    case AttachType::cgroup_udp6_recvmsg:
    case AttachType::cgroup_getsockopt:
    case AttachType::cgroup_setsockopt:
    case AttachType::cgroup_inet4_getpeername:
    case AttachType::cgroup_inet6_getpeername:
    case AttachType::cgroup_inet4_getsockname:
    case AttachType::cgroup_inet6_getsockname:
    case AttachType::cgroup_inet_sock_release:
    case AttachType::cgroup_unix_connect:
    case AttachType::cgroup_unix_sendmsg:
    case AttachType::cgroup_unix_recvmsg:
    case AttachType::cgroup_unix_getpeername:
    case AttachType::cgroup_unix_getsockname:
    case AttachType::lsm_cgroup:
      return true;
    default:
      return false;
  }
}

Result<Link> attach_cgroup(const Program& program, const CgroupOptions& options) {
  // Default: the attach type of the program's section.
  const AttachType type = options.attach_type != AttachType::unspec ? options.attach_type : program.attach_type();
  std::string ctx = detail::program_context(program, "attach cgroup ");
  ctx += to_string(type);
  if (!program.valid()) return fail(errc::closed, ctx + ": program is closed");
  // The unspec sentinel would reach the kernel as 0 = ingress: insist on a known type.
  if (type == AttachType::unspec || !is_cgroup_attach_type(type)) {
    return fail(errc::invalid_argument, ctx + ": not a cgroup attach type");
  }
  EBPF_TRY_CTX(auto cgroup, detail::open_target(options.path, options.fd, nullptr, "cgroup", true), ctx);
  if (!options.path.empty()) {
    ctx += " on ";
    ctx += options.path;
  }

  const bool ordered = options.anchor.flags() != 0 || options.expected_revision != 0;
  if (ordered && options.method == AttachMethod::legacy) {
    return fail(errc::invalid_argument, ctx + ": anchors and revisions need a link (AttachMethod::link)");
  }
  if (ordered && options.anchor.relative() == static_cast<std::uint32_t>(-1)) {
    return fail(errc::invalid_argument, ctx + ": anchor: the relative link or program has no file descriptor");
  }
  if (options.method != AttachMethod::legacy) {
    const detail::MprogTail tail{.relative = options.anchor.relative(), .expected_revision = options.expected_revision};
    auto fd = ordered ? create_fd(program.fd(), cgroup.get(), type, options.anchor.flags(), std::as_bytes(std::span(&tail, 1)))
                      : create_fd(program.fd(), cgroup.get(), type);
    if (!fd && ordered) return fail(fd.error().with_context(ctx + " (ordered attach needs Linux 6.16)"));
    if (fd) return detail::wrap_link_fd(std::move(*fd));
    if (options.method == AttachMethod::link || !detail::link_type_unsupported(fd.error())) {
      return fail(fd.error().with_context(ctx));
    }
  }
  auto attachment = prog_attach(program, cgroup.get(), type, options.legacy_flags);
  if (!attachment) return fail(attachment.error().with_context(ctx));
  return Link(std::move(*attachment));
}

Result<std::vector<std::uint32_t>> query_cgroup(std::string_view path, AttachType type) {
  std::string ctx = "query cgroup ";
  ctx += path;
  ctx += " ";
  ctx += to_string(type);
  EBPF_TRY_CTX(auto cgroup, detail::open_target(path, -1, nullptr, "cgroup", true), ctx);
  std::vector<std::uint32_t> ids(64);
  for (;;) {
    sys::ProgQueryAttr attr{.target_fd = static_cast<std::uint32_t>(cgroup.get()),
                            .attach_type = kernel_value(type)};
    attr.prog_ids = sys::Ptr(ids.data());
    attr.prog_cnt = static_cast<std::uint32_t>(ids.size());
    auto r = sys::prog_query(attr);
    if (!r && r.error().is(std::errc::no_space_on_device) && attr.prog_cnt > ids.size()) {
      ids.resize(attr.prog_cnt);  // more programs than room: the kernel said how many
      continue;
    }
    if (!r) return fail(r.error().with_context(ctx));
    ids.resize(attr.prog_cnt);
    return ids;
  }
}

}  // namespace ebpf::link
