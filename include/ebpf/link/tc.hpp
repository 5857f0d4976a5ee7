// Traffic control attachments: tcx (BPF_LINK_CREATE with BPF_TCX_INGRESS/EGRESS, Linux 6.6), netkit
// (BPF_NETKIT_PRIMARY/PEER, Linux 6.7) and the legacy cls_bpf filter on a clsact qdisc (netlink).
//
// tcx and netkit keep an ordered list of programs per hook: an Anchor says where a new one goes (first, last,
// or before/after a given program or link), and expected_revision makes the attach fail with ESTALE if the
// list changed since it was read.
#pragma once

#include <cstdint>
#include <string_view>

#include "ebpf/error.hpp"
#include "ebpf/link/anchor.hpp"
#include "ebpf/link/link.hpp"
#include "ebpf/link/xdp.hpp"
#include "ebpf/program.hpp"

namespace ebpf::link {

enum class TcDirection : std::uint8_t { ingress, egress };

struct TcxOptions {
  int ifindex = 0;             // the interface, by index ...
  std::string_view interface;  // ... or by name
  TcDirection direction = TcDirection::ingress;
  Anchor anchor;
  std::uint64_t expected_revision = 0;  // 0: any
};

// Attaches a sched_cls program to tcx. Requires Linux 6.6 (errc::not_supported before).
Result<Link> attach_tcx(const Program& program, const TcxOptions& options);

struct TcOptions {
  int ifindex = 0;
  std::string_view interface;
  TcDirection direction = TcDirection::ingress;
  std::uint16_t priority = 0;  // 0: the kernel picks one
  std::uint32_t handle = 0;    // 0: the kernel picks one
  std::uint16_t protocol = 0;  // ethertype in host order; 0: all (ETH_P_ALL)
  bool direct_action = true;   // the program's return value is the verdict (TC_ACT_*)
  bool replace = false;        // replace the filter with the same priority and handle
};

// Attaches a sched_cls program as a cls_bpf filter on the interface's clsact qdisc (created if missing and
// left in place afterwards, as tc does), through netlink. Closing the link deletes the filter. Requires
// Linux 4.5.
Result<Link> attach_tc(const Program& program, const TcOptions& options);

struct NetkitOptions {
  int ifindex = 0;             // the primary netkit device, by index ...
  std::string_view interface;  // ... or by name
  bool peer = false;           // false: BPF_NETKIT_PRIMARY; true: BPF_NETKIT_PEER (runs for the peer's traffic)
  Anchor anchor;
  std::uint64_t expected_revision = 0;
};

// Attaches a sched_cls program to a netkit device. Requires Linux 6.7 (errc::not_supported before).
Result<Link> attach_netkit(const Program& program, const NetkitOptions& options);

}  // namespace ebpf::link
