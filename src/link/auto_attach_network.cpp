// The networking half of auto-attach: interfaces (XDP, tcx, netkit), cgroups, network namespaces
// (sk_lookup, flow_dissector), netfilter hooks, socket maps and lirc devices. The section names the hook;
// `target` names what it is attached to.
#include "auto_attach_network.hpp"

#include <charconv>
#include <cstdint>
#include <string>

#include "ebpf/link/cgroup.hpp"
#include "ebpf/link/lirc.hpp"
#include "ebpf/link/netfilter.hpp"
#include "ebpf/link/netns.hpp"
#include "ebpf/link/sockmap.hpp"
#include "ebpf/link/tc.hpp"
#include "ebpf/link/xdp.hpp"
#include "ebpf/map.hpp"
#include "ebpf/program.hpp"

namespace ebpf::link::detail {
namespace {

enum class Hook : std::uint8_t { none, xdp, tcx, netkit, cgroup, netns, netfilter, sockmap, lirc };

Hook hook_of(const Program& p) noexcept {
  switch (p.type()) {
    case ProgramType::xdp:
      // devmap/cpumap programs run from a map entry, not on an interface.
      return p.attach_type() == AttachType::xdp || p.attach_type() == AttachType::unspec ? Hook::xdp : Hook::none;
    case ProgramType::sched_cls:
      if (p.attach_type() == AttachType::netkit_primary || p.attach_type() == AttachType::netkit_peer) return Hook::netkit;
      return Hook::tcx;  // tcx/ingress, tcx/egress, and plain "tc" sections (ingress)
    case ProgramType::cgroup_skb:
    case ProgramType::cgroup_sock:
    case ProgramType::cgroup_sock_addr:
    case ProgramType::sock_ops:
    case ProgramType::cgroup_device:
    case ProgramType::cgroup_sysctl:
    case ProgramType::cgroup_sockopt:
      return Hook::cgroup;
    case ProgramType::sk_lookup:
    case ProgramType::flow_dissector:
      return Hook::netns;
    case ProgramType::netfilter: return Hook::netfilter;
    case ProgramType::sk_msg:
    case ProgramType::sk_skb: return Hook::sockmap;
    case ProgramType::lirc_mode2: return Hook::lirc;
    default: return Hook::none;
  }
}

std::string context(const Program& p) {
  std::string s = "program ";
  s += p.name();
  s += ": auto-attach ";
  s += p.section_name().empty() ? std::string(to_string(p.type())) : p.section_name();
  return s;
}

Error needs_target(const Program& p, std::string_view what) {
  std::string m = context(p);
  m += ": the section does not name ";
  m += what;
  m += "; give it as the target";
  return Error::make(errc::invalid_argument, std::move(m));
}

// "ifname" or "ifname:ingress" / "ifname:egress" (tcx), "ifname:peer" (netkit).
struct InterfaceTarget {
  std::string_view name;
  std::string_view qualifier;
};
InterfaceTarget split_interface(std::string_view target) {
  const auto colon = target.rfind(':');
  if (colon == std::string_view::npos) return {target, {}};
  return {target.substr(0, colon), target.substr(colon + 1)};
}

// "<family>/<hook>/<priority>", e.g. "ipv4/local_in/10" (family ipv4|ipv6, hook pre_routing|local_in|forward|
// local_out|post_routing, priority a signed integer).
Result<NetfilterOptions> parse_netfilter(const Program& p, std::string_view target) {
  NetfilterOptions o;
  const auto bad = [&] {
    std::string m = context(p);
    m += ": netfilter target \"";
    m += target;
    m += "\" is not <ipv4|ipv6>/<pre_routing|local_in|forward|local_out|post_routing>/<priority>";
    return Error::make(errc::invalid_argument, std::move(m));
  };
  const auto s1 = target.find('/');
  const auto s2 = s1 == std::string_view::npos ? s1 : target.find('/', s1 + 1);
  if (s2 == std::string_view::npos) return fail(bad());
  const std::string_view family = target.substr(0, s1);
  const std::string_view hook = target.substr(s1 + 1, s2 - s1 - 1);
  const std::string_view prio = target.substr(s2 + 1);
  if (family == "ipv4") o.family = netfilter::ipv4;
  else if (family == "ipv6") o.family = netfilter::ipv6;
  else return fail(bad());
  if (hook == "pre_routing") o.hook = netfilter::pre_routing;
  else if (hook == "local_in") o.hook = netfilter::local_in;
  else if (hook == "forward") o.hook = netfilter::forward;
  else if (hook == "local_out") o.hook = netfilter::local_out;
  else if (hook == "post_routing") o.hook = netfilter::post_routing;
  else return fail(bad());
  const auto [ptr, ec] = std::from_chars(prio.data(), prio.data() + prio.size(), o.priority);
  if (ec != std::errc{} || ptr != prio.data() + prio.size()) return fail(bad());
  return o;
}

Result<Link> with_context(Result<Link> r, const Program& p) {
  if (!r) return fail(r.error().with_context(context(p)));
  return r;
}

}  // namespace

bool network_auto_attachable(const Program& program, bool has_target) {
  switch (hook_of(program)) {
    case Hook::none: return false;
    // Program::attach() without a target puts sk_lookup and flow_dissector programs on the calling thread's
    // namespace, but attach_all() does so only when asked: a flow dissector replaces the kernel's own.
    default: return has_target;
  }
}

Result<Link> attach_network_program(const Program& program, std::string_view target) {
  const Hook hook = hook_of(program);
  if (hook == Hook::none) {
    std::string m = context(program);
    m += ": ";
    m += to_string(program.type());
    m += " programs with this attach type have no attach point of their own";
    return fail(errc::not_supported, std::move(m));
  }
  if (target.empty() && hook != Hook::netns) {
    switch (hook) {
      case Hook::xdp:
      case Hook::tcx:
      case Hook::netkit: return fail(needs_target(program, "an interface"));
      case Hook::cgroup: return fail(needs_target(program, "a cgroup path"));
      case Hook::netfilter: return fail(needs_target(program, "a netfilter hook (<family>/<hook>/<priority>)"));
      case Hook::sockmap: return fail(needs_target(program, "a pinned sockmap or sockhash"));
      case Hook::lirc: return fail(needs_target(program, "a lirc device"));
      default: break;
    }
  }
  switch (hook) {
    case Hook::xdp: return with_context(attach_xdp(program, {.interface = target}), program);
    case Hook::tcx: {
      const auto t = split_interface(target);
      TcDirection dir = program.attach_type() == AttachType::tcx_egress ? TcDirection::egress : TcDirection::ingress;
      if (t.qualifier == "egress") dir = TcDirection::egress;
      else if (t.qualifier == "ingress") dir = TcDirection::ingress;
      else if (!t.qualifier.empty()) return fail(errc::invalid_argument, context(program) + ": tc target is <interface>[:ingress|:egress]");
      return with_context(attach_tcx(program, {.interface = t.name, .direction = dir}), program);
    }
    case Hook::netkit: {
      const auto t = split_interface(target);
      bool peer = program.attach_type() == AttachType::netkit_peer;
      if (t.qualifier == "peer") peer = true;
      else if (t.qualifier == "primary") peer = false;
      else if (!t.qualifier.empty()) return fail(errc::invalid_argument, context(program) + ": netkit target is <interface>[:primary|:peer]");
      return with_context(attach_netkit(program, {.interface = t.name, .peer = peer}), program);
    }
    case Hook::cgroup:
      return with_context(attach_cgroup(program, {.path = target, .attach_type = program.attach_type()}), program);
    case Hook::netns:
      if (program.type() == ProgramType::sk_lookup) return with_context(attach_sk_lookup(program, {.path = target}), program);
      return with_context(attach_flow_dissector(program, {.path = target}), program);
    case Hook::netfilter: {
      EBPF_TRY(auto options, parse_netfilter(program, target));
      return with_context(attach_netfilter(program, options), program);
    }
    case Hook::sockmap: {
      auto map = Map::load_pinned(std::string(target));
      if (!map) return fail(map.error().with_context(context(program) + ": sockmap " + std::string(target)));
      return with_context(attach_sockmap(program, *map, {.attach_type = program.attach_type()}), program);
    }
    case Hook::lirc: return with_context(attach_lirc(program, {.device = target}), program);
    case Hook::none: break;
  }
  return fail(errc::not_supported, context(program) + ": no attach point");
}

}  // namespace ebpf::link::detail
