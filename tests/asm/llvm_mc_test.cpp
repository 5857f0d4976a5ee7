// The disassembly of every opcode (with clean operand fields) agrees with llvm-mc-14's disassembler,
// wherever llvm-mc-14 can decode the instruction.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "ebpf/asm/asm.hpp"
#include "test_objects.hpp"

using namespace ebpf::insn;

namespace {

// Operand sets whose fields are all meaningful for the opcode's class, so that llvm (which ignores some
// fields) and ebpfpp print the same thing.
std::vector<Instruction> cases_for(std::uint8_t op) {
  std::vector<Instruction> out;
  auto make = [&](std::uint8_t dst, std::uint8_t src, std::int16_t off, std::int32_t imm) {
    Instruction i;
    i.opcode = OpCode(op);
    i.dst = reg(dst);
    i.src = reg(src);
    i.offset = off;
    i.constant = imm;
    out.push_back(i);
  };
  OpCode o(op);
  switch (o.cls()) {
    case Class::alu:
    case Class::alu64:
      if (o.alu_op() == AluOp::end) {
        for (int bits : {16, 32, 64}) make(3, 0, 0, bits);
      } else if (o.alu_op() == AluOp::neg) {
        make(4, 0, 0, 0);
      } else if (o.source() == Source::x) {
        make(1, 2, 0, 0);
        make(10, 9, 0, 0);
      } else {
        for (int imm : {0, 7, -7, 2147483647, -2147483647 - 1}) make(5, 0, 0, imm);
      }
      break;
    case Class::jmp:
    case Class::jmp32:
      if (o.jump_op() == JumpOp::exit) {
        make(0, 0, 0, 0);
      } else if (o.jump_op() == JumpOp::call && o.source() == Source::k) {
        make(0, 0, 0, 1);
        make(0, 1, 0, -1);
        make(0, 2, 0, 1234);
      } else if (o.jump_op() == JumpOp::call) {
        // callx: llvm-mc-14 takes the target register from the immediate, the kernel (and newer LLVM)
        // from dst; not compared.
      } else if (o.jump_op() == JumpOp::ja) {
        for (int off : {0, 5, -5}) make(0, 0, static_cast<std::int16_t>(off), 0);
      } else if (o.source() == Source::x) {
        make(1, 2, 3, 0);
        make(7, 8, -300, 0);
      } else {
        make(1, 0, 3, -7);
        make(9, 0, 32767, 65536);
      }
      break;
    case Class::ld:
      if (o.mode() == Mode::ind) make(0, 3, 0, 0);
      else make(0, 0, 0, 14);
      break;
    case Class::ldx:
    case Class::st:
    case Class::stx:
      if (o.mode() == Mode::atomic) {
        for (int a : {0x00, 0x40, 0x50, 0xa0, 0x01, 0x41, 0x51, 0xa1, 0xe1, 0xf1}) make(1, 2, -8, a);
      } else {
        make(1, 2, -8, 0);
        make(10, 3, 16, 0);
      }
      break;
  }
  return out;
}

// Runs llvm-mc-14 over every instruction, each followed by a marker instruction; returns one string per
// instruction ("" where llvm-mc cannot decode it).
std::vector<std::string> llvm_mc(const std::vector<Instruction>& insns, const std::string& mattr) {
  auto path = std::filesystem::temp_directory_path() / ("ebpfpp-llvm-mc-" + std::to_string(::getpid()) + ".txt");
  {
    std::ofstream f(path);
    Instruction marker = mov(R9, 12345);
    for (const Instruction& i : insns) {
      for (const Instruction* x : std::initializer_list<const Instruction*>{&i, &marker}) {
        std::byte buf[16];
        if (!x->encode(buf, std::endian::little)) continue;
        for (std::size_t k = 0; k < x->width(); ++k) f << "0x" << std::hex << static_cast<unsigned>(buf[k]) << ' ';
        f << '\n';
      }
    }
  }
  auto lines = ebpf::test::run_lines("llvm-mc-14 -triple bpfel -disassemble " + mattr + " < '" + path.string() +
                                     "' 2>/dev/null");
  std::filesystem::remove(path);
  std::vector<std::string> out;
  std::string cur;
  for (std::string line : lines) {
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.erase(0, 1);
    if (line.empty() || line == ".text") continue;
    for (char& c : line)
      if (c == '\t') c = ' ';
    if (line == "r9 = 12345") {
      out.push_back(cur);
      cur.clear();
    } else {
      cur = line;
    }
  }
  return out;
}

}  // namespace

TEST(LlvmMc, EveryOpcodeMatchesWhereLlvm14Decodes) {
  if (ebpf::test::run_lines("command -v llvm-mc-14").empty()) GTEST_SKIP() << "llvm-mc-14 not installed";
  std::vector<Instruction> all;
  for (unsigned op = 0; op < 256; ++op) {
    if (!is_known(OpCode(static_cast<std::uint8_t>(op)))) continue;
    for (Instruction& i : cases_for(static_cast<std::uint8_t>(op))) all.push_back(std::move(i));
  }
  auto plain = llvm_mc(all, "");
  auto alu32 = llvm_mc(all, "-mattr=+alu32");
  ASSERT_EQ(plain.size(), all.size());
  ASSERT_EQ(alu32.size(), all.size());
  std::size_t compared = 0;
  for (std::size_t k = 0; k < all.size(); ++k) {
    std::string mine = to_string(all[k]);
    const bool atomic32 = all[k].opcode.raw() == 0xc3;
    if (!plain[k].empty() && !(atomic32 && mine != plain[k])) {
      EXPECT_EQ(mine, plain[k]) << "opcode 0x" << std::hex << int(all[k].opcode.raw());
      ++compared;
    } else if (!alu32[k].empty()) {
      EXPECT_EQ(mine, alu32[k]) << "opcode 0x" << std::hex << int(all[k].opcode.raw()) << " (alu32)";
      ++compared;
    }
  }
  EXPECT_GT(compared, 250u);
}
