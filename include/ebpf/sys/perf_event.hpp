// perf_event_open(2) and the perf-event ioctls that attaching programs and reading perf buffers need.
//
// Like bpf(), these calls go through the fault hook (sys::set_fault_hook) so tests can fail them: the hook
// sees Cmd values above the bpf() range (perf_event_open, perf_ioctl) for them.
#pragma once

#include <linux/perf_event.h>

#include <cstdint>

#include "ebpf/error.hpp"
#include "ebpf/sys/attr.hpp"
#include "ebpf/sys/fd.hpp"

namespace ebpf::sys {

// Pseudo-commands for the fault hook: not bpf() commands, never passed to the kernel as such.
inline constexpr Cmd kCmdPerfEventOpen = static_cast<Cmd>(1000);
inline constexpr Cmd kCmdPerfIoctl = static_cast<Cmd>(1001);

// perf_event_open(attr, pid, cpu, group_fd, flags); PERF_FLAG_FD_CLOEXEC is always added.
// EINTR is retried. Errors carry `what` as their static message.
Result<Fd> perf_event_open(perf_event_attr& attr, int pid, int cpu, int group_fd, unsigned long flags,
                           const char* what = "perf_event_open");

// ioctl on a perf event fd (PERF_EVENT_IOC_ENABLE, _DISABLE, _SET_BPF, _PAUSE_OUTPUT, ...).
Result<void> perf_ioctl(int perf_fd, unsigned long request, unsigned long arg, const char* what);

}  // namespace ebpf::sys
