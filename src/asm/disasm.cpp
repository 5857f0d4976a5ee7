#include "ebpf/asm/disasm.hpp"

#include <charconv>
#include <cstdio>

namespace ebpf::insn {

namespace {

void num(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void unum(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void regname(std::string& out, char prefix, Register r) {
  out += prefix;
  num(out, static_cast<int>(index(r)));
}

// "+3", "-2", "+0"
void target(std::string& out, std::int64_t off) {
  if (off >= 0) out += '+';
  num(out, off);
}

const char* size_name(Size s, bool is_signed = false) {
  switch (s) {
    case Size::w: return is_signed ? "s32" : "u32";
    case Size::h: return is_signed ? "s16" : "u16";
    case Size::b: return is_signed ? "s8" : "u8";
    case Size::dw: return is_signed ? "s64" : "u64";
  }
  return "?";
}

// "r2 + 4", "r10 - 8"
void address(std::string& out, Register base, std::int16_t off) {
  regname(out, 'r', base);
  if (off >= 0) {
    out += " + ";
    num(out, off);
  } else {
    out += " - ";
    num(out, -static_cast<std::int32_t>(off));
  }
}

// "(r2 + 4)", "(r10 - 8)"
void mem(std::string& out, Register base, std::int16_t off) {
  out += '(';
  address(out, base, off);
  out += ')';
}

// "*(u32 *)(r2 + 4)"
void deref(std::string& out, Size s, Register base, std::int16_t off, bool is_signed = false) {
  out += "*(";
  out += size_name(s, is_signed);
  out += " *)";
  mem(out, base, off);
}

const char* alu_operator(AluOp op, std::int16_t off) {
  switch (op) {
    case AluOp::add: return "+=";
    case AluOp::sub: return "-=";
    case AluOp::mul: return "*=";
    case AluOp::div: return off == 1 ? "s/=" : "/=";
    case AluOp::bit_or: return "|=";
    case AluOp::bit_and: return "&=";
    case AluOp::lsh: return "<<=";
    case AluOp::rsh: return ">>=";
    case AluOp::mod: return off == 1 ? "s%=" : "%=";
    case AluOp::bit_xor: return "^=";
    case AluOp::mov: return "=";
    case AluOp::arsh: return "s>>=";
    case AluOp::neg:
    case AluOp::end: break;
  }
  return "?";
}

const char* jump_operator(JumpOp op) {
  switch (op) {
    case JumpOp::jeq: return "==";
    case JumpOp::jgt: return ">";
    case JumpOp::jge: return ">=";
    case JumpOp::jset: return "&";
    case JumpOp::jne: return "!=";
    case JumpOp::jsgt: return "s>";
    case JumpOp::jsge: return "s>=";
    case JumpOp::jlt: return "<";
    case JumpOp::jle: return "<=";
    case JumpOp::jslt: return "s<";
    case JumpOp::jsle: return "s<=";
    default: break;
  }
  return "?";
}

void alu(std::string& out, const Instruction& ins) {
  const OpCode op = ins.opcode;
  const char r = op.cls() == Class::alu64 ? 'r' : 'w';
  const auto imm = static_cast<std::int32_t>(ins.constant);
  switch (op.alu_op()) {
    case AluOp::neg:
      regname(out, r, ins.dst);
      out += " = -";
      regname(out, r, ins.dst);
      return;
    case AluOp::end: {
      // The operand is always shown as a 64-bit register, as LLVM does.
      regname(out, 'r', ins.dst);
      out += " = ";
      out += op.cls() == Class::alu64 ? "bswap" : (op.source() == Source::x ? "be" : "le");
      num(out, imm);
      out += ' ';
      regname(out, 'r', ins.dst);
      return;
    }
    case AluOp::mov:
      if (op.source() == Source::x && (ins.offset == 8 || ins.offset == 16 || ins.offset == 32)) {
        regname(out, r, ins.dst);
        out += " = (s";
        num(out, ins.offset);
        out += ')';
        regname(out, r, ins.src);
        return;
      }
      break;
    default:
      break;
  }
  regname(out, r, ins.dst);
  out += ' ';
  out += alu_operator(op.alu_op(), ins.offset);
  out += ' ';
  if (op.source() == Source::x)
    regname(out, r, ins.src);
  else
    num(out, imm);
}

void jump(std::string& out, const Instruction& ins) {
  const OpCode op = ins.opcode;
  const bool is32 = op.cls() == Class::jmp32;
  const auto imm = static_cast<std::int32_t>(ins.constant);
  switch (op.jump_op()) {
    case JumpOp::ja:
      if (is32) {
        out += "gotol ";
        target(out, imm);
      } else {
        out += "goto ";
        target(out, ins.offset);
      }
      return;
    case JumpOp::call:
      if (op.source() == Source::x) {
        out += "callx ";
        regname(out, 'r', ins.dst);
      } else {
        out += "call ";
        num(out, imm);
      }
      return;
    case JumpOp::exit:
      out += "exit";
      return;
    default:
      break;
  }
  const char r = is32 ? 'w' : 'r';
  out += "if ";
  regname(out, r, ins.dst);
  out += ' ';
  out += jump_operator(op.jump_op());
  out += ' ';
  if (op.source() == Source::x)
    regname(out, r, ins.src);
  else
    num(out, imm);
  out += " goto ";
  target(out, ins.offset);
}

void atomic(std::string& out, const Instruction& ins) {
  const Size size = ins.opcode.size();
  const bool is64 = size == Size::dw;
  const auto op = static_cast<AtomicOp>(static_cast<std::uint32_t>(ins.constant));
  // 32-bit operations other than a plain add print their operands as w registers (LLVM's alu32 forms).
  const char r = is64 || op == AtomicOp::add ? 'r' : 'w';
  const char* sym = nullptr;
  const char* name = nullptr;
  switch (op) {
    case AtomicOp::add: sym = "+="; break;
    case AtomicOp::bit_or: sym = "|="; break;
    case AtomicOp::bit_and: sym = "&="; break;
    case AtomicOp::bit_xor: sym = "^="; break;
    case AtomicOp::fetch_add: name = "add"; break;
    case AtomicOp::fetch_or: name = "or"; break;
    case AtomicOp::fetch_and: name = "and"; break;
    case AtomicOp::fetch_xor: name = "xor"; break;
    case AtomicOp::xchg:
      regname(out, r, ins.src);
      out += is64 ? " = xchg_64(" : " = xchg32_32(";
      address(out, ins.dst, ins.offset);
      out += ", ";
      regname(out, r, ins.src);
      out += ')';
      return;
    case AtomicOp::cmpxchg:
      out += is64 ? "r0 = cmpxchg_64(" : "w0 = cmpxchg32_32(";
      address(out, ins.dst, ins.offset);
      out += is64 ? ", r0, " : ", w0, ";
      regname(out, r, ins.src);
      out += ')';
      return;
    case AtomicOp::load_acquire:
      regname(out, is64 ? 'r' : 'w', ins.src);
      out += " = load_acquire((";
      out += size_name(size);
      out += " *)";
      mem(out, ins.dst, ins.offset);
      out += ')';
      return;
    case AtomicOp::store_release:
      out += "store_release((";
      out += size_name(size);
      out += " *)";
      mem(out, ins.dst, ins.offset);
      out += ", ";
      regname(out, is64 ? 'r' : 'w', ins.src);
      out += ')';
      return;
  }
  if (sym != nullptr) {
    out += "lock ";
    deref(out, size, ins.dst, ins.offset);
    out += ' ';
    out += sym;
    out += ' ';
    regname(out, r, ins.src);
    return;
  }
  if (name != nullptr) {
    regname(out, r, ins.src);
    out += " = atomic_fetch_";
    out += name;
    out += "((";
    out += size_name(size);
    out += " *)";
    mem(out, ins.dst, ins.offset);
    out += ", ";
    regname(out, r, ins.src);
    out += ')';
    return;
  }
  out += "<unknown atomic>";
}

void load_imm64(std::string& out, const Instruction& ins) {
  if (ins.src_raw() == 0) {
    regname(out, 'r', ins.dst);
    out += " = ";
    unum(out, static_cast<std::uint64_t>(ins.constant));
    out += " ll";
    return;
  }
  // LLVM's form for pseudo sources: the source and the low 32 bits of the constant.
  out += "ld_pseudo ";
  regname(out, 'r', ins.dst);
  out += ", ";
  num(out, ins.src_raw());
  out += ", ";
  unum(out, static_cast<std::uint32_t>(ins.constant));
}

}  // namespace

void append_to(std::string& out, const Instruction& ins) {
  const OpCode op = ins.opcode;
  switch (op.cls()) {
    case Class::alu:
    case Class::alu64:
      alu(out, ins);
      return;
    case Class::jmp:
    case Class::jmp32:
      jump(out, ins);
      return;
    case Class::ld:
      if (op.is_load_imm64()) {
        load_imm64(out, ins);
        return;
      }
      out += "r0 = *(";
      out += size_name(op.size());
      out += " *)skb[";
      if (op.mode() == Mode::ind) {
        regname(out, 'r', ins.src);
        if (ins.constant != 0) {
          out += ins.constant > 0 ? " + " : " - ";
          num(out, ins.constant > 0 ? ins.constant : -ins.constant);
        }
      } else {
        num(out, static_cast<std::int32_t>(ins.constant));
      }
      out += ']';
      return;
    case Class::ldx:
      regname(out, 'r', ins.dst);
      out += " = ";
      deref(out, op.size(), ins.src, ins.offset, op.mode() == Mode::memsx);
      return;
    case Class::st:
      deref(out, op.size(), ins.dst, ins.offset);
      out += " = ";
      num(out, static_cast<std::int32_t>(ins.constant));
      return;
    case Class::stx:
      if (op.mode() == Mode::atomic) {
        atomic(out, ins);
        return;
      }
      deref(out, op.size(), ins.dst, ins.offset);
      out += " = ";
      regname(out, 'r', ins.src);
      return;
  }
}

std::string to_string(const Instruction& ins) {
  std::string out;
  append_to(out, ins);
  return out;
}

std::string listing(const Instructions& insns) {
  std::string out;
  for (auto [index, slot, ins] : insns.positioned()) {
    (void)index;
    if (!ins.symbol().empty()) {
      out += ins.symbol();
      out += ":\n";
    }
    if (const SourceLine* src = ins.metadata.source()) {
      out += "\t; ";
      out += src->line;
      if (!src->file_name.empty()) {
        out += " [";
        out += src->file_name;
        out += ':';
        num(out, src->line_number);
        out += ':';
        num(out, src->column);
        out += ']';
      }
      out += '\n';
    }
    char pos[24];
    std::snprintf(pos, sizeof pos, "%8zu:\t", slot);
    out += pos;
    append_to(out, ins);
    if (!ins.reference().empty()) {
      out += "\t; ";
      out += ins.reference();
    }
    out += '\n';
  }
  return out;
}

}  // namespace ebpf::insn
