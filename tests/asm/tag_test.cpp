// SHA-1/SHA-256 against the FIPS 180 test vectors, and program tags against the tags the kernel reports
// for programs built with the builders.
#include <gtest/gtest.h>

#include <cstring>
#include <string_view>

#include "ebpf/asm/asm.hpp"
#include "ebpf/sys/bpf.hpp"
#include "ebpf/types.hpp"
#include "support/kernel_test.hpp"

using namespace ebpf::insn;

namespace {

std::span<const std::byte> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

constexpr std::string_view kTwoBlocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

}  // namespace

TEST(Sha1, KnownVectors) {
  EXPECT_EQ(to_hex(sha1(as_bytes(""))), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(to_hex(sha1(as_bytes("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(to_hex(sha1(as_bytes(kTwoBlocks))), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  std::string million(1000000, 'a');
  EXPECT_EQ(to_hex(sha1(as_bytes(million))), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(Sha1, IncrementalEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data += static_cast<char>(i * 7);
  for (std::size_t chunk : {1u, 7u, 63u, 64u, 65u, 200u}) {
    Sha1 h;
    for (std::size_t pos = 0; pos < data.size(); pos += chunk)
      h.update(as_bytes(std::string_view(data).substr(pos, chunk)));
    EXPECT_EQ(h.finish(), sha1(as_bytes(data))) << chunk;
  }
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(to_hex(sha256(as_bytes(""))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(to_hex(sha256(as_bytes("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(sha256(as_bytes(kTwoBlocks))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  std::string million(1000000, 'a');
  EXPECT_EQ(to_hex(sha256(as_bytes(million))), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Tag, IgnoresMapFdAndValueOffset) {
  Instructions a{load_map_ptr(R1, "m", 3), mov(R0, 0), exit()};
  Instructions b{load_map_ptr(R1, "m", 77), mov(R0, 0), exit()};
  Instructions c{load_imm64(R1, 3), mov(R0, 0), exit()};
  Instructions d{load_map_value(R1, "m", 3, 0), mov(R0, 0), exit()};
  Instructions e{load_map_value(R1, "m", 9, 16), mov(R0, 0), exit()};
  EXPECT_EQ(*tag(a, TagHash::sha1), *tag(b, TagHash::sha1));
  EXPECT_NE(*tag(a, TagHash::sha1), *tag(c, TagHash::sha1));  // a plain constant is part of the tag
  EXPECT_EQ(*tag(d, TagHash::sha1), *tag(e, TagHash::sha1));
  EXPECT_NE(*tag(a, TagHash::sha1), *tag(d, TagHash::sha1));  // the pseudo source is
  EXPECT_EQ(*tag(a, TagHash::sha256), *tag(b, TagHash::sha256));
}

namespace {

class KernelTag : public ebpf::test::KernelTest {
 protected:
  // Loads insns and returns the tag the kernel reports.
  Tag kernel_tag(const Instructions& insns, ebpf::ProgramType type) {
    auto bytes = insns.encode(std::endian::native);
    EXPECT_TRUE(bytes);
    if (!bytes) return {};
    char log[4096] = {};
    ebpf::sys::ProgLoadAttr attr{};
    attr.prog_type = static_cast<std::uint32_t>(type);
    attr.insn_cnt = static_cast<std::uint32_t>(insns.size_in_slots());
    attr.insns = bytes->data();
    attr.license = "GPL";
    attr.log_level = 1;
    attr.log_size = sizeof log;
    attr.log_buf = log;
    auto fd = ebpf::sys::prog_load(attr);
    EXPECT_TRUE(fd) << fd.error().message() << "\n" << log;
    if (!fd) return {};
    ebpf::sys::ProgInfo info{};
    auto n = ebpf::sys::obj_get_info_by_fd(fd->get(), &info, sizeof info);
    EXPECT_TRUE(n) << n.error().message();
    Tag t{};
    std::memcpy(t.data(), info.tag, t.size());
    return t;
  }

  // Older kernels tag with SHA-1, newer ones (6.18 here) with SHA-256: find out which one this kernel uses
  // from a trivial program, then hold every other program to that.
  TagHash kernel_hash() {
    Instructions trivial{mov(R0, 0), exit()};
    Tag k = kernel_tag(trivial, ebpf::ProgramType::socket_filter);
    RecordProperty("kernel_tag", to_hex(k));
    if (k == *tag(trivial, TagHash::sha1)) return TagHash::sha1;
    EXPECT_EQ(k, *tag(trivial, TagHash::sha256)) << "kernel tag " << to_hex(k) << " is neither SHA-1 nor SHA-256";
    return TagHash::sha256;
  }
};

}  // namespace

TEST_F(KernelTag, SocketFilter) {
  TagHash h = kernel_hash();
  Instructions insns{
      mov(R0, R1),
      ld_mem(Size::w, R0, R1, 0),  // skb->len
      jump(JumpOp::jgt, R0, 1500, "big"),
      alu64(AluOp::bit_and, R0, 0xff),
      alu32(AluOp::mul, R0, 3),
      to_be(R0, 16),
      exit(),
      mov32_imm(R0, -1).with_symbol("big"),
      exit(),
  };
  ASSERT_TRUE(insns.resolve_jumps());
  EXPECT_EQ(to_hex(kernel_tag(insns, ebpf::ProgramType::socket_filter)), to_hex(*tag(insns, h)));
}

TEST_F(KernelTag, XdpWithLoadImm64AndJumps) {
  TagHash h = kernel_hash();
  Instructions insns{
      ld_mem(Size::w, R2, R1, 0),  // data
      ld_mem(Size::w, R3, R1, 4),  // data_end
      mov(R4, R2),
      alu64(AluOp::add, R4, 14),
      jump(JumpOp::jgt, R4, R3, "pass"),
      ld_mem(Size::h, R5, R2, 12),
      load_imm64(R6, 0x1122334455667788),
      jump32(JumpOp::jeq, R5, 0x0008, "drop"),
      jump(JumpOp::jsgt, R6, R5, "pass"),
      mov(R0, 1).with_symbol("drop"),  // XDP_DROP
      exit(),
      mov(R0, 2).with_symbol("pass"),  // XDP_PASS
      exit(),
  };
  ASSERT_TRUE(insns.resolve_jumps());
  EXPECT_EQ(to_hex(kernel_tag(insns, ebpf::ProgramType::xdp)), to_hex(*tag(insns, h)));
}

TEST_F(KernelTag, MapReferenceFdIsNotPartOfTheTag) {
  TagHash h = kernel_hash();
  ebpf::sys::MapCreateAttr mattr{};
  mattr.map_type = static_cast<std::uint32_t>(ebpf::MapType::array);
  mattr.key_size = 4;
  mattr.value_size = 8;
  mattr.max_entries = 1;
  auto map = ebpf::sys::map_create(mattr);
  ASSERT_TRUE(map) << map.error().message();
  Instructions insns{
      st_mem(Size::w, R10, -4, 0),
      mov(R2, R10),
      alu64(AluOp::add, R2, -4),
      load_map_ptr(R1, "counts", map->get()),
      call(HelperId::map_lookup_elem),
      jump(JumpOp::jeq, R0, 0, "out"),
      mov(R1, 1),
      atomic(AtomicOp::add, Size::dw, R0, R1, 0),
      mov(R0, 0).with_symbol("out"),
      exit(),
  };
  ASSERT_TRUE(insns.resolve_jumps());
  Tag expected = *tag(insns, h);
  EXPECT_EQ(to_hex(kernel_tag(insns, ebpf::ProgramType::socket_filter)), to_hex(expected));
  // A different fd for the same map: same tag.
  auto dup = map->dup();
  ASSERT_TRUE(dup);
  insns[3].constant = dup->get();
  EXPECT_EQ(to_hex(kernel_tag(insns, ebpf::ProgramType::socket_filter)), to_hex(expected));
}

TEST_F(KernelTag, BpfToBpfCall) {
  TagHash h = kernel_hash();
  Instructions insns{
      mov(R1, 20),
      call_function("double_it"),
      exit(),
      mov(R0, R1).with_symbol("double_it"),
      alu64(AluOp::lsh, R0, 1),
      exit(),
  };
  ASSERT_TRUE(insns.resolve_jumps());
  EXPECT_EQ(insns[1].constant, 1);
  EXPECT_EQ(to_hex(kernel_tag(insns, ebpf::ProgramType::socket_filter)), to_hex(*tag(insns, h)));
}
