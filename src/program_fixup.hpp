// Turning a ProgramSpec into a LoadRequest: resolving what the ELF loader left symbolic (map references, data
// sections, .kconfig values, .ksyms, kfuncs) and building func/line info for the program's BTF.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ebpf/btf/btf.hpp"
#include "ebpf/btf/core.hpp"
#include "ebpf/btf/handle.hpp"
#include "ebpf/collection_spec.hpp"
#include "ebpf/error.hpp"
#include "ebpf/kernel/kconfig.hpp"
#include "ebpf/program.hpp"
#include "ebpf/sys/fd.hpp"

namespace ebpf::detail {

// Where .kconfig externs live: the fd of the (frozen) .kconfig map and each extern's offset in its value.
struct KconfigMap {
  int fd = -1;
  std::map<std::string, std::uint32_t, std::less<>> offsets;
};

// The object's BTF loaded into the kernel once, shared by every program of a collection, with the string
// offsets line info needs.
struct ProgramBtf {
  btf::Handle handle;
  // The object's string table, kept as is in the loaded BTF (see btf::Builder::verbatim_strings): line texts
  // viewing it need no lookup, their offset is their position in it. Empty if the strings were re-added.
  std::string_view verbatim_strings;
  // Other file names and source lines -> string offsets. The views point into the ProgramSpecs' instruction
  // metadata, which outlive the load.
  std::unordered_map<std::string_view, std::uint32_t> strings;

  // Returned by the lookups below for a string that is not in the table.
  static constexpr std::uint32_t kNoOffset = 0xffffffffu;

  // Offset of `s` in the loaded BTF's strings; kNoOffset if it was not added. (A plain integer: the line-info
  // loop calls this twice per record.)
  [[nodiscard]] std::uint32_t string_offset(std::string_view s) const noexcept {
    if (const std::uint32_t off = verbatim_offset(verbatim_strings, s); off != kNoOffset) return off;
    auto it = strings.find(s);
    return it == strings.end() ? kNoOffset : it->second;
  }
  // Position of `s` in `table` if `s` views a NUL-terminated string inside it; kNoOffset otherwise.
  static std::uint32_t verbatim_offset(std::string_view table, std::string_view s) noexcept {
    const auto p = reinterpret_cast<std::uintptr_t>(s.data());
    const auto begin = reinterpret_cast<std::uintptr_t>(table.data());
    if (p - begin >= table.size()) return kNoOffset;  // also below the table (unsigned wrap) or an empty table
    const std::size_t off = p - begin;
    if (s.size() >= table.size() - off || table[off + s.size()] != '\0') return kNoOffset;
    return static_cast<std::uint32_t>(off);
  }
};

// Loads spec.btf (sanitised for the running kernel) with the strings line info of `programs` needs.
// Returns an empty ProgramBtf (invalid handle) when the spec has no BTF or the kernel has no BTF support.
Result<ProgramBtf> load_program_btf(const CollectionSpec& spec, const std::vector<const ProgramSpec*>& programs);
// The BTF load_program_btf gives the kernel when the object's own blob needs no sanitising (empty DATASECs laid
// out); nullopt when it goes through btf::Builder instead. Exposed for tests.
std::optional<std::vector<std::byte>> kernel_ready_btf(const btf::Spec& spec,
                                                       const std::vector<const ProgramSpec*>& programs);
Result<ProgramBtf> load_program_btf(const ProgramSpec& program);

// Builds the .kconfig map's value from the running kernel (LINUX_KERNEL_VERSION, LINUX_HAS_SYSCALL_WRAPPER,
// CONFIG_*) laid out by the extern types in `btf`. `offsets` receives each extern's position.
Result<std::vector<std::byte>> kconfig_value(const CollectionSpec& spec,
                                             std::map<std::string, std::uint32_t, std::less<>>& offsets);
// The same from the config `cfg` (null: no config file, so only weak CONFIG_ externs succeed). Exposed for tests.
Result<std::vector<std::byte>> kconfig_value(const CollectionSpec& spec,
                                             std::map<std::string, std::uint32_t, std::less<>>& offsets,
                                             const kernel::KernelConfig* cfg);

struct FixupContext {
  // fd of the map named `name` (a map or data-section map); errc::not_found if there is none.
  std::function<Result<int>(std::string_view name)> map_fd;
  const KconfigMap* kconfig = nullptr;
  const ProgramBtf* btf = nullptr;
  const std::vector<ExternSpec>* externs = nullptr;
  const btf::Spec* object_btf = nullptr;
  // The BPF program an ext (freplace) or tracing program attaches to; null: attach to the kernel.
  const Program* attach_target = nullptr;
  // Target BTF for CO-RE relocations instead of the running kernel's (ProgramOptions::kernel_types).
  const btf::Spec* core_target = nullptr;
  // ProgramOptions::kernel_module_types, or null.
  const std::map<std::string, std::shared_ptr<const btf::Spec>, std::less<>>* core_module_targets = nullptr;
};

// Everything a fixed-up program needs to stay valid until BPF_PROG_LOAD returns.
struct PreparedProgram {
  PreparedProgram() = default;
  PreparedProgram(PreparedProgram&&) noexcept = default;
  PreparedProgram& operator=(PreparedProgram&&) noexcept = default;
  PreparedProgram(const PreparedProgram&) = delete;
  PreparedProgram& operator=(const PreparedProgram&) = delete;

  // Where the encoded instructions and the func_info / line_info records are in the buffer prepare_program
  // appended them to.
  std::size_t code_at = 0, code_size = 0;
  std::size_t func_info_at = 0, func_info_size = 0;
  std::size_t line_info_at = 0, line_info_size = 0;
  // Points the request's spans at `buffer` again (after later appends moved its storage).
  void rebind(const std::vector<std::byte>& buffer) noexcept {
    request.instructions = std::span<const std::byte>(buffer.data() + code_at, code_size);
    if (!request.func_info.empty()) request.func_info = std::span<const std::byte>(buffer.data() + func_info_at, func_info_size);
    if (!request.line_info.empty()) request.line_info = std::span<const std::byte>(buffer.data() + line_info_at, line_info_size);
  }
  std::vector<int> fd_array;
  std::vector<sys::Fd> module_btf_fds;  // kfuncs in modules: their BTF objects
  std::vector<PoisonedRelocation> poisoned_relocations;  // CO-RE relocations that could not be satisfied
  LoadRequest request;
};

// CO-RE: relocates the instructions of `spec` carrying CO-RE records (src/core_fixup.cpp).
Result<void> apply_core_relocations(const ProgramSpec& spec, const FixupContext& ctx, insn::Instructions& insns,
                                    PreparedProgram& out);

// The BTF CO-RE relocations of `spec` resolve against: kernel_types (or the running kernel's vmlinux), plus the
// BTF of the module a tracing/LSM program attaches to (from module_types first, else the running kernel's).
Result<btf::CoreTargets> core_targets(
    const ProgramSpec& spec, const btf::Spec* kernel_types,
    const std::map<std::string, std::shared_ptr<const btf::Spec>, std::less<>>* module_types);

// The encoded instructions, then the func_info and line_info records, are appended to `buffer`; the request's
// spans view it, so it must outlive the load (and rebind() them if later appends move it). The kernel copies them:
// a loader reuses one buffer, or prepares many programs into one before loading them.
Result<PreparedProgram> prepare_program(const ProgramSpec& spec, const FixupContext& ctx, std::vector<std::byte>& buffer);

}  // namespace ebpf::detail
