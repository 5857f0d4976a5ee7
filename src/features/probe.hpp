// Internals shared by the probes: tiny programs, the load call with a verifier log, and the cache.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <mutex>
#include <span>
#include <string_view>

#include "ebpf/features/features.hpp"
#include "ebpf/sys/bpf.hpp"

namespace ebpf::features::detail {

inline constexpr int kENOTSUPP = 524;  // the kernel's internal "not supported" that leaks to user space

// One raw instruction as the kernel reads it (host byte order).
struct RawInsn {
  std::uint8_t code = 0;
  std::uint8_t regs = 0;
  std::int16_t off = 0;
  std::int32_t imm = 0;
};
static_assert(sizeof(RawInsn) == 8);

constexpr RawInsn make_insn(std::uint8_t code, std::uint8_t dst, std::uint8_t src, std::int16_t off, std::int32_t imm) {
  // The register nibbles are a bitfield: dst is the low nibble on little-endian hosts, the high one on big-endian.
  const std::uint8_t regs = std::endian::native == std::endian::little
                                ? static_cast<std::uint8_t>((dst & 0xf) | ((src & 0xf) << 4))
                                : static_cast<std::uint8_t>(((dst & 0xf) << 4) | (src & 0xf));
  return RawInsn{code, regs, off, imm};
}
constexpr RawInsn mov64_imm(std::uint8_t dst, std::int32_t imm) { return make_insn(0xb7, dst, 0, 0, imm); }
constexpr RawInsn exit_insn() { return make_insn(0x95, 0, 0, 0, 0); }
// src 0: helper; 1: BPF-to-BPF call (imm = relative target); 2: kfunc (imm = BTF id).
constexpr RawInsn call_insn(std::uint8_t src, std::int32_t imm) { return make_insn(0x85, 0, src, 0, imm); }

// What a probe load needs besides the instructions.
struct LoadSpec {
  ProgramType type = ProgramType::socket_filter;
  std::uint32_t expected_attach_type = 0;
  std::uint32_t attach_btf_id = 0;
  std::uint32_t prog_flags = 0;
  std::uint32_t kern_version = 0;
};

// The attributes that make "r0 = 0; exit" loadable for a program type (expected attach types, kernel version,
// attach BTF ids for the types that need a target).
LoadSpec load_spec_for(ProgramType type);

// Outcome of one BPF_PROG_LOAD: the errno (0 on success) and the verifier log the kernel wrote.
struct LoadOutcome {
  int err = 0;
  std::string_view log;
  std::uint32_t log_true_size = 0;
};

// Loads `insns` (closing the program at once) with a verifier log in `log_buf` when it is not empty.
LoadOutcome try_load(const LoadSpec& spec, std::span<const RawInsn> insns, std::span<char> log_buf,
                     sys::ProgLoadAttr* extra = nullptr);

// Creates a map from `attr`, closing it at once; returns 0 or the errno.
int try_create_map(sys::MapCreateAttr attr);

// A BTF blob with `int` as type 1, loaded (for maps that need BTF key/value types). Invalid Fd and the errno
// on failure.
sys::Fd load_int_btf(int* err);

// Whether the process holds CAP_SYS_ADMIN (which bpf() accepts for every capability it asks for) in its
// effective set.
bool has_all_bpf_capabilities();
// Whether it holds CAP_BPF or CAP_SYS_ADMIN.
bool has_bpf_capability();

// Answers.
inline Support yes() { return true; }
inline Support no() { return false; }
Support cannot_tell(int err, std::string_view what);

// The cached state of one question: 0 not asked (or could not tell), 1 yes, 2 no.
class Answer {
 public:
  [[nodiscard]] bool known() const noexcept { return state_.load(std::memory_order_acquire) != 0; }
  [[nodiscard]] bool value() const noexcept { return state_.load(std::memory_order_acquire) == 1; }
  void store(bool v) noexcept { state_.store(v ? 1 : 2, std::memory_order_release); }

 private:
  std::atomic<std::uint8_t> state_{0};
};

// Answers found while a fault hook is installed may be injected failures: they are not cached.
inline bool cacheable() noexcept { return sys::detail::g_fault_hook == nullptr; }

// Cached(answer, mutex, probe): the cached answer if there is one, otherwise run `probe` once under `mutex`
// (callers asking the same question meanwhile wait for it) and cache a definite result.
template <class Probe>
Support cached(Answer& answer, std::mutex& mutex, Probe&& probe) {
  if (answer.known()) return answer.value();
  std::lock_guard lock(mutex);
  if (answer.known()) return answer.value();
  Support r = probe();
  if (r && cacheable()) answer.store(*r);
  return r;
}

}  // namespace ebpf::features::detail
