// Program: a live eBPF program in the kernel (an RAII owner of its fd).
//
// Programs are loaded from a fully resolved LoadRequest (encoded instructions in host byte order plus what
// the kernel needs); ProgramSpec-based loading builds a LoadRequest from a spec. Loading follows the
// verifier-log protocol of cilium/ebpf: a first attempt without a log (unless one is asked for), on failure
// a retry with a log that grows on ENOSPC (to the size the kernel reports in log_true_size), capped.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ebpf/error.hpp"
#include "ebpf/sys/fd.hpp"
#include "ebpf/types.hpp"

namespace ebpf {

// Verifier log levels; may be OR-ed.
namespace log_level {
inline constexpr std::uint32_t branch = 1;       // BPF_LOG_LEVEL1
inline constexpr std::uint32_t instruction = 2;  // BPF_LOG_LEVEL2
inline constexpr std::uint32_t stats = 4;        // BPF_LOG_STATS
}  // namespace log_level

namespace btf {
class Spec;
}

struct ProgramOptions {
  // Non-zero: load once with this log level and keep the log of a successful load (Program::verifier_log()).
  // Zero: load without a log, and only on failure retry with log_level::branch to explain the failure.
  std::uint32_t log_level = 0;
  // Starting size of the log buffer (clamped to [64 KiB, 1 GiB]); grown on ENOSPC.
  std::uint32_t log_size_start = 0;
  // No log at all, even on failure.
  bool log_disabled = false;
  // Target BTF for CO-RE relocations instead of the running kernel's (/sys/kernel/btf/vmlinux and module BTF),
  // as cilium/ebpf's KernelTypes or libbpf's btf_custom_path. Module BTF is not searched when this is set.
  std::shared_ptr<const btf::Spec> kernel_types;
  // Target BTF of kernel modules by module name (split BTF on top of kernel_types or vmlinux), as cilium/ebpf's
  // KernelModuleTypes. Used for tracing and LSM programs whose attach_to function is one of that module's own
  // types; takes precedence over the running kernel's module BTF.
  std::map<std::string, std::shared_ptr<const btf::Spec>, std::less<>> kernel_module_types;
};

// A CO-RE relocation that could not be satisfied: its instruction was poisoned (a call to helper 0xbad2310),
// so the verifier refuses the program only if the instruction is reachable.
struct PoisonedRelocation {
  std::uint32_t slot = 0;   // instruction offset in 8-byte slots
  std::string description;  // "instruction 12: CO-RE relocation byte_off of struct foo access 0:1 (foo.b)"
};

// Everything BPF_PROG_LOAD needs, already resolved. Spans must outlive the call.
struct LoadRequest {
  std::string_view name;
  ProgramType type = ProgramType::unspec;
  AttachType attach_type = AttachType::unspec;
  std::uint32_t flags = 0;
  std::span<const std::byte> instructions;  // encoded, host byte order, a multiple of 8 bytes
  std::string_view license = "GPL";
  std::uint32_t kernel_version = 0;
  int btf_fd = -1;
  std::span<const std::byte> func_info;
  std::uint32_t func_info_rec_size = 0;
  std::span<const std::byte> line_info;
  std::uint32_t line_info_rec_size = 0;
  std::uint32_t attach_btf_id = 0;
  int attach_fd = -1;  // attach_prog_fd or attach_btf_obj_fd
  std::span<const int> fd_array;
  // Set when the program calls bpf-to-bpf functions: refines the error on kernels without them.
  bool has_function_references = false;
  // Poisoned CO-RE relocations: a load refused for reaching one names it.
  std::span<const PoisonedRelocation> poisoned_relocations;
  // Where the program attaches, kept by the Program for Program::attach(): its ELF section ("tracepoint/
  // syscalls/sys_enter_getpid") and the part after the section prefix (ProgramSpec::attach_to).
  std::string_view section_name;
  std::string_view attach_to;
};

struct RunOptions {
  std::span<const std::byte> data;       // packet data for XDP / skb programs (>= 14 bytes for ethernet)
  // Output buffer for the data after the run. If empty while `data` is not, the library allocates
  // data.size() + 258 bytes (XDP headroom + NET_IP_ALIGN) and returns them in RunResult::data_out.
  std::span<std::byte> data_out;
  std::span<const std::byte> context;    // ctx_in
  std::span<std::byte> context_out;      // ctx_out
  std::uint32_t repeat = 0;              // 0 or 1: run once
  std::uint32_t flags = 0;               // BPF_F_TEST_RUN_ON_CPU, BPF_F_TEST_XDP_LIVE_FRAMES, ...
  std::uint32_t cpu = 0;
};

struct RunResult {
  std::uint32_t retval = 0;
  std::chrono::nanoseconds duration{0};  // average time per run as the kernel measured it
  std::vector<std::byte> data_out;       // when the library allocated the output buffer
  std::size_t data_out_size = 0;         // bytes of output data (in data_out or the caller's buffer)
  std::size_t context_out_size = 0;
};

struct ProgramInfo {
  std::uint32_t id = 0;
  ProgramType type = ProgramType::unspec;
  std::string name;
  std::array<std::uint8_t, 8> tag{};
  std::vector<std::uint32_t> map_ids;
  std::uint32_t btf_id = 0;  // 0: none
  std::uint32_t xlated_size = 0;
  std::uint32_t jited_size = 0;
  std::uint64_t load_time_ns = 0;  // since boot
  std::uint32_t created_by_uid = 0;
  std::uint64_t run_time_ns = 0;  // with BPF_ENABLE_STATS
  std::uint64_t run_count = 0;
  std::uint64_t recursion_misses = 0;
  std::uint32_t verified_insns = 0;
  bool gpl_compatible = false;

