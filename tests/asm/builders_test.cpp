// Builders, the whole instruction set's encodings and their disassembly, metadata semantics, jump
// resolution and allocation-free iteration.
#include <gtest/gtest.h>

#include "support/alloc_count.hpp"
#include "ebpf/asm/asm.hpp"

using namespace ebpf::insn;

namespace {

std::string hex(const Instruction& i, std::endian order = std::endian::little) {
  std::byte buf[16];
  EXPECT_TRUE(i.encode(buf, order));
  std::string out;
  char tmp[4];
  for (std::size_t k = 0; k < i.width(); ++k) {
    std::snprintf(tmp, sizeof tmp, "%02x", static_cast<unsigned>(buf[k]));
    out += tmp;
  }
  return out;
}

}  // namespace

TEST(Builders, EncodingsFollowTheInstructionSet) {
  EXPECT_EQ(hex(mov(R0, 0)), "b700000000000000");
  EXPECT_EQ(hex(mov(R1, R2)), "bf21000000000000");
  EXPECT_EQ(hex(mov32_imm(R3, -1)), "b4030000ffffffff");
  EXPECT_EQ(hex(sdiv64(R1, R2)), "3f21010000000000");
  EXPECT_EQ(hex(smod32(R1, R2)), "9c21010000000000");
  EXPECT_EQ(hex(movsx64(R1, R2, 16)), "bf21100000000000");
  EXPECT_EQ(hex(bswap(R4, 32)), "d704000020000000");
  EXPECT_EQ(hex(to_be(R4, 16)), "dc04000010000000");
  EXPECT_EQ(hex(to_le(R4, 64)), "d404000040000000");
  EXPECT_EQ(hex(neg64(R5)), "8705000000000000");
  EXPECT_EQ(hex(gotol(100000)), "06000000a0860100");
  EXPECT_EQ(hex(ja(std::int16_t{-3})), "0500fdff00000000");
  EXPECT_EQ(hex(call(HelperId::map_lookup_elem)), "8500000001000000");
  EXPECT_EQ(hex(call_relative(5)), "8510000005000000");
  EXPECT_EQ(hex(call_kfunc(1234)), "85200000d2040000");
  EXPECT_EQ(hex(exit()), "9500000000000000");
  EXPECT_EQ(hex(load_imm64(R1, 0x1122334455667788)), "18010000887766550000000044332211");
  EXPECT_EQ(hex(load_map_ptr(R1, "m", 7)), "18110000070000000000000000000000");
  EXPECT_EQ(hex(load_map_value(R1, "m", 7, 16)), "18210000070000000000000010000000");
  EXPECT_EQ(hex(ldsx_mem(Size::b, R1, R2, 4)), "9121040000000000");
  EXPECT_EQ(hex(st_mem(Size::dw, R10, -8, 5)), "7a0af8ff05000000");
  EXPECT_EQ(hex(stx(Size::h, R10, R1, -2)), "6b1afeff00000000");
  EXPECT_EQ(hex(atomic(AtomicOp::cmpxchg, Size::w, R1, R2, 0)), "c3210000f1000000");
  EXPECT_EQ(hex(atomic(AtomicOp::load_acquire, Size::b, R1, R2, 0)), "d321000000010000");
  EXPECT_EQ(hex(ld_abs(Size::h, 12)), "280000000c000000");
  EXPECT_EQ(hex(ld_ind(Size::b, R3, 2)), "5030000002000000");
  // Big-endian: registers swap nibbles, multi-byte fields are big-endian.
  EXPECT_EQ(hex(mov(R1, R2), std::endian::big), "bf12000000000000");
  EXPECT_EQ(hex(load_imm64(R1, 0x1122334455667788), std::endian::big), "18100000556677880000000011223344");
}

