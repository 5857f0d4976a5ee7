#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "ebpf/asm/asm.hpp"

using namespace ebpf::insn;

namespace {

std::vector<std::byte> bytes(std::initializer_list<unsigned> v) {
  std::vector<std::byte> out;
  for (unsigned b : v) out.push_back(static_cast<std::byte>(b));
  return out;
}

}  // namespace

TEST(Instruction, DecodesLittleEndian) {
  auto raw = bytes({0xb7, 0x21, 0xfe, 0xff, 0x05, 0x00, 0x00, 0x00});
  auto insns = Instructions::decode(raw, std::endian::little);
  ASSERT_TRUE(insns) << insns.error().message();
  ASSERT_EQ(insns->size(), 1u);
  const Instruction& i = (*insns)[0];
  EXPECT_EQ(i.opcode.raw(), 0xb7);
  EXPECT_EQ(i.dst, R1);
  EXPECT_EQ(i.src, R2);
  EXPECT_EQ(i.offset, -2);
  EXPECT_EQ(i.constant, 5);
}

TEST(Instruction, DecodesBigEndianSwapsRegisterNibbles) {
  auto raw = bytes({0xb7, 0x12, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xfb});
  auto insns = Instructions::decode(raw, std::endian::big);
  ASSERT_TRUE(insns) << insns.error().message();
  const Instruction& i = (*insns)[0];
  EXPECT_EQ(i.dst, R1);
  EXPECT_EQ(i.src, R2);
  EXPECT_EQ(i.offset, -2);
  EXPECT_EQ(i.constant, -5);
  auto back = insns->encode(std::endian::big);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, raw);
}

TEST(Instruction, LoadImm64IsOneInstructionOfTwoSlots) {
  auto raw = bytes({0x18, 0x01, 0, 0, 0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0, 0xf0, 0xde, 0xbc, 0x9a,
                    0x95, 0, 0, 0, 0, 0, 0, 0});
  auto insns = Instructions::decode(raw, std::endian::little);
  ASSERT_TRUE(insns) << insns.error().message();
  ASSERT_EQ(insns->size(), 2u);
  EXPECT_EQ((*insns)[0].slots(), 2u);
  EXPECT_EQ((*insns)[0].width(), 16u);
  EXPECT_EQ(static_cast<std::uint64_t>((*insns)[0].constant), 0x9abcdef012345678ull);
  EXPECT_EQ(insns->size_in_slots(), 3u);
  std::vector<std::size_t> slots;
  for (auto p : insns->positioned()) slots.push_back(p.slot);
  EXPECT_EQ(slots, (std::vector<std::size_t>{0, 2}));
  auto back = insns->encode(std::endian::little);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, raw);
}
