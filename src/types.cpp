#include "ebpf/types.hpp"

#include <array>
#include <utility>

namespace ebpf {

namespace {
constexpr std::pair<MapType, std::string_view> kMapTypeNames[] = {
    {MapType::unspec, "unspec"},
    {MapType::hash, "hash"},
    {MapType::array, "array"},
    {MapType::prog_array, "prog_array"},
    {MapType::perf_event_array, "perf_event_array"},
    {MapType::percpu_hash, "percpu_hash"},
    {MapType::percpu_array, "percpu_array"},
    {MapType::stack_trace, "stack_trace"},
    {MapType::cgroup_array, "cgroup_array"},
    {MapType::lru_hash, "lru_hash"},
    {MapType::lru_percpu_hash, "lru_percpu_hash"},
    {MapType::lpm_trie, "lpm_trie"},
    {MapType::array_of_maps, "array_of_maps"},
    {MapType::hash_of_maps, "hash_of_maps"},
    {MapType::devmap, "devmap"},
    {MapType::sockmap, "sockmap"},
    {MapType::cpumap, "cpumap"},
    {MapType::xskmap, "xskmap"},
    {MapType::sockhash, "sockhash"},
    {MapType::cgroup_storage, "cgroup_storage"},
    {MapType::reuseport_sockarray, "reuseport_sockarray"},
    {MapType::percpu_cgroup_storage, "percpu_cgroup_storage"},
    {MapType::queue, "queue"},
    {MapType::stack, "stack"},
    {MapType::sk_storage, "sk_storage"},
    {MapType::devmap_hash, "devmap_hash"},
    {MapType::struct_ops, "struct_ops"},
    {MapType::ringbuf, "ringbuf"},
    {MapType::inode_storage, "inode_storage"},
    {MapType::task_storage, "task_storage"},
    {MapType::bloom_filter, "bloom_filter"},
    {MapType::user_ringbuf, "user_ringbuf"},
    {MapType::cgrp_storage, "cgrp_storage"},
    {MapType::arena, "arena"},
};
constexpr std::pair<ProgramType, std::string_view> kProgramTypeNames[] = {
    {ProgramType::unspec, "unspec"},
    {ProgramType::socket_filter, "socket_filter"},
    {ProgramType::kprobe, "kprobe"},
    {ProgramType::sched_cls, "sched_cls"},
    {ProgramType::sched_act, "sched_act"},
    {ProgramType::tracepoint, "tracepoint"},
    {ProgramType::xdp, "xdp"},
    {ProgramType::perf_event, "perf_event"},
    {ProgramType::cgroup_skb, "cgroup_skb"},
    {ProgramType::cgroup_sock, "cgroup_sock"},
    {ProgramType::lwt_in, "lwt_in"},
    {ProgramType::lwt_out, "lwt_out"},
    {ProgramType::lwt_xmit, "lwt_xmit"},
    {ProgramType::sock_ops, "sock_ops"},
    {ProgramType::sk_skb, "sk_skb"},
    {ProgramType::cgroup_device, "cgroup_device"},
    {ProgramType::sk_msg, "sk_msg"},
    {ProgramType::raw_tracepoint, "raw_tracepoint"},
    {ProgramType::cgroup_sock_addr, "cgroup_sock_addr"},
    {ProgramType::lwt_seg6local, "lwt_seg6local"},
    {ProgramType::lirc_mode2, "lirc_mode2"},
    {ProgramType::sk_reuseport, "sk_reuseport"},
    {ProgramType::flow_dissector, "flow_dissector"},
    {ProgramType::cgroup_sysctl, "cgroup_sysctl"},
    {ProgramType::raw_tracepoint_writable, "raw_tracepoint_writable"},
    {ProgramType::cgroup_sockopt, "cgroup_sockopt"},
    {ProgramType::tracing, "tracing"},
    {ProgramType::struct_ops, "struct_ops"},
    {ProgramType::ext, "ext"},
    {ProgramType::lsm, "lsm"},
    {ProgramType::sk_lookup, "sk_lookup"},
    {ProgramType::syscall, "syscall"},
    {ProgramType::netfilter, "netfilter"},
};
constexpr std::pair<AttachType, std::string_view> kAttachTypeNames[] = {
    {AttachType::cgroup_inet_ingress, "cgroup_inet_ingress"},
    {AttachType::cgroup_inet_egress, "cgroup_inet_egress"},
    {AttachType::cgroup_inet_sock_create, "cgroup_inet_sock_create"},
    {AttachType::cgroup_sock_ops, "cgroup_sock_ops"},
    {AttachType::sk_skb_stream_parser, "sk_skb_stream_parser"},
    {AttachType::sk_skb_stream_verdict, "sk_skb_stream_verdict"},
    {AttachType::cgroup_device, "cgroup_device"},
    {AttachType::sk_msg_verdict, "sk_msg_verdict"},
    {AttachType::cgroup_inet4_bind, "cgroup_inet4_bind"},
    {AttachType::cgroup_inet6_bind, "cgroup_inet6_bind"},
    {AttachType::cgroup_inet4_connect, "cgroup_inet4_connect"},
    {AttachType::cgroup_inet6_connect, "cgroup_inet6_connect"},
    {AttachType::cgroup_inet4_post_bind, "cgroup_inet4_post_bind"},
    {AttachType::cgroup_inet6_post_bind, "cgroup_inet6_post_bind"},
    {AttachType::cgroup_udp4_sendmsg, "cgroup_udp4_sendmsg"},
    {AttachType::cgroup_udp6_sendmsg, "cgroup_udp6_sendmsg"},
    {AttachType::lirc_mode2, "lirc_mode2"},
    {AttachType::flow_dissector, "flow_dissector"},
    {AttachType::cgroup_sysctl, "cgroup_sysctl"},
    {AttachType::cgroup_udp4_recvmsg, "cgroup_udp4_recvmsg"},
    {AttachType::cgroup_udp6_recvmsg, "cgroup_udp6_recvmsg"},
    {AttachType::cgroup_getsockopt, "cgroup_getsockopt"},
    {AttachType::cgroup_setsockopt, "cgroup_setsockopt"},
    {AttachType::trace_raw_tp, "trace_raw_tp"},
    {AttachType::trace_fentry, "trace_fentry"},
    {AttachType::trace_fexit, "trace_fexit"},
    {AttachType::modify_return, "modify_return"},
    {AttachType::lsm_mac, "lsm_mac"},
    {AttachType::trace_iter, "trace_iter"},
    {AttachType::cgroup_inet4_getpeername, "cgroup_inet4_getpeername"},
    {AttachType::cgroup_inet6_getpeername, "cgroup_inet6_getpeername"},
    {AttachType::cgroup_inet4_getsockname, "cgroup_inet4_getsockname"},
    {AttachType::cgroup_inet6_getsockname, "cgroup_inet6_getsockname"},
    {AttachType::xdp_devmap, "xdp_devmap"},
    {AttachType::cgroup_inet_sock_release, "cgroup_inet_sock_release"},
    {AttachType::xdp_cpumap, "xdp_cpumap"},
    {AttachType::sk_lookup, "sk_lookup"},
    {AttachType::xdp, "xdp"},
    {AttachType::sk_skb_verdict, "sk_skb_verdict"},
    {AttachType::sk_reuseport_select, "sk_reuseport_select"},
    {AttachType::sk_reuseport_select_or_migrate, "sk_reuseport_select_or_migrate"},
    {AttachType::perf_event, "perf_event"},
    {AttachType::trace_kprobe_multi, "trace_kprobe_multi"},
    {AttachType::lsm_cgroup, "lsm_cgroup"},
    {AttachType::struct_ops, "struct_ops"},
    {AttachType::netfilter, "netfilter"},
    {AttachType::tcx_ingress, "tcx_ingress"},
    {AttachType::tcx_egress, "tcx_egress"},
    {AttachType::trace_uprobe_multi, "trace_uprobe_multi"},
    {AttachType::cgroup_unix_connect, "cgroup_unix_connect"},
    {AttachType::cgroup_unix_sendmsg, "cgroup_unix_sendmsg"},
    {AttachType::cgroup_unix_recvmsg, "cgroup_unix_recvmsg"},
    {AttachType::cgroup_unix_getpeername, "cgroup_unix_getpeername"},
    {AttachType::cgroup_unix_getsockname, "cgroup_unix_getsockname"},
    {AttachType::netkit_primary, "netkit_primary"},
    {AttachType::netkit_peer, "netkit_peer"},
    {AttachType::trace_kprobe_session, "trace_kprobe_session"},
    {AttachType::trace_uprobe_session, "trace_uprobe_session"},
    {AttachType::unspec, "unspec"},
};

template <class E, std::size_t N>
std::string_view name_of(const std::pair<E, std::string_view> (&table)[N], E value) noexcept {
  for (auto& [v, n] : table)
    if (v == value) return n;
  return "unknown";
}

template <class E, std::size_t N>
std::optional<E> value_of(const std::pair<E, std::string_view> (&table)[N], std::string_view name) noexcept {
  for (auto& [v, n] : table)
    if (n == name) return v;
  return std::nullopt;
}
}  // namespace

std::string_view to_string(MapType t) noexcept { return name_of(kMapTypeNames, t); }
std::string_view to_string(ProgramType t) noexcept { return name_of(kProgramTypeNames, t); }
std::string_view to_string(AttachType t) noexcept { return name_of(kAttachTypeNames, t); }
std::optional<MapType> map_type_from_string(std::string_view name) noexcept { return value_of(kMapTypeNames, name); }
std::optional<ProgramType> program_type_from_string(std::string_view name) noexcept {
  return value_of(kProgramTypeNames, name);
}
std::optional<AttachType> attach_type_from_string(std::string_view name) noexcept {
  return value_of(kAttachTypeNames, name);
}

}  // namespace ebpf