TEST(Builders, DisassemblyOfNewerInstructions) {
  EXPECT_EQ(to_string(sdiv64(R1, R2)), "r1 s/= r2");
  EXPECT_EQ(to_string(smod64(R1, 3)), "r1 s%= 3");
  EXPECT_EQ(to_string(smod32(R1, R2)), "w1 s%= w2");
  EXPECT_EQ(to_string(movsx64(R1, R2, 8)), "r1 = (s8)r2");
  EXPECT_EQ(to_string(movsx32(R1, R2, 16)), "w1 = (s16)w2");
  EXPECT_EQ(to_string(bswap(R0, 64)), "r0 = bswap64 r0");
  EXPECT_EQ(to_string(to_be(R0, 16)), "r0 = be16 r0");
  EXPECT_EQ(to_string(ldsx_mem(Size::h, R1, R2, -6)), "r1 = *(s16 *)(r2 - 6)");
  EXPECT_EQ(to_string(st_mem(Size::w, R10, -4, 0)), "*(u32 *)(r10 - 4) = 0");
  EXPECT_EQ(to_string(gotol(-7)), "gotol -7");
  EXPECT_EQ(to_string(jump(JumpOp::jset, R1, 4, std::int16_t{2})), "if r1 & 4 goto +2");
  EXPECT_EQ(to_string(alu64(AluOp::mod, R1, R2)), "r1 %= r2");
  EXPECT_EQ(to_string(atomic(AtomicOp::load_acquire, Size::dw, R1, R0, 8)), "r0 = load_acquire((u64 *)(r1 + 8))");
  EXPECT_EQ(to_string(atomic(AtomicOp::store_release, Size::w, R1, R2, 0)), "store_release((u32 *)(r1 + 0), w2)");
  EXPECT_EQ(to_string(atomic(AtomicOp::fetch_xor, Size::w, R1, R2, 0)), "w2 = atomic_fetch_xor((u32 *)(r1 + 0), w2)");
  EXPECT_EQ(to_string(ld_ind(Size::w, R3, 4)), "r0 = *(u32 *)skb[r3 + 4]");
  EXPECT_EQ(to_string(load_map_ptr(R1, "m", 7)), "ld_pseudo r1, 1, 7");
}

TEST(Builders, EveryBuiltInstructionRoundTripsInBothOrders) {
  Instructions all{
      alu64(AluOp::arsh, R1, 3), alu32(AluOp::rsh, R1, R9), sdiv32(R1, R2), movsx64(R3, R4, 32), neg32(R0),
      bswap(R2, 16), jump32(JumpOp::jsle, R1, -5, std::int16_t{4}), jump(JumpOp::jne, R1, R2, std::int16_t{-1}),
      gotol(3), call_helper(12), call_kfunc(99, 2), load_imm64(R9, -1), load_imm64(R1, PseudoSource::btf_id, 42),
      load_imm64(R1, PseudoSource::map_idx, 1), load_imm64(R1, PseudoSource::map_idx_value, 0x800000001),
      ldsx_mem(Size::w, R1, R2, 0), ld_mem(Size::b, R1, R2, 32767), st_mem(Size::b, R1, -32768, -128),
      atomic(AtomicOp::xchg, Size::dw, R1, R2, 8), atomic(AtomicOp::store_release, Size::h, R1, R2, 2),
      ld_abs(Size::w, -4), exit()};
  for (std::endian order : {std::endian::little, std::endian::big}) {
    auto bytes = all.encode(order);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(bytes->size(), all.size_in_slots() * kSlotSize);
    auto back = Instructions::decode(*bytes, order);
    ASSERT_TRUE(back) << back.error().message();
    ASSERT_EQ(back->size(), all.size());
    for (std::size_t i = 0; i < all.size(); ++i) {
      Instruction want = all[i];
      want.metadata.clear();
      EXPECT_EQ((*back)[i], want) << i << ": " << to_string(all[i]);
    }
  }
}

TEST(Metadata, SurvivesCopiesAndEditsDoNotLeak) {
  Instruction a = load_map_ptr(R1, "counts");
  a.metadata.set_symbol("entry");
  a.metadata.set_source(SourceLine{"prog.c", "  int x = 0;", 12, 3});
  a.metadata.set_func_info(17u);
  a.metadata.set_core_relocation(CoreRelocation{5, "0:1", 0});
  Instruction b = a;  // shares the block
  EXPECT_EQ(b.reference(), "counts");
  EXPECT_EQ(b.symbol(), "entry");
  ASSERT_NE(b.metadata.source(), nullptr);
  EXPECT_EQ(b.metadata.source()->line_number, 12u);
  EXPECT_EQ(b.metadata.func_info(), 17u);
  ASSERT_NE(b.metadata.core_relocation(), nullptr);
  EXPECT_EQ(b.metadata.core_relocation()->access, "0:1");
  EXPECT_EQ(a, b);
  // Copy-on-write: editing b leaves a alone.
  b.metadata.set_reference("other");
  EXPECT_EQ(a.reference(), "counts");
  EXPECT_EQ(b.reference(), "other");
  EXPECT_EQ(b.symbol(), "entry");
  EXPECT_NE(a, b);
  // Through a container copy and an edit of the copy.
  Instructions p{a, exit()};
  Instructions q = p;
  q[0].metadata.set_symbol("renamed");
  EXPECT_EQ(p[0].symbol(), "entry");
  EXPECT_EQ(q[0].symbol(), "renamed");
  EXPECT_EQ(q[0].reference(), "counts");
  // Empty metadata compares equal to metadata whose fields were all cleared.
  Instruction c = exit();
  Instruction d = exit();
  d.metadata.set_symbol("");
  EXPECT_EQ(c, d);
}

