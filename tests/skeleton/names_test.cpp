// Identifier rules and bitfield accessors of generated skeletons (no kernel needed).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "ebpf/gen/skeleton.hpp"
#include "ebpf/skeleton/core.hpp"

namespace {

TEST(SkeletonNames, KeywordsAndMacrosGetATrailingUnderscore) {
  EXPECT_EQ(ebpf::gen::cxx_identifier("class"), "class_");
  EXPECT_EQ(ebpf::gen::cxx_identifier("new"), "new_");
  EXPECT_EQ(ebpf::gen::cxx_identifier("errno"), "errno_");
  EXPECT_EQ(ebpf::gen::cxx_identifier("counter"), "counter");
}

TEST(SkeletonNames, InvalidCharactersAndLeadingDigits) {
  EXPECT_EQ(ebpf::gen::cxx_identifier("rodata.str1.1"), "rodata_str1_1");
  EXPECT_EQ(ebpf::gen::cxx_identifier("1st"), "_1st");
  EXPECT_EQ(ebpf::gen::cxx_identifier(""), "_");
  EXPECT_EQ(ebpf::gen::cxx_identifier("a-b"), "a_b");
}

TEST(SkeletonNames, DefaultNameIsTheFileNameUpToTheFirstDot) {
  EXPECT_EQ(ebpf::gen::default_skeleton_name("counter.bpfel.o"), "counter");
  EXPECT_EQ(ebpf::gen::default_skeleton_name("/a/b.c/x.bpf.o"), "x");
  EXPECT_EQ(ebpf::gen::default_skeleton_name("plain"), "plain");
}

// struct { u32 kind:3; s32 delta:5; u32 wide:20; } as clang lays it out for each byte order.
TEST(SkeletonBits, LittleEndianMatchesTheCompilersBitfields) {
  struct Native {
    std::uint32_t kind : 3;
    std::int32_t delta : 5;
    std::uint32_t wide : 20;
  };
  static_assert(std::endian::native == std::endian::little);
  Native n{5, -3, 12345};
  std::array<unsigned char, 4> b{};
  std::memcpy(b.data(), &n, 4);
  using ebpf::skeleton::get_bits;
  EXPECT_EQ(get_bits<std::uint32_t>(b.data(), 0, 3, std::endian::little), 5u);
  EXPECT_EQ(get_bits<std::int32_t>(b.data(), 3, 5, std::endian::little), -3);
  EXPECT_EQ(get_bits<std::uint32_t>(b.data(), 8, 20, std::endian::little), 12345u);
  ebpf::skeleton::set_bits<std::int32_t>(b.data(), 3, 5, std::endian::little, 7);
  ebpf::skeleton::set_bits<std::uint32_t>(b.data(), 8, 20, std::endian::little, 0xfffffu);
  std::memcpy(&n, b.data(), 4);
  EXPECT_EQ(n.kind, 5u);
  EXPECT_EQ(n.delta, 7);
  EXPECT_EQ(n.wide, 0xfffffu);
}

TEST(SkeletonBits, BigEndianCountsFromTheMostSignificantBit) {
  // kind:3 = 5 (101), delta:5 = -3 (11101), then wide:20 = 1 in the next 20 bits.
  std::array<unsigned char, 4> b{0b10111101, 0x00, 0x00, 0x10};
  using ebpf::skeleton::get_bits;
  EXPECT_EQ(get_bits<std::uint32_t>(b.data(), 0, 3, std::endian::big), 5u);
  EXPECT_EQ(get_bits<std::int32_t>(b.data(), 3, 5, std::endian::big), -3);
  EXPECT_EQ(get_bits<std::uint32_t>(b.data(), 8, 20, std::endian::big), 1u);
  ebpf::skeleton::set_bits<std::uint32_t>(b.data(), 8, 20, std::endian::big, 0x80001u);
  EXPECT_EQ(b[1], 0x80);
  EXPECT_EQ(b[3], 0x10);
  EXPECT_EQ(b[0], 0b10111101);
}

TEST(SkeletonBits, SixtyFourBitFieldAcrossNineBytes) {
  std::array<unsigned char, 9> b{};
  ebpf::skeleton::set_bits<std::uint64_t>(b.data(), 4, 64, std::endian::little, 0x8123456789abcdefull);
  EXPECT_EQ(ebpf::skeleton::get_bits<std::uint64_t>(b.data(), 4, 64, std::endian::little), 0x8123456789abcdefull);
  EXPECT_EQ(b[0] & 0x0f, 0);
}

}  // namespace