  // Tag as 16 lower-case hex digits.
  [[nodiscard]] std::string tag_string() const;
};

namespace detail {
class ProgramLoad;
}  // namespace detail

class Link;

class Program {
 public:
  Program() = default;  // an empty (closed) program
  Program(Program&&) noexcept = default;
  Program& operator=(Program&&) noexcept = default;
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  static Result<Program> load(const LoadRequest& request, const ProgramOptions& options = {});
  // Takes ownership of an fd referring to a program.
  static Result<Program> from_fd(sys::Fd fd);
  static Result<Program> from_id(std::uint32_t id);
  // BPF_F_RDONLY / BPF_F_WRONLY may be passed as file_flags.
  static Result<Program> load_pinned(const std::string& path, std::uint32_t file_flags = 0);
  // The next program id after `id` (errc::not_found at the end).
  static Result<std::uint32_t> next_id(std::uint32_t id);

  // BPF_PROG_TEST_RUN. EINTR is retried (and treated as success for a single run, as older kernels report it
  // after running once); ENOTSUPP becomes errc::not_supported.
  Result<RunResult> run(const RunOptions& options) const;
  // Runs `repeat` times and returns the kernel's time per run.
  Result<std::chrono::nanoseconds> benchmark(std::span<const std::byte> data, std::uint32_t repeat) const;

  Result<ProgramInfo> info() const;
  Result<void> pin(const std::string& path);
  Result<void> unpin();
  Result<Program> clone() const;
  // Keeps map_fd alive as long as the program (BPF_PROG_BIND_MAP).
  Result<void> bind_map(int map_fd) const;

  // Attaches the program where its section name says (as libbpf's bpf_program__attach), e.g.
  // "tracepoint/syscalls/sys_enter_getpid", "raw_tp/sched_switch", "fentry/do_unlinkat", "iter/task",
  // "uprobe//usr/lib/libc.so.6:malloc". `target` supplies what the section cannot name (a uprobe's
  // "path:symbol" or "path:0xoffset", an XDP interface, a cgroup path) or overrides the section's attach
  // point. Defined in src/link/ (include ebpf/link/link.hpp to use the result). errc::invalid_argument when
  // the program's attach point is unknown (a program not loaded from a spec) or needs a target.
  [[nodiscard]] Result<Link> attach(std::string_view target = {}) const;

  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  [[nodiscard]] bool valid() const noexcept { return fd_.valid(); }
  [[nodiscard]] ProgramType type() const noexcept { return type_; }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const std::string& pinned_path() const noexcept { return pinned_path_; }
  // From the spec the program was loaded from (empty / unspec otherwise): its section, its expected attach type
  // and its attach point (ProgramSpec::attach_to).
  [[nodiscard]] const std::string& section_name() const noexcept { return section_name_; }
  [[nodiscard]] AttachType attach_type() const noexcept { return attach_type_; }
  [[nodiscard]] const std::string& attach_to() const noexcept { return attach_to_; }
  // The verifier log of a load that asked for one (ProgramOptions::log_level != 0).
  [[nodiscard]] const std::string& verifier_log() const noexcept { return verifier_log_; }
  // Gives up the fd (e.g. to hand it to code outside ebpfpp).
  [[nodiscard]] sys::Fd release() noexcept { return std::move(fd_); }

 private:
  friend class detail::ProgramLoad;
  Program(sys::Fd fd, std::string name, ProgramType type) : fd_(std::move(fd)), name_(std::move(name)), type_(type) {}

  sys::Fd fd_;
  std::string name_;
  ProgramType type_ = ProgramType::unspec;
  std::string pinned_path_;
  std::string verifier_log_;
  std::string section_name_;
  std::string attach_to_;
  AttachType attach_type_ = AttachType::unspec;
};

}  // namespace ebpf