TEST(Metadata, CopyingAnInstructionDoesNotAllocate) {
  Instruction a = load_map_ptr(R1, "a_map_name_longer_than_sso_buffer");
  auto before = ebpf::test::allocations();
  Instruction b = a;
  Instruction c = b;
  c.offset = 3;  // editing fields is not editing metadata
  auto after = ebpf::test::allocations();
  EXPECT_EQ(after, before);
  EXPECT_EQ(c.reference(), "a_map_name_longer_than_sso_buffer");
}

TEST(Instructions, IterationDoesNotAllocate) {
  Instructions p;
  for (int i = 0; i < 100; ++i) {
    p.push_back(load_imm64(R1, i));
    p.push_back(mov(R0, i).with_symbol(std::string("l").append(std::to_string(i))));
  }
  auto before = ebpf::test::allocations();
  std::size_t slots = 0, n = 0, last_slot = 0;
  for (auto [index, slot, ins] : p.positioned()) {
    n = index + 1;
    last_slot = slot;
    slots += ins.slots();
  }
  for (const Instruction& ins : p) slots += ins.symbol().size();
  auto after = ebpf::test::allocations();
  EXPECT_EQ(after, before);
  EXPECT_EQ(n, 200u);
  EXPECT_EQ(last_slot, 299u);
  EXPECT_EQ(p.size_in_slots(), 300u);
  EXPECT_EQ(p.index_of_slot(299), 199u);
  EXPECT_EQ(p.index_of_slot(1), std::nullopt);  // second half of a lddw
  EXPECT_GT(slots, 300u);
}

TEST(Instructions, ResolveJumpsCountsSlots) {
  Instructions p{
      // index: slot
      jump(JumpOp::jeq, R1, 0, "out"),     // 0: 0
      load_imm64(R0, 1),                   // 1: 1-2
      ja("out"),                           // 2: 3
      load_func_ptr(R2, "callback"),       // 3: 4-5
      call_function("callback"),           // 4: 6
      gotol("top"),                        // 5: 7
      mov(R0, 0).with_symbol("out"),       // 6: 8
      exit(),                              // 7: 9
      mov(R0, 1).with_symbol("callback"),  // 8: 10
      exit().with_symbol("top"),           // 9: 11
      ja("nowhere"),                       // 10: 12, not defined here: left alone
  };
  ASSERT_TRUE(p.resolve_jumps());
  EXPECT_EQ(p[0].offset, 7);
  EXPECT_EQ(p[2].offset, 4);
  EXPECT_EQ(p[3].constant, 5);
  EXPECT_EQ(p[4].constant, 3);
  EXPECT_EQ(p[5].constant, 3);
  EXPECT_EQ(p[10].offset, -1);
  EXPECT_EQ(p[0].jump_distance(), 7);
  EXPECT_EQ(p.find_symbol("callback"), 8u);
  std::string text = listing(p);
  EXPECT_NE(text.find("out:\n       8:\tr0 = 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("       0:\tif r1 == 0 goto +7\t; out\n"), std::string::npos) << text;
}

TEST(Instructions, ResolveJumpsRejectsFarBranches) {
  Instructions p{ja("far")};
  for (int i = 0; i < 40000; ++i) p.push_back(mov(R0, 0));
  p.push_back(exit().with_symbol("far"));
  auto r = p.resolve_jumps();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ebpf::errc::invalid_argument));
  EXPECT_NE(r.error().message().find("far"), std::string::npos);
}

TEST(Instructions, ListingShowsSourceLines) {
  Instructions p{mov(R0, 0), exit()};
  p[0].metadata.set_symbol("prog");
  p[0].metadata.set_source(SourceLine{"prog.bpf.c", "return 0;", 7, 2});
  EXPECT_EQ(listing(p), "prog:\n\t; return 0; [prog.bpf.c:7:2]\n       0:\tr0 = 0\n       1:\texit\n");
}

TEST(Helpers, NamesFollowTheUapiNumbering) {
  EXPECT_EQ(static_cast<int>(HelperId::map_lookup_elem), 1);
  EXPECT_EQ(static_cast<int>(HelperId::trace_printk), 6);
  EXPECT_EQ(static_cast<int>(HelperId::ringbuf_output), 130);
  EXPECT_EQ(to_string(HelperId::ktime_get_ns), "ktime_get_ns");
  EXPECT_EQ(to_string(static_cast<HelperId>(100000)), "");
}
