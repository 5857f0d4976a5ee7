// XDP: bpf_link or legacy netlink attachment.
#include <net/if.h>

#include <cerrno>
#include <string>

#include "ebpf/link/netlink_attachment.hpp"
#include "ebpf/link/xdp.hpp"
#include "ebpf/sys/netlink.hpp"
#include "net_attach.hpp"

namespace ebpf::link {

Result<int> interface_index(std::string_view name) {
  if (name.empty() || name.size() >= IF_NAMESIZE) {
    return fail(errc::invalid_argument, "interface name \"" + std::string(name) + "\" is not valid");
  }
  char buf[IF_NAMESIZE] = {};
  name.copy(buf, name.size());
  const unsigned index = ::if_nametoindex(buf);
  if (index == 0) return fail(errc::not_found, "interface " + std::string(name) + ": no such interface", ENODEV);
  return static_cast<int>(index);
}

namespace {

std::uint32_t mode_flags(XdpMode mode) noexcept {
  switch (mode) {
    case XdpMode::generic: return sys::xdp_flags::skb_mode;
    case XdpMode::driver: return sys::xdp_flags::drv_mode;
    case XdpMode::offload: return sys::xdp_flags::hw_mode;
    case XdpMode::automatic: break;
  }
  return 0;
}

Result<Link> attach_xdp_netlink(const Program& program, int ifindex, std::uint32_t flags, bool replace) {
  EBPF_TRY(auto sock, sys::NetlinkSocket::open());
  // The Link keeps its own reference of the program: detaching names it (IFLA_XDP_EXPECTED_FD).
  EBPF_TRY(auto prog, dup_fd(program.fd()));
  if (!replace) flags |= sys::xdp_flags::update_if_noexist;
  EBPF_TRY_VOID(sys::netlink_set_xdp(sock, ifindex, prog.get(), flags));
  // The attachment is made; from here the Link owns it (and detaches it if wrapping fails).
  return Link(std::make_unique<NetlinkXdpAttachment>(std::move(sock), ifindex, flags & sys::xdp_flags::modes, std::move(prog)));
}

}  // namespace

Result<Link> attach_xdp(const Program& program, const XdpOptions& options) {
  const std::string ctx = detail::program_context(program, "attach xdp");
  if (!program.valid()) return fail(errc::closed, ctx + ": program is closed");
  EBPF_TRY_CTX(const int ifindex, detail::resolve_interface(options.ifindex, options.interface), ctx);
  const std::uint32_t flags = mode_flags(options.mode);
  const std::string where = ctx + ": interface " + std::to_string(ifindex);

  if (options.method != AttachMethod::legacy) {
    auto fd = create_fd(program.fd(), ifindex, AttachType::xdp, flags);
    if (fd) return detail::wrap_link_fd(std::move(*fd));
    if (options.method == AttachMethod::link || !detail::link_type_unsupported(fd.error())) {
      return fail(fd.error().with_context(where));
    }
  }
  auto link = attach_xdp_netlink(program, ifindex, flags, options.replace);
  if (!link) return fail(link.error().with_context(where));
  return link;
}

}  // namespace ebpf::link
