// eBPF registers r0..r10.
#pragma once

#include <cstdint>

namespace ebpf::insn {

// r0: return value, r1-r5: arguments (clobbered by calls), r6-r9: callee saved, r10: read-only frame
// pointer. The register fields of an encoded instruction are four bits wide; decoding keeps whatever
// value is there (11..15 are invalid for the kernel but representable, so that a round trip is exact).
// The src field of lddw and call carries a pseudo source (PseudoSource, CallSource) instead.
enum class Register : std::uint8_t { r0 = 0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10 };

inline constexpr Register R0 = Register::r0;
inline constexpr Register R1 = Register::r1;
inline constexpr Register R2 = Register::r2;
inline constexpr Register R3 = Register::r3;
inline constexpr Register R4 = Register::r4;
inline constexpr Register R5 = Register::r5;
inline constexpr Register R6 = Register::r6;
inline constexpr Register R7 = Register::r7;
inline constexpr Register R8 = Register::r8;
inline constexpr Register R9 = Register::r9;
inline constexpr Register R10 = Register::r10;
// The frame pointer.
inline constexpr Register RFP = Register::r10;

[[nodiscard]] constexpr std::uint8_t index(Register r) noexcept { return static_cast<std::uint8_t>(r); }
[[nodiscard]] constexpr Register reg(std::uint8_t n) noexcept { return static_cast<Register>(n); }

}  // namespace ebpf::insn
