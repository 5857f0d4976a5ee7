#include "ebpf/asm/opcode.hpp"

namespace ebpf::insn {

namespace {

bool known_alu(OpCode op) noexcept {
  const bool is64 = op.cls() == Class::alu64;
  switch (op.alu_op()) {
    case AluOp::neg:
      return op.source() == Source::k;
    case AluOp::end:
      // ALU: to-le (k) and to-be (x); ALU64: bswap (k) only.
      return !is64 || op.source() == Source::k;
    case AluOp::add: case AluOp::sub: case AluOp::mul: case AluOp::div: case AluOp::bit_or:
    case AluOp::bit_and: case AluOp::lsh: case AluOp::rsh: case AluOp::mod: case AluOp::bit_xor:
    case AluOp::mov: case AluOp::arsh:
      return true;
  }
  return false;  // 0xe0, 0xf0
}

bool known_jump(OpCode op) noexcept {
  const bool is32 = op.cls() == Class::jmp32;
  switch (op.jump_op()) {
    case JumpOp::ja:
      return op.source() == Source::k;  // JMP: goto, JMP32: gotol
    case JumpOp::call:
      // JMP|CALL|X is callx (register target), accepted for completeness.
      return !is32;
    case JumpOp::exit:
      return !is32 && op.source() == Source::k;
    case JumpOp::jeq: case JumpOp::jgt: case JumpOp::jge: case JumpOp::jset: case JumpOp::jne:
    case JumpOp::jsgt: case JumpOp::jsge: case JumpOp::jlt: case JumpOp::jle: case JumpOp::jslt:
    case JumpOp::jsle:
      return true;
  }
  return false;
}

}  // namespace

bool is_known(OpCode op) noexcept {
  switch (op.cls()) {
    case Class::alu:
    case Class::alu64:
      return known_alu(op);
    case Class::jmp:
    case Class::jmp32:
      return known_jump(op);
    case Class::ld:
      switch (op.mode()) {
        case Mode::imm: return op.size() == Size::dw;
        case Mode::abs:
        case Mode::ind: return op.size() != Size::dw;
        default: return false;
      }
    case Class::ldx:
      if (op.mode() == Mode::mem) return true;
      return op.mode() == Mode::memsx && op.size() != Size::dw;
    case Class::st:
      return op.mode() == Mode::mem;
    case Class::stx:
      return op.mode() == Mode::mem || op.mode() == Mode::atomic;
  }
  return false;
}

bool valid_atomic(Size size, std::uint32_t imm) noexcept {
  switch (static_cast<AtomicOp>(imm)) {
    case AtomicOp::add: case AtomicOp::bit_or: case AtomicOp::bit_and: case AtomicOp::bit_xor:
    case AtomicOp::fetch_add: case AtomicOp::fetch_or: case AtomicOp::fetch_and: case AtomicOp::fetch_xor:
    case AtomicOp::xchg: case AtomicOp::cmpxchg:
      return size == Size::w || size == Size::dw;
    case AtomicOp::load_acquire:
    case AtomicOp::store_release:
      return true;
  }
  return false;
}

std::string_view to_string(Class c) noexcept {
  switch (c) {
    case Class::ld: return "ld";
    case Class::ldx: return "ldx";
    case Class::st: return "st";
    case Class::stx: return "stx";
    case Class::alu: return "alu";
    case Class::jmp: return "jmp";
    case Class::jmp32: return "jmp32";
    case Class::alu64: return "alu64";
  }
  return "?";
}

std::string_view to_string(AluOp op) noexcept {
  switch (op) {
    case AluOp::add: return "add";
    case AluOp::sub: return "sub";
    case AluOp::mul: return "mul";
    case AluOp::div: return "div";
    case AluOp::bit_or: return "or";
    case AluOp::bit_and: return "and";
    case AluOp::lsh: return "lsh";
    case AluOp::rsh: return "rsh";
    case AluOp::neg: return "neg";
    case AluOp::mod: return "mod";
    case AluOp::bit_xor: return "xor";
    case AluOp::mov: return "mov";
    case AluOp::arsh: return "arsh";
    case AluOp::end: return "end";
  }
  return "?";
}

std::string_view to_string(JumpOp op) noexcept {
  switch (op) {
    case JumpOp::ja: return "ja";
    case JumpOp::jeq: return "jeq";
    case JumpOp::jgt: return "jgt";
    case JumpOp::jge: return "jge";
    case JumpOp::jset: return "jset";
    case JumpOp::jne: return "jne";
    case JumpOp::jsgt: return "jsgt";
    case JumpOp::jsge: return "jsge";
    case JumpOp::call: return "call";
    case JumpOp::exit: return "exit";
    case JumpOp::jlt: return "jlt";
    case JumpOp::jle: return "jle";
    case JumpOp::jslt: return "jslt";
    case JumpOp::jsle: return "jsle";
  }
  return "?";
}

}  // namespace ebpf::insn
