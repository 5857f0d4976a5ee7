#include "ebpf/elf/section_names.hpp"

namespace ebpf::elf {
namespace {

using P = ProgramType;
using A = AttachType;
constexpr std::uint32_t kSleep = prog_flags::sleepable;
constexpr std::uint32_t kFrags = prog_flags::xdp_has_frags;

// Ordered like libbpf's table (more specific first); written from the documented section names.
constexpr SectionDefinition kDefinitions[] = {
    {"socket", P::socket_filter, A::unspec, 0},
    {"socket/", P::socket_filter, A::unspec, 0},  // cilium: any socket/<name>
    {"sk_reuseport/migrate", P::sk_reuseport, A::sk_reuseport_select_or_migrate, 0},
    {"sk_reuseport", P::sk_reuseport, A::sk_reuseport_select, 0},
    {"kprobe.multi+", P::kprobe, A::trace_kprobe_multi, 0},
    {"kretprobe.multi+", P::kprobe, A::trace_kprobe_multi, 0},
    {"kprobe.session+", P::kprobe, A::trace_kprobe_session, 0},
    {"uprobe.multi.s+", P::kprobe, A::trace_uprobe_multi, kSleep},
    {"uretprobe.multi.s+", P::kprobe, A::trace_uprobe_multi, kSleep},
    {"uprobe.multi+", P::kprobe, A::trace_uprobe_multi, 0},
    {"uretprobe.multi+", P::kprobe, A::trace_uprobe_multi, 0},
    {"uprobe.session.s+", P::kprobe, A::trace_uprobe_session, kSleep},
    {"uprobe.session+", P::kprobe, A::trace_uprobe_session, 0},
    {"kprobe+", P::kprobe, A::unspec, 0},
    {"uprobe.s+", P::kprobe, A::unspec, kSleep},
    {"uprobe+", P::kprobe, A::unspec, 0},
    {"kretprobe+", P::kprobe, A::unspec, 0},
    {"uretprobe.s+", P::kprobe, A::unspec, kSleep},
    {"uretprobe+", P::kprobe, A::unspec, 0},
    {"ksyscall+", P::kprobe, A::unspec, 0},
    {"kretsyscall+", P::kprobe, A::unspec, 0},
    {"usdt.s+", P::kprobe, A::unspec, kSleep},
    {"usdt+", P::kprobe, A::unspec, 0},
    {"tc/ingress", P::sched_cls, A::tcx_ingress, 0},
    {"tc/egress", P::sched_cls, A::tcx_egress, 0},
    {"tcx/ingress", P::sched_cls, A::tcx_ingress, 0},
    {"tcx/egress", P::sched_cls, A::tcx_egress, 0},
    {"netkit/primary", P::sched_cls, A::netkit_primary, 0},
    {"netkit/peer", P::sched_cls, A::netkit_peer, 0},
    {"tc", P::sched_cls, A::unspec, 0},
    {"classifier", P::sched_cls, A::unspec, 0},
    {"action", P::sched_act, A::unspec, 0},
    {"tracepoint+", P::tracepoint, A::unspec, 0},
    {"tp+", P::tracepoint, A::unspec, 0},
    {"raw_tracepoint.w+", P::raw_tracepoint_writable, A::unspec, 0},
    {"raw_tp.w+", P::raw_tracepoint_writable, A::unspec, 0},
    {"raw_tracepoint+", P::raw_tracepoint, A::unspec, 0},
    {"raw_tp+", P::raw_tracepoint, A::unspec, 0},
    {"tp_btf+", P::tracing, A::trace_raw_tp, 0},
    {"fentry.s+", P::tracing, A::trace_fentry, kSleep},
    {"fmod_ret.s+", P::tracing, A::modify_return, kSleep},
    {"fexit.s+", P::tracing, A::trace_fexit, kSleep},
    {"fentry+", P::tracing, A::trace_fentry, 0},
    {"fmod_ret+", P::tracing, A::modify_return, 0},
    {"fexit+", P::tracing, A::trace_fexit, 0},
    {"freplace+", P::ext, A::unspec, 0},
    {"lsm.s+", P::lsm, A::lsm_mac, kSleep},
    {"lsm_cgroup+", P::lsm, A::lsm_cgroup, 0},
    {"lsm+", P::lsm, A::lsm_mac, 0},
    {"iter.s+", P::tracing, A::trace_iter, kSleep},
    {"iter+", P::tracing, A::trace_iter, 0},
    {"syscall", P::syscall, A::unspec, kSleep},
    {"xdp.frags/devmap", P::xdp, A::xdp_devmap, kFrags},
    {"xdp/devmap", P::xdp, A::xdp_devmap, 0},
    {"xdp_devmap/", P::xdp, A::xdp_devmap, 0},
    {"xdp.frags/cpumap", P::xdp, A::xdp_cpumap, kFrags},
    {"xdp/cpumap", P::xdp, A::xdp_cpumap, 0},
    {"xdp_cpumap/", P::xdp, A::xdp_cpumap, 0},
    {"xdp.frags", P::xdp, A::xdp, kFrags},
    {"xdp", P::xdp, A::xdp, 0},
    {"perf_event", P::perf_event, A::unspec, 0},
    {"lwt_in", P::lwt_in, A::unspec, 0},
    {"lwt_out", P::lwt_out, A::unspec, 0},
    {"lwt_xmit", P::lwt_xmit, A::unspec, 0},
    {"lwt_seg6local", P::lwt_seg6local, A::unspec, 0},
    {"sockops", P::sock_ops, A::cgroup_sock_ops, 0},
    {"sk_skb/stream_parser", P::sk_skb, A::sk_skb_stream_parser, 0},
    {"sk_skb/stream_verdict", P::sk_skb, A::sk_skb_stream_verdict, 0},
    {"sk_skb/verdict", P::sk_skb, A::sk_skb_verdict, 0},
    {"sk_skb", P::sk_skb, A::unspec, 0},
    {"sk_msg", P::sk_msg, A::sk_msg_verdict, 0},
    {"lirc_mode2", P::lirc_mode2, A::lirc_mode2, 0},
    {"flow_dissector", P::flow_dissector, A::flow_dissector, 0},
    {"cgroup_skb/ingress", P::cgroup_skb, A::cgroup_inet_ingress, 0},
    {"cgroup_skb/egress", P::cgroup_skb, A::cgroup_inet_egress, 0},
    {"cgroup/skb", P::cgroup_skb, A::unspec, 0},
    {"cgroup/sock_create", P::cgroup_sock, A::cgroup_inet_sock_create, 0},
    {"cgroup/sock_release", P::cgroup_sock, A::cgroup_inet_sock_release, 0},
    {"cgroup/sock", P::cgroup_sock, A::cgroup_inet_sock_create, 0},
    {"cgroup/post_bind4", P::cgroup_sock, A::cgroup_inet4_post_bind, 0},
    {"cgroup/post_bind6", P::cgroup_sock, A::cgroup_inet6_post_bind, 0},
    {"cgroup/bind4", P::cgroup_sock_addr, A::cgroup_inet4_bind, 0},
    {"cgroup/bind6", P::cgroup_sock_addr, A::cgroup_inet6_bind, 0},
    {"cgroup/connect4", P::cgroup_sock_addr, A::cgroup_inet4_connect, 0},
    {"cgroup/connect6", P::cgroup_sock_addr, A::cgroup_inet6_connect, 0},
    {"cgroup/connect_unix", P::cgroup_sock_addr, A::cgroup_unix_connect, 0},
    {"cgroup/sendmsg4", P::cgroup_sock_addr, A::cgroup_udp4_sendmsg, 0},
    {"cgroup/sendmsg6", P::cgroup_sock_addr, A::cgroup_udp6_sendmsg, 0},
    {"cgroup/sendmsg_unix", P::cgroup_sock_addr, A::cgroup_unix_sendmsg, 0},
    {"cgroup/recvmsg4", P::cgroup_sock_addr, A::cgroup_udp4_recvmsg, 0},
    {"cgroup/recvmsg6", P::cgroup_sock_addr, A::cgroup_udp6_recvmsg, 0},
    {"cgroup/recvmsg_unix", P::cgroup_sock_addr, A::cgroup_unix_recvmsg, 0},
    {"cgroup/getpeername4", P::cgroup_sock_addr, A::cgroup_inet4_getpeername, 0},
    {"cgroup/getpeername6", P::cgroup_sock_addr, A::cgroup_inet6_getpeername, 0},
    {"cgroup/getpeername_unix", P::cgroup_sock_addr, A::cgroup_unix_getpeername, 0},
    {"cgroup/getsockname4", P::cgroup_sock_addr, A::cgroup_inet4_getsockname, 0},
    {"cgroup/getsockname6", P::cgroup_sock_addr, A::cgroup_inet6_getsockname, 0},
    {"cgroup/getsockname_unix", P::cgroup_sock_addr, A::cgroup_unix_getsockname, 0},
    {"cgroup/sysctl", P::cgroup_sysctl, A::cgroup_sysctl, 0},
    {"cgroup/getsockopt", P::cgroup_sockopt, A::cgroup_getsockopt, 0},
    {"cgroup/setsockopt", P::cgroup_sockopt, A::cgroup_setsockopt, 0},
    {"cgroup/dev", P::cgroup_device, A::cgroup_device, 0},
    {"struct_ops.s+", P::struct_ops, A::unspec, kSleep},
    {"struct_ops+", P::struct_ops, A::unspec, 0},
    {"sk_lookup", P::sk_lookup, A::sk_lookup, 0},
    {"sk_lookup/", P::sk_lookup, A::sk_lookup, 0},  // cilium: sk_lookup/<name>
    {"netfilter", P::netfilter, A::netfilter, 0},
    {"seccomp", P::socket_filter, A::unspec, 0},  // cilium
    // Old spellings kept by cilium/ebpf for objects written before libbpf 1.0.
    {"kprobe/", P::kprobe, A::unspec, 0},
    {"kretprobe/", P::kprobe, A::unspec, 0},
    {"uprobe/", P::kprobe, A::unspec, 0},
    {"uretprobe/", P::kprobe, A::unspec, 0},
    {"tracepoint/", P::tracepoint, A::unspec, 0},
    {"raw_tracepoint/", P::raw_tracepoint, A::unspec, 0},
    {"tp/", P::tracepoint, A::unspec, 0},
    {"raw_tp/", P::raw_tracepoint, A::unspec, 0},
    {"raw_tracepoint.w/", P::raw_tracepoint_writable, A::unspec, 0},
    {"raw_tp.w/", P::raw_tracepoint_writable, A::unspec, 0},
    {"cgroup_skb/", P::cgroup_skb, A::unspec, 0},
};

bool starts_with(std::string_view s, std::string_view p) noexcept { return s.substr(0, p.size()) == p; }

}  // namespace

std::span<const SectionDefinition> section_definitions() noexcept { return kDefinitions; }

ProgramKind classify_program_section(std::string_view section) noexcept {
  for (const auto& d : kDefinitions) {
    std::string_view p = d.pattern;
    std::string_view attach_to;
    if (p.back() == '+') {
      p.remove_suffix(1);
      if (section == p) {
      } else if (section.size() > p.size() && starts_with(section, p) && section[p.size()] == '/') {
        attach_to = section.substr(p.size() + 1);
      } else {
        continue;
      }
    } else if (p.back() == '/') {
      if (section.size() <= p.size() || !starts_with(section, p)) continue;
      attach_to = section.substr(p.size());
    } else if (section != p && !(starts_with(section, p) && section.size() > p.size() && section[p.size()] == '/')) {
      continue;
    }
    return ProgramKind{d.type, d.attach_type, d.flags, attach_to, true};
  }
  return {};
}

}  // namespace ebpf::elf
