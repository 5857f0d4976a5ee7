// Malformed instruction streams give errc::malformed naming the instruction, never a crash.
#include <gtest/gtest.h>

#include "ebpf/asm/asm.hpp"

using namespace ebpf::insn;

namespace {

std::vector<std::byte> program(std::size_t exits) {
  Instructions insns;
  for (std::size_t i = 0; i < exits; ++i) insns.push_back(mov(R0, static_cast<std::int32_t>(i)));
  auto bytes = insns.encode(std::endian::little);
  return bytes ? *bytes : std::vector<std::byte>{};
}

void append(std::vector<std::byte>& v, std::initializer_list<unsigned> b) {
  for (unsigned x : b) v.push_back(static_cast<std::byte>(x));
}

std::string decode_error(const std::vector<std::byte>& bytes, std::endian order = std::endian::little) {
  auto r = Instructions::decode(bytes, order);
  if (r) return "no error";
  EXPECT_TRUE(r.error().is(ebpf::errc::malformed));
  return r.error().message();
}

}  // namespace

TEST(DecodeErrors, TruncatedStream) {
  auto bytes = program(3);
  append(bytes, {0xb7, 0x00, 0x00});
  EXPECT_EQ(decode_error(bytes), "instruction 3 (offset 0x18): truncated: 3 trailing bytes");
}

TEST(DecodeErrors, UnknownOpcodeNamesIndexAndOffset) {
  auto bytes = program(12);
  append(bytes, {0x8f, 0x01, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(decode_error(bytes), "instruction 12 (offset 0x60): unknown opcode 0x8f");
}

TEST(DecodeErrors, IndexCountsLddwOnceOffsetCountsBytes) {
  Instructions insns{load_imm64(R1, 5), exit()};
  auto bytes = *insns.encode(std::endian::big);
  append(bytes, {0xff, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(decode_error(bytes, std::endian::big), "instruction 2 (offset 0x18): unknown opcode 0xff");
}

TEST(DecodeErrors, LddwMissingSecondHalf) {
  auto bytes = program(2);
  append(bytes, {0x18, 0x01, 0, 0, 1, 0, 0, 0});
  EXPECT_EQ(decode_error(bytes), "instruction 2 (offset 0x10): lddw is missing its second half");
}

TEST(DecodeErrors, LddwSecondHalfWithOpcodeOrRegisters) {
  for (std::initializer_list<unsigned> second : {std::initializer_list<unsigned>{0x95, 0, 0, 0, 0, 0, 0, 0},
                                                 std::initializer_list<unsigned>{0x00, 0x10, 0, 0, 0, 0, 0, 0},
                                                 std::initializer_list<unsigned>{0x00, 0x00, 1, 0, 0, 0, 0, 0}}) {
    std::vector<std::byte> bytes;
    append(bytes, {0x18, 0x01, 0, 0, 1, 0, 0, 0});
    append(bytes, second);
    EXPECT_EQ(decode_error(bytes),
              "instruction 0 (offset 0x0): second half of lddw has a non-zero opcode, register or offset field");
  }
}

TEST(DecodeErrors, UnknownAtomicOperation) {
  std::vector<std::byte> bytes;
  append(bytes, {0xdb, 0x21, 0, 0, 0x02, 0, 0, 0});
  EXPECT_EQ(decode_error(bytes), "instruction 0 (offset 0x0): unknown atomic operation 0x2 for opcode 0xdb");
}

TEST(DecodeErrors, EveryUnknownOpcodeIsRejected) {
  // Opcodes the instruction set does not define, one per class.
  for (unsigned op : {0x00u, 0x38u, 0x60u, 0x99u, 0x82u, 0xe3u, 0xe4u, 0x8cu, 0xdfu, 0x0du, 0x86u, 0x96u, 0x0eu, 0xf5u}) {
    std::vector<std::byte> bytes;
    append(bytes, {op, 0, 0, 0, 0, 0, 0, 0});
    auto r = Instructions::decode(bytes, std::endian::little);
    ASSERT_FALSE(r) << std::hex << op;
    EXPECT_TRUE(r.error().is(ebpf::errc::malformed));
  }
}

TEST(DecodeErrors, EmptyStreamIsEmptyProgram) {
  auto r = Instructions::decode({}, std::endian::little);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
}

TEST(DecodeErrors, EncodeRejectsOversizedFields) {
  Instruction i = mov(R0, 0);
  i.constant = std::int64_t{1} << 33;
  std::byte buf[8];
  auto r = i.encode(buf, std::endian::little);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ebpf::errc::invalid_argument));
  i.constant = 0;
  i.dst = static_cast<Register>(16);
  EXPECT_FALSE(i.encode(buf, std::endian::little));
}
