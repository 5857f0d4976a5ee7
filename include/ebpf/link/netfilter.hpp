// Netfilter attachments: a netfilter program as a hook of the IPv4 or IPv6 stack (Linux 6.4).
#pragma once

#include <cstdint>

#include "ebpf/error.hpp"
#include "ebpf/link/link.hpp"
#include "ebpf/program.hpp"

namespace ebpf::link {

namespace netfilter {
inline constexpr std::uint32_t ipv4 = 2;   // NFPROTO_IPV4
inline constexpr std::uint32_t ipv6 = 10;  // NFPROTO_IPV6
// Hooks (NF_INET_*).
inline constexpr std::uint32_t pre_routing = 0;
inline constexpr std::uint32_t local_in = 1;
inline constexpr std::uint32_t forward = 2;
inline constexpr std::uint32_t local_out = 3;
inline constexpr std::uint32_t post_routing = 4;
// Flags.
inline constexpr std::uint32_t ip_defrag = 1u << 0;  // BPF_F_NETFILTER_IP_DEFRAG (Linux 6.6)
}  // namespace netfilter

struct NetfilterOptions {
  std::uint32_t family = netfilter::ipv4;
  std::uint32_t hook = netfilter::local_in;
  // Order among the hook's functions; must lie strictly between INT_MIN and INT_MAX (the kernel reserves the
  // ends), and priorities -400..-200 (before conntrack/defrag) need care.
  std::int32_t priority = 0;
  std::uint32_t flags = 0;
};

// Attaches a netfilter program in the calling thread's network namespace. Requires Linux 6.4 with
// CONFIG_NETFILTER_BPF_LINK (errc::not_supported otherwise).
Result<Link> attach_netfilter(const Program& program, const NetfilterOptions& options);

}  // namespace ebpf::link
