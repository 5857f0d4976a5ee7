// Tracing attach points: tracepoints, raw tracepoints, BTF-typed tracing programs (tp_btf, fentry, fexit,
// fmod_ret, lsm), freplace, perf events, kprobes and kprobe multi, struct_ops maps.
//
// Each returns an owned Link; see link.hpp. Options structs are meant for designated initialisers:
//   auto l = ebpf::link::attach_tracepoint(prog, {.category = "syscalls", .name = "sys_enter_getpid"});
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ebpf/error.hpp"
#include "ebpf/link/link.hpp"

namespace ebpf {
class Map;
}

namespace ebpf::link {

struct TracepointOptions {
  std::string_view category;  // "syscalls"
  std::string_view name;      // "sys_enter_getpid"
  std::uint64_t cookie = 0;   // bpf_get_attach_cookie(); needs perf links (Linux 5.15)
  // Attach with PERF_EVENT_IOC_SET_BPF, as on kernels before perf links, even where perf links exist: the Link
  // then cannot be pinned and has no kernel link id.
  bool legacy_ioctl = false;
};

// A BPF_PROG_TYPE_TRACEPOINT program on a trace event: the event's id from tracefs (/sys/kernel/tracing, else
// /sys/kernel/debug/tracing; errc::not_supported if neither is mounted, errc::not_found for an unknown event),
// a perf event opened on it, and the program attached with a perf link (Linux 5.15) or
// PERF_EVENT_IOC_SET_BPF on older kernels (Linux 4.7).
Result<Link> attach_tracepoint(const Program& program, const TracepointOptions& options);

struct RawTracepointOptions {
  std::string_view name;     // "sched_switch"
  std::uint64_t cookie = 0;  // Linux 6.10
};

// A raw tracepoint (BPF_PROG_TYPE_RAW_TRACEPOINT[_WRITABLE]) through BPF_RAW_TRACEPOINT_OPEN. Linux 4.17.
Result<Link> attach_raw_tracepoint(const Program& program, const RawTracepointOptions& options);

struct TracingOptions {
  // The program's expected attach type (trace_fentry, trace_fexit, modify_return, trace_raw_tp, lsm_mac);
  // unspec: the one it was loaded with (Program::attach_type()).
  AttachType attach_type = AttachType::unspec;
  std::uint64_t cookie = 0;  // Linux 6.0 (fentry family)
};

// A BTF-typed program whose target was fixed at load (attach_btf_id): tp_btf, fentry, fexit, fmod_ret,
// lsm. BPF_LINK_CREATE (Linux 5.10 for these types), else BPF_RAW_TRACEPOINT_OPEN without a name (Linux 5.5).
// A kernel that refuses trampolines (no JIT / no ftrace direct calls) answers errc::not_supported.
Result<Link> attach_tracing(const Program& program, const TracingOptions& options = {});

// An LSM program (BPF_LSM_MAC). Linux 5.7.
Result<Link> attach_lsm(const Program& program);

struct FreplaceOptions {
  // The program whose function is replaced, and that function's BTF id in it; with target_fd = -1 the target
  // given at load time (CollectionOptions::attach_targets) is used.
  int target_fd = -1;
  std::uint32_t target_btf_id = 0;
};

// A freplace (BPF_PROG_TYPE_EXT) program. Linux 5.10.
Result<Link> attach_freplace(const Program& program, const FreplaceOptions& options = {});

struct PerfEventOptions {
  std::uint32_t type = 1;        // perf_event_attr.type: PERF_TYPE_SOFTWARE
  std::uint64_t config = 0;      // PERF_COUNT_SW_CPU_CLOCK
  std::uint64_t sample_period = 0;  // sample every N events (or ns for clocks); 0 with frequency == 0: 1
  std::uint64_t frequency = 0;      // samples per second instead of a period (perf_event_attr.freq)
  int pid = -1;                  // -1: every process (needs a cpu); 0: this thread
  int cpu = 0;                   // -1: every CPU (needs a pid)
  std::uint64_t cookie = 0;      // needs perf links
};

// A BPF_PROG_TYPE_PERF_EVENT program on a new perf event (software or hardware counter sampling). One event
// watches one CPU or one task: attach once per CPU to cover the machine. Linux 4.9.
Result<Link> attach_perf_event(const Program& program, const PerfEventOptions& options);

// A BPF_PROG_TYPE_PERF_EVENT, TRACEPOINT or KPROBE program on a perf event the caller opened; the Link owns
// `perf_fd` from then on. A perf link on Linux 5.15+ (unless legacy_ioctl), else PERF_EVENT_IOC_SET_BPF.
Result<Link> attach_perf_event_fd(const Program& program, sys::Fd perf_fd, std::uint64_t cookie = 0,
                                  bool legacy_ioctl = false);

struct KprobeOptions {
  std::string_view symbol;    // kernel function
  std::uint64_t offset = 0;   // from the symbol
  std::uint64_t address = 0;  // instead of symbol (symbol empty)
  bool retprobe = false;      // kretprobe
  std::uint64_t cookie = 0;
};

// A kprobe / kretprobe through the kprobe perf PMU (Linux 4.17). A kernel without kprobes (no kprobe PMU,
// CONFIG_KPROBES off) answers errc::not_supported.
Result<Link> attach_kprobe(const Program& program, const KprobeOptions& options);

struct KprobeMultiOptions {
  std::vector<std::string> symbols;    // functions, or
  std::vector<std::uint64_t> addresses;
  std::string_view pattern;            // a glob over available_filter_functions ("vfs_*"), instead of both
  std::vector<std::uint64_t> cookies;  // one per symbol/address, or empty
  bool retprobe = false;               // BPF_F_KPROBE_MULTI_RETURN
};

// A program loaded with attach type trace_kprobe_multi on many functions at once (BPF_LINK_CREATE,
// Linux 5.18, needs CONFIG_FPROBE): errc::not_supported where the kernel lacks it.
Result<Link> attach_kprobe_multi(const Program& program, const KprobeMultiOptions& options);

// Registers a struct_ops map (created with BPF_F_LINK, as ".struct_ops.link" sections are) as a link
// (BPF_LINK_CREATE with BPF_STRUCT_OPS, Linux 6.4): unregistered when the Link closes. Link::update() with a
// program is refused; use update_struct_ops() to swap maps.
Result<Link> attach_struct_ops(const Map& map);
// Replaces the struct_ops map of a struct_ops link (BPF_LINK_UPDATE, Linux 6.4).
Result<void> update_struct_ops(Link& link, const Map& new_map, const Map* expected_old = nullptr);

}  // namespace ebpf::link
