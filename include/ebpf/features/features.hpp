// What the running kernel supports: the one place in ebpfpp that knows the kernel.
//
// Every question has three answers, expressed as Result<bool>:
//   * true   the kernel supports it,
//   * false  the kernel does not (it answered, and the answer is no),
//   * error  the probe could not tell (no permission to use bpf(), an errno the probe does not
//            understand, ...); the Error says why.
//
// Each probe is the cheapest kernel call that decides the question (usually one BPF_MAP_CREATE or one
// BPF_PROG_LOAD of a two-instruction program), run at most once per process: definite answers are cached
// (thread-safe; a second call makes no syscall). "Could not tell" is not cached, so a later call with more
// privileges can still decide.
//
// Probes need what the feature needs: on most systems CAP_BPF (or root), and for some program types
// CAP_PERFMON, CAP_NET_ADMIN or CAP_SYS_ADMIN. Without them the answer is "could not tell".
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "ebpf/error.hpp"
#include "ebpf/types.hpp"

namespace ebpf::features {

// A yes/no answer, or an Error when the probe could not tell.
using Support = Result<bool>;

// Whether the kernel can load programs of `type` (a two-instruction program; tracing, ext, lsm and
// struct_ops are recognised by the verifier asking for an attach target). unspec is never supported.
Support have_program_type(ProgramType type);

// Whether the kernel can create maps of `type`. A type the kernel refuses to a caller that may create
// other maps (EPERM/EACCES for this type only, e.g. arena on kernels or VMs configured without it) is
// reported as not supported.
Support have_map_type(MapType type);

// Whether programs of `type` may call helper `helper_id` (the `call` immediate, BPF_FUNC_*). Not
// supported when the program type is not. For tracing, ext, lsm and struct_ops the helper set depends on
// the attach target: the answer is "could not tell".
Support have_program_helper(ProgramType type, std::int32_t helper_id);

// Whether the kernel accepts programs of `type` with expected attach type `attach`. For attach types that
// exist only as links (tcx, netkit, kprobe/uprobe multi, perf_event) this is the link probe.
Support have_attach_type(ProgramType type, AttachType attach);

// Whether vmlinux BTF has a kernel function `name` that programs of `type` may call (a kfunc registered for
// that program type). Requires Linux 5.13 and kernel BTF; without kernel BTF the answer is "could not tell".
Support have_kfunc(std::string_view name, ProgramType type = ProgramType::syscall);

// Loader-relevant kernel features (with the first kernel that has them).
enum class Feature : std::uint16_t {
  btf,                // BTF_LOAD with a plain INT (4.18)
  btf_func,           // FUNC / FUNC_PROTO (5.0)
  btf_func_global,    // FUNC with global linkage (5.6)
  btf_datasec,        // VAR / DATASEC (5.2)
  btf_float,          // FLOAT (5.13)
  btf_decl_tag,       // DECL_TAG (5.16)
  btf_type_tag,       // TYPE_TAG (5.17)
  btf_enum64,         // ENUM64 (6.0)
  btf_func_info,      // func_info in BPF_PROG_LOAD (5.0)
  btf_line_info,      // line_info in BPF_PROG_LOAD (5.0)
  object_name,        // names on maps and programs (4.15)
  object_name_dot,    // '.' in object names (5.2)
  global_data,        // direct map value access, ld_imm64 BPF_PSEUDO_MAP_VALUE (5.2)
  bpf_to_bpf_calls,   // BPF-to-BPF calls (4.16)
  log_true_size,      // BPF_PROG_LOAD reports the size the whole verifier log needs (6.4)
  large_insn_limit,   // programs over 4096 instructions (5.2)
  bounded_loops,      // back-edges the verifier can bound (5.3)
  v2_isa,             // JLT/JLE/JSLT/JSLE (4.14)
  v3_isa,             // JMP32 (5.1)
  v4_isa,             // cpuv4: sign-extending moves and loads, sdiv/smod, gotol, bswap (6.6)
  mmapable_maps,      // BPF_F_MMAPABLE arrays (5.5)
  map_mutability,     // BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG (5.2)
  inner_map_flag,     // BPF_F_INNER_MAP (5.10)
  no_prealloc,        // BPF_F_NO_PREALLOC hash maps (4.6)
  nested_maps,        // array_of_maps / hash_of_maps (4.12)
  batch_api,          // BPF_MAP_*_BATCH (5.6)
  ringbuf_mmap,       // mapping a ring buffer map into user space (5.8)
  arena,              // BPF_MAP_TYPE_ARENA (6.9)
  perf_link,          // BPF_LINK_CREATE for perf events (5.15)
  kprobe_multi_link,  // kprobe.multi links (5.18, needs CONFIG_FPROBE)
  uprobe_multi_link,  // uprobe.multi links (6.6)
  tcx_link,           // tcx links (6.6)
  netkit_link,        // netkit links (6.7, needs CONFIG_NETKIT)
  token,              // BPF_TOKEN_CREATE (6.9)
  kprobe_events,      // kprobes through perf_event_open (needs CONFIG_KPROBES / CONFIG_KPROBE_EVENTS)
  uprobe_events,      // uprobes through perf_event_open (needs CONFIG_UPROBE_EVENTS)
};
inline constexpr std::uint16_t kFeatureCount = static_cast<std::uint16_t>(Feature::uprobe_events) + 1;

// Whether the kernel has `feature`.
Support have_bpf_feature(Feature feature);

// "btf_func", "kprobe_multi_link", ...
std::string_view to_string(Feature feature) noexcept;
// The first Linux release with the feature ("5.0"), or a note for configuration-dependent features.
std::string_view minimum_kernel(Feature feature) noexcept;

// errc::not_supported naming the feature and its minimum kernel when the kernel lacks it; the probe's error
// when it could not tell; success when supported. For callers that need a feature.
Result<void> require(Feature feature);

// The probes without the cache, for benchmarks and diagnostics: each call asks the kernel again.
namespace uncached {
Support program_type(ProgramType type);
Support map_type(MapType type);
Support program_helper(ProgramType type, std::int32_t helper_id);
Support bpf_feature(Feature feature);
}  // namespace uncached

}  // namespace ebpf::features
