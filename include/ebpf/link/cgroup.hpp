// Cgroup attachments for every cgroup attach type (skb ingress/egress, sock create/release, post_bind,
// sock_addr bind/connect/sendmsg/recvmsg/getpeername/getsockname for inet4, inet6 and unix, sock_ops,
// sysctl, get/setsockopt, device): a bpf_link (BPF_LINK_CREATE, Linux 5.7) or the legacy BPF_PROG_ATTACH with
// BPF_F_ALLOW_MULTI (Linux 4.15) or BPF_F_ALLOW_OVERRIDE.
//
// A bpf_link is always "multi": other programs can attach to the same cgroup and hook next to it. A legacy
// attachment without ALLOW_MULTI is exclusive, and is removed by the cgroup's deletion as well as by the Link.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "ebpf/error.hpp"
#include "ebpf/link/anchor.hpp"
#include "ebpf/link/link.hpp"
#include "ebpf/link/method.hpp"
#include "ebpf/program.hpp"
#include "ebpf/types.hpp"

namespace ebpf::link {

// BPF_PROG_ATTACH flags for cgroups.
namespace cgroup_flags {
inline constexpr std::uint32_t allow_override = 1u << 0;  // BPF_F_ALLOW_OVERRIDE: a descendant may replace it
inline constexpr std::uint32_t allow_multi = 1u << 1;     // BPF_F_ALLOW_MULTI: several programs run, in order
}  // namespace cgroup_flags

struct CgroupOptions {
  std::string_view path;  // the cgroup directory (cgroup2), or ...
  int fd = -1;            // ... an open fd of it (not taken over; the Link keeps its own reference)
  // The hook; unspec: the program's own (Program::attach_type(), from its ELF section).
  AttachType attach_type = AttachType::unspec;
  AttachMethod method = AttachMethod::automatic;
  // Legacy only: cgroup_flags::allow_multi (default), allow_override or 0 (exclusive).
  std::uint32_t legacy_flags = cgroup_flags::allow_multi;
  // Links only, Linux 6.16: where the program goes among the hook's programs, and the list revision expected.
  // Left at their defaults, the program is appended on any kernel.
  Anchor anchor;
  std::uint64_t expected_revision = 0;
};

// Attaches a cgroup program. With AttachMethod::automatic a bpf_link is made, and BPF_PROG_ATTACH is used
// on kernels without cgroup links (before 5.7). errc::invalid_argument if the attach type is not a cgroup type
// (or none is known: a program not loaded from a section, without options.attach_type).
Result<Link> attach_cgroup(const Program& program, const CgroupOptions& options);

// Whether `type` attaches to a cgroup.
bool is_cgroup_attach_type(AttachType type) noexcept;

// The ids of the programs attached to a cgroup hook (BPF_PROG_QUERY), in run order.
Result<std::vector<std::uint32_t>> query_cgroup(std::string_view path, AttachType type);

}  // namespace ebpf::link
