// Every executable section of every compiled test object, in both byte orders: decodes, re-encodes
// byte-exactly, and disassembles exactly as llvm-objdump-14 does, instruction for instruction.
#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "ebpf/asm/asm.hpp"
#include "test_objects.hpp"

using namespace ebpf::insn;

namespace {

// section name -> slot -> text, from one llvm-objdump run.
using Disassembly = std::map<std::string, std::map<std::size_t, std::string>>;

Disassembly objdump(const std::filesystem::path& path, const std::string& extra) {
  Disassembly out;
  static const std::regex section_re("^Disassembly of section (.*):$");
  static const std::regex insn_re("^ *([0-9]+):\t(.*)$");
  static const std::regex label_re(" <[^<> ]*>$");
  std::string section;
  for (const std::string& line :
       ebpf::test::run_lines("llvm-objdump-14 -d --no-show-raw-insn " + extra + " '" + path.string() + "' 2>&1")) {
    std::smatch m;
    if (std::regex_match(line, m, section_re)) {
      section = m[1];
    } else if (std::regex_match(line, m, insn_re)) {
      out[section][std::stoul(m[1])] = std::regex_replace(std::string(m[2]), label_re, "");
    }
  }
  return out;
}

bool have_objdump() { return !ebpf::test::run_lines("command -v llvm-objdump-14").empty(); }

}  // namespace

TEST(Objdump, TestObjectsExist) {
  auto objects = ebpf::test::load_test_objects();
  ASSERT_GE(objects.size(), 4u);
  bool big = false, little = false;
  for (const auto& o : objects) (o.order == std::endian::big ? big : little) = true;
  EXPECT_TRUE(big && little);
}

TEST(Objdump, EverySectionRoundTripsByteExactly) {
  std::size_t sections = 0, instructions = 0;
  for (const auto& obj : ebpf::test::load_test_objects()) {
    for (const auto& sec : obj.sections) {
      SCOPED_TRACE(obj.path.filename().string() + " " + sec.name);
      auto insns = Instructions::decode(sec.bytes, obj.order);
      ASSERT_TRUE(insns) << insns.error().message();
      EXPECT_EQ(insns->size_in_slots() * kSlotSize, sec.bytes.size());
      auto back = insns->encode(obj.order);
      ASSERT_TRUE(back) << back.error().message();
      EXPECT_EQ(*back, sec.bytes);
      // And through the other byte order: swapping twice is the identity.
      auto other = obj.order == std::endian::little ? std::endian::big : std::endian::little;
      auto swapped = insns->encode(other);
      ASSERT_TRUE(swapped);
      auto again = Instructions::decode(*swapped, other);
      ASSERT_TRUE(again) << again.error().message();
      EXPECT_EQ(*again, *insns);
      ++sections;
      instructions += insns->size();
    }
  }
  EXPECT_GT(sections, 8u);
  EXPECT_GT(instructions, 200u);
}

// llvm-objdump-14 without -mattr prints 32-bit loads/stores with r registers and cannot decode 32-bit
// atomics other than a plain add ("<unknown>"); with -mattr=+alu32 it decodes those (and prints w
// registers for loads). A line must equal the default output, or where that is "<unknown>", the alu32 one.
// For 32-bit atomics the default decoder also ignores the fetch bit ("lock ... += r5" for a fetch-add),
// so those are compared with the alu32 output too.
TEST(Objdump, DisassemblyMatchesLlvmObjdump14) {
  if (!have_objdump()) GTEST_SKIP() << "llvm-objdump-14 not installed";
  std::size_t compared = 0, via_alu32 = 0;
  for (const auto& obj : ebpf::test::load_test_objects()) {
    Disassembly plain = objdump(obj.path, "");
    Disassembly alu32 = objdump(obj.path, "--mattr=+alu32");
    for (const auto& sec : obj.sections) {
      SCOPED_TRACE(obj.path.filename().string() + " " + sec.name);
      auto insns = Instructions::decode(sec.bytes, obj.order);
      ASSERT_TRUE(insns) << insns.error().message();
      const auto& want = plain[sec.name];
      ASSERT_EQ(want.size(), insns->size()) << "llvm-objdump lists a different number of instructions";
      for (auto [index, slot, ins] : insns->positioned()) {
        auto it = want.find(slot);
        ASSERT_NE(it, want.end()) << "no llvm-objdump line for slot " << slot;
        std::string mine = to_string(ins);
        const bool atomic32 = ins.opcode.raw() == 0xc3;
        if (it->second == "<unknown>") {
          EXPECT_EQ(mine, alu32[sec.name][slot]) << "slot " << slot;
          ++via_alu32;
        } else if (atomic32 && mine != it->second) {
          EXPECT_EQ(mine, alu32[sec.name][slot]) << "slot " << slot;
          ++via_alu32;
        } else {
          EXPECT_EQ(mine, it->second) << "slot " << slot;
        }
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 200u);
  EXPECT_GT(via_alu32, 0u);
}
