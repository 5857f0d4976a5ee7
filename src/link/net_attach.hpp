// Internal: helpers shared by the networking and cgroup attach functions (src/link/net_*.cpp, cgroup_*.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ebpf/error.hpp"
#include "ebpf/link/link.hpp"
#include "ebpf/program.hpp"

namespace ebpf::link::detail {

// "program <name>: <what>" context for attach errors.
std::string program_context(const Program& program, std::string_view what);

// The ifindex from options naming an interface by index or by name.
Result<int> resolve_interface(int ifindex, std::string_view name);

// Whether a BPF_LINK_CREATE error means "this kernel has no link for this attach type" (so a legacy
// mechanism may be tried): EINVAL from kernels that do not know the attach type, EOPNOTSUPP/ENOTSUPP.
bool link_type_unsupported(const Error& e) noexcept;

// link_create.tcx / .netkit / .cgroup: { relative_fd or relative_id; expected_revision } after the head.
struct MprogTail {
  std::uint32_t relative = 0;
  std::uint32_t pad = 0;
  std::uint64_t expected_revision = 0;
};
static_assert(sizeof(MprogTail) == 16);

// A bpf_link fd as a Link.
inline Link wrap_link_fd(sys::Fd fd) { return Link(std::make_unique<FdAttachment>(std::move(fd))); }

// An fd of the namespace, cgroup or device an options struct names by path or fd (a dup of the fd, or the
// path opened read-only); for `what` in messages.
Result<sys::Fd> open_target(std::string_view path, int fd, const char* fallback_path, std::string_view what,
                            bool directory);

}  // namespace ebpf::link::detail
