// Builders for writing programs by hand:
//
//   insn::Instructions prog{
//       insn::load_map_ptr(R1, "counts"),
//       insn::mov(R2, R10),
//       insn::alu64(AluOp::add, R2, -4),
//       insn::call(HelperId::map_lookup_elem),
//       insn::jump(JumpOp::jeq, R0, 0, "out"),
//       insn::mov(R0, 1),
//       insn::exit().with_symbol("out"),
//   };
//   prog.resolve_jumps();
//
// Jumps and calls to a label carry the label as reference metadata and a placeholder offset (-1) until
// Instructions::resolve_jumps() points them at the instruction whose symbol is the label.
#pragma once

#include <cstdint>
#include <string>

#include "ebpf/asm/helpers.hpp"
#include "ebpf/asm/instruction.hpp"

namespace ebpf::insn {

namespace detail {
inline Instruction make(std::uint8_t op, Register dst, Register src, std::int16_t off, std::int64_t imm) {
  Instruction i;
  i.opcode = OpCode(op);
  i.dst = dst;
  i.src = src;
  i.offset = off;
  i.constant = imm;
  return i;
}
inline std::uint8_t bits(Class c) { return static_cast<std::uint8_t>(c); }
inline std::uint8_t bits(AluOp o) { return static_cast<std::uint8_t>(o); }
inline std::uint8_t bits(JumpOp o) { return static_cast<std::uint8_t>(o); }
inline std::uint8_t bits(Size s) { return static_cast<std::uint8_t>(s); }
inline std::uint8_t bits(Mode m) { return static_cast<std::uint8_t>(m); }
inline constexpr std::uint8_t kX = 0x08;
}  // namespace detail

// ---- Arithmetic. ----

// dst op= imm (64-bit).
inline Instruction alu64(AluOp op, Register dst, std::int32_t imm) {
  return detail::make(detail::bits(Class::alu64) | detail::bits(op), dst, R0, 0, imm);
}
// dst op= src (64-bit).
inline Instruction alu64(AluOp op, Register dst, Register src) {
  return detail::make(detail::bits(Class::alu64) | detail::bits(op) | detail::kX, dst, src, 0, 0);
}
// wdst op= imm (32-bit, upper half zeroed).
inline Instruction alu32(AluOp op, Register dst, std::int32_t imm) {
  return detail::make(detail::bits(Class::alu) | detail::bits(op), dst, R0, 0, imm);
}
// wdst op= wsrc.
inline Instruction alu32(AluOp op, Register dst, Register src) {
  return detail::make(detail::bits(Class::alu) | detail::bits(op) | detail::kX, dst, src, 0, 0);
}
// Signed division / modulo (sdiv, smod: div/mod with offset 1). Requires at least Linux 6.6 (cpu v4).
inline Instruction sdiv64(Register dst, Register src) { auto i = alu64(AluOp::div, dst, src); i.offset = 1; return i; }
inline Instruction sdiv64(Register dst, std::int32_t imm) { auto i = alu64(AluOp::div, dst, imm); i.offset = 1; return i; }
inline Instruction smod64(Register dst, Register src) { auto i = alu64(AluOp::mod, dst, src); i.offset = 1; return i; }
inline Instruction smod64(Register dst, std::int32_t imm) { auto i = alu64(AluOp::mod, dst, imm); i.offset = 1; return i; }
inline Instruction sdiv32(Register dst, Register src) { auto i = alu32(AluOp::div, dst, src); i.offset = 1; return i; }
inline Instruction smod32(Register dst, Register src) { auto i = alu32(AluOp::mod, dst, src); i.offset = 1; return i; }

// dst = imm (64-bit, imm sign-extended).
inline Instruction mov(Register dst, std::int32_t imm) { return alu64(AluOp::mov, dst, imm); }
// dst = src (64-bit).
inline Instruction mov(Register dst, Register src) { return alu64(AluOp::mov, dst, src); }
inline Instruction mov64_imm(Register dst, std::int32_t imm) { return alu64(AluOp::mov, dst, imm); }
inline Instruction mov64_reg(Register dst, Register src) { return alu64(AluOp::mov, dst, src); }
inline Instruction mov32_imm(Register dst, std::int32_t imm) { return alu32(AluOp::mov, dst, imm); }
inline Instruction mov32_reg(Register dst, Register src) { return alu32(AluOp::mov, dst, src); }
// dst = (s8/s16/s32) src: sign-extending move, bits 8, 16 or 32 (movsx). Requires at least Linux 6.6.
inline Instruction movsx64(Register dst, Register src, std::int16_t bits) {
  auto i = alu64(AluOp::mov, dst, src);
  i.offset = bits;
  return i;
}
inline Instruction movsx32(Register dst, Register src, std::int16_t bits) {
  auto i = alu32(AluOp::mov, dst, src);
  i.offset = bits;
  return i;
}
inline Instruction neg64(Register dst) { return alu64(AluOp::neg, dst, 0); }
inline Instruction neg32(Register dst) { return alu32(AluOp::neg, dst, 0); }
// dst = htole/htobe(dst) truncated to bits (16, 32, 64).
inline Instruction to_le(Register dst, std::int32_t bits) {
  return detail::make(detail::bits(Class::alu) | detail::bits(AluOp::end), dst, R0, 0, bits);
}
inline Instruction to_be(Register dst, std::int32_t bits) {
  return detail::make(detail::bits(Class::alu) | detail::bits(AluOp::end) | detail::kX, dst, R0, 0, bits);
}
// Unconditional byte swap (ALU64|END). Requires at least Linux 6.6.
inline Instruction bswap(Register dst, std::int32_t bits) {
  return detail::make(detail::bits(Class::alu64) | detail::bits(AluOp::end), dst, R0, 0, bits);
}

// ---- Jumps. ----

// if dst op imm goto offset (64-bit compare).
inline Instruction jump(JumpOp op, Register dst, std::int32_t imm, std::int16_t offset) {
  return detail::make(detail::bits(Class::jmp) | detail::bits(op), dst, R0, offset, imm);
}
inline Instruction jump(JumpOp op, Register dst, Register src, std::int16_t offset) {
  return detail::make(detail::bits(Class::jmp) | detail::bits(op) | detail::kX, dst, src, offset, 0);
}
// if dst op imm goto label.
inline Instruction jump(JumpOp op, Register dst, std::int32_t imm, std::string label) {
  return jump(op, dst, imm, std::int16_t{-1}).with_reference(std::move(label));
}
inline Instruction jump(JumpOp op, Register dst, Register src, std::string label) {
  return jump(op, dst, src, std::int16_t{-1}).with_reference(std::move(label));
}
// 32-bit compares (JMP32). Requires at least Linux 5.1.
inline Instruction jump32(JumpOp op, Register dst, std::int32_t imm, std::int16_t offset) {
  return detail::make(detail::bits(Class::jmp32) | detail::bits(op), dst, R0, offset, imm);
}
inline Instruction jump32(JumpOp op, Register dst, Register src, std::int16_t offset) {
  return detail::make(detail::bits(Class::jmp32) | detail::bits(op) | detail::kX, dst, src, offset, 0);
}
inline Instruction jump32(JumpOp op, Register dst, std::int32_t imm, std::string label) {
  return jump32(op, dst, imm, std::int16_t{-1}).with_reference(std::move(label));
}
inline Instruction jump32(JumpOp op, Register dst, Register src, std::string label) {
  return jump32(op, dst, src, std::int16_t{-1}).with_reference(std::move(label));
}
// goto offset / goto label.
inline Instruction ja(std::int16_t offset) { return detail::make(detail::bits(Class::jmp), R0, R0, offset, 0); }
inline Instruction ja(std::string label) { return ja(std::int16_t{-1}).with_reference(std::move(label)); }
// gotol: goto with a 32-bit offset in the immediate (JMP32|JA). Requires at least Linux 6.6.
inline Instruction gotol(std::int32_t offset) { return detail::make(detail::bits(Class::jmp32), R0, R0, 0, offset); }
inline Instruction gotol(std::string label) { return gotol(-1).with_reference(std::move(label)); }

// call helper.
inline Instruction call(HelperId helper) {
  return detail::make(0x85, R0, reg(static_cast<std::uint8_t>(CallSource::helper)), 0, static_cast<std::int32_t>(helper));
}
inline Instruction call_helper(std::int32_t helper_id) { return detail::make(0x85, R0, R0, 0, helper_id); }
// bpf-to-bpf call of the function whose symbol is `function` (resolved by resolve_jumps()). Requires
// at least Linux 4.16.
inline Instruction call_function(std::string function) {
  return detail::make(0x85, R0, reg(static_cast<std::uint8_t>(CallSource::pseudo)), 0, -1)
      .with_reference(std::move(function));
}
// bpf-to-bpf call with a known relative offset.
inline Instruction call_relative(std::int32_t offset) {
  return detail::make(0x85, R0, reg(static_cast<std::uint8_t>(CallSource::pseudo)), 0, offset);
}
// Call of a kernel function by BTF id (btf_fd_index: index into fd_array for module BTF, 0 for vmlinux).
inline Instruction call_kfunc(std::int32_t btf_id, std::int16_t btf_fd_index = 0) {
  return detail::make(0x85, R0, reg(static_cast<std::uint8_t>(CallSource::kfunc)), btf_fd_index, btf_id);
}
inline Instruction exit() { return detail::make(0x95, R0, R0, 0, 0); }

// ---- 64-bit immediates. ----

inline Instruction load_imm64(Register dst, std::int64_t value) {
  return detail::make(kLoadImm64.raw(), dst, R0, 0, value);
}
inline Instruction load_imm64(Register dst, PseudoSource src, std::int64_t value) {
  return detail::make(kLoadImm64.raw(), dst, reg(static_cast<std::uint8_t>(src)), 0, value);
}
// dst = pointer to map `name`; `fd` is patched in when the map exists.
inline Instruction load_map_ptr(Register dst, std::string name, std::int32_t fd = 0) {
  return load_imm64(dst, PseudoSource::map_fd, static_cast<std::uint32_t>(fd)).with_reference(std::move(name));
}
// dst = address of `offset` into the value of array map `name`.
inline Instruction load_map_value(Register dst, std::string name, std::int32_t fd, std::uint32_t offset) {
  auto v = static_cast<std::int64_t>(static_cast<std::uint64_t>(offset) << 32 | static_cast<std::uint32_t>(fd));
  return load_imm64(dst, PseudoSource::map_value, v).with_reference(std::move(name));
}
// dst = address of function `name` (a callback), resolved by resolve_jumps().
inline Instruction load_func_ptr(Register dst, std::string name) {
  return load_imm64(dst, PseudoSource::func, 0xffffffff).with_reference(std::move(name));
}

// ---- Memory. ----

// dst = *(size *)(src + offset).
inline Instruction ld_mem(Size size, Register dst, Register src, std::int16_t offset) {
  return detail::make(detail::bits(Class::ldx) | detail::bits(Mode::mem) | detail::bits(size), dst, src, offset, 0);
}
// dst = *(s8/s16/s32 *)(src + offset), sign-extended. Requires at least Linux 6.6.
inline Instruction ldsx_mem(Size size, Register dst, Register src, std::int16_t offset) {
  return detail::make(detail::bits(Class::ldx) | detail::bits(Mode::memsx) | detail::bits(size), dst, src, offset, 0);
}
// *(size *)(dst + offset) = imm.
inline Instruction st_mem(Size size, Register dst, std::int16_t offset, std::int32_t imm) {
  return detail::make(detail::bits(Class::st) | detail::bits(Mode::mem) | detail::bits(size), dst, R0, offset, imm);
}
// *(size *)(dst + offset) = src.
inline Instruction stx_mem(Size size, Register dst, Register src, std::int16_t offset) {
  return detail::make(detail::bits(Class::stx) | detail::bits(Mode::mem) | detail::bits(size), dst, src, offset, 0);
}
inline Instruction stx(Size size, Register dst, Register src, std::int16_t offset) {
  return stx_mem(size, dst, src, offset);
}
// Atomic operation on *(size *)(dst + offset) with src (size w or dw; b/h/w/dw for load_acquire and
// store_release). add without fetch works everywhere; the others require at least Linux 5.12,
// load_acquire/store_release 6.15.
inline Instruction atomic(AtomicOp op, Size size, Register dst, Register src, std::int16_t offset) {
  return detail::make(detail::bits(Class::stx) | detail::bits(Mode::atomic) | detail::bits(size), dst, src, offset,
                      static_cast<std::int64_t>(op));
}
// Legacy packet loads: r0 = *(size *)skb[imm] / skb[src + imm].
inline Instruction ld_abs(Size size, std::int32_t imm) {
  return detail::make(detail::bits(Class::ld) | detail::bits(Mode::abs) | detail::bits(size), R0, R0, 0, imm);
}
inline Instruction ld_ind(Size size, Register src, std::int32_t imm) {
  return detail::make(detail::bits(Class::ld) | detail::bits(Mode::ind) | detail::bits(size), R0, src, 0, imm);
}

}  // namespace ebpf::insn
