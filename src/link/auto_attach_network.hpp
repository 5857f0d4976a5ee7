// The networking half of auto-attach (internal seam): program types attached to interfaces, cgroups,
// network namespaces and socket maps. auto_attach.cpp sends every program type it does not handle here.
#pragma once

#include <string_view>

#include "ebpf/error.hpp"
#include "ebpf/link/link.hpp"

namespace ebpf::link::detail {

// Whether the networking backends can attach `program` from its section (and a target).
bool network_auto_attachable(const Program& program, bool has_target);
// Attaches it (xdp ifname, cgroup path, netns path, ... in `target`).
Result<Link> attach_network_program(const Program& program, std::string_view target);

}  // namespace ebpf::link::detail
