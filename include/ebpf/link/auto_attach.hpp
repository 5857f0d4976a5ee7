// Attaching a program where its section name says (Program::attach, Collection::attach_all).
#pragma once

#include <string_view>

#include "ebpf/error.hpp"
#include "ebpf/link/link.hpp"

namespace ebpf::link {

// Whether Program::attach(target) can attach `program` from its section (plus `target` when has_target):
// false for program types with no attach point of their own (syscall, socket filters, struct_ops programs,
// perf_event without an event, ...) and for sections that do not name their target ("uprobe", "kprobe",
// "xdp" without an interface) when none is given.
bool auto_attachable(const Program& program, bool has_target);

// Program::attach: dispatches on the program's type and section.
//   tracepoint/<cat>/<name>, tp/...            target "cat/name" overrides
//   raw_tp/<name>, raw_tracepoint[.w]/<name>   target "name" overrides
//   tp_btf/, fentry/, fexit/, fmod_ret/, lsm/  (target fixed at load)
//   freplace/                                  (target program given at load)
//   iter/<target>                              (no map/cgroup/task filter)
//   kprobe/<func>[+off], kretprobe/..., ksyscall/<name>, kretsyscall/<name>, kprobe.multi/<glob>
//   uprobe[.s]/<path>:<func>[+off], uretprobe..., uprobe.multi/<path>:<glob>, usdt/<path>:<provider>:<name>
//     target "path:func" (or "path:0xoffset") overrides
// Network and cgroup programs are dispatched to the networking backends.
Result<Link> attach_program(const Program& program, std::string_view target = {});

}  // namespace ebpf::link
