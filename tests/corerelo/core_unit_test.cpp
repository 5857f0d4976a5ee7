// btf::core_relocate on hand-built BTF: instruction forms, validation, poisoning, malformed records and hostile
// target BTF. No kernel needed.
#include <gtest/gtest.h>

#include <chrono>

#include "ebpf/asm/builders.hpp"
#include "ebpf/btf/builder.hpp"
#include "ebpf/btf/core.hpp"

namespace {

using namespace ebpf;
using btf::Builder;
using btf::CoreReloKind;
using insn::R1;
using insn::R2;

insn::Instruction with_relo(insn::Instruction ins, btf::TypeId type, std::string access, CoreReloKind kind) {
  ins.metadata.set_core_relocation(insn::CoreRelocation{type, std::move(access), static_cast<std::uint32_t>(kind)});
  return ins;
}

// local: struct s { int a; long long b; unsigned short c; }; enum e64 : 64-bit { BIG = 1<<33, GONE = 3 }
struct Local {
  btf::Spec spec;
  btf::TypeId s = 0, e64 = 0;
};

Local make_local() {
  Builder b;
  const auto i32 = b.add_int("int", 4, btf::kIntSigned);
  const auto i64 = b.add_int("long long", 8, btf::kIntSigned);
  const auto u16 = b.add_int("unsigned short", 2);
  const Builder::MemberSpec m[] = {{"a", i32, 0, 0}, {"b", i64, 64, 0}, {"c", u16, 128, 0}};
  Local l;
  l.s = b.add_struct("s", 24, m);
  const Builder::EnumSpec ev[] = {{"BIG", std::int64_t{1} << 33}, {"GONE", 3}};
  l.e64 = b.add_enum64("e64", ev);
  auto spec = b.spec();
  EXPECT_TRUE(spec);
  l.spec = *spec;
  return l;
}

// target: struct s { long long b; unsigned int c; long a; } (a resized to 8 bytes, signed)
btf::Spec make_target() {
  Builder b;
  const auto i64 = b.add_int("long long", 8, btf::kIntSigned);
  const auto u32 = b.add_int("unsigned int", 4);
  const auto l64 = b.add_int("long", 8, btf::kIntSigned);
  const Builder::MemberSpec m[] = {{"b", i64, 0, 0}, {"c", u32, 64, 0}, {"a", l64, 128, 0}};
  b.add_struct("s", 24, m);
  const Builder::EnumSpec ev[] = {{"BIG", std::int64_t{5} << 33}};
  b.add_enum64("e64", ev);
  auto spec = b.spec();
  EXPECT_TRUE(spec);
  return *spec;
}

TEST(CoreRelocate, PatchesLoadOffsetsAndWidths) {
  const Local l = make_local();
  btf::CoreTargets t{{make_target()}};
  insn::Instructions insns{
      with_relo(insn::ld_mem(insn::Size::dw, R1, R2, 8), l.s, "0:1", CoreReloKind::field_byte_offset),
      with_relo(insn::ld_mem(insn::Size::h, R1, R2, 16), l.s, "0:2", CoreReloKind::field_byte_offset),
      with_relo(insn::mov(R1, 2), l.s, "0:2", CoreReloKind::field_byte_size),
      with_relo(insn::stx_mem(insn::Size::h, R2, R1, 16), l.s, "0:2", CoreReloKind::field_byte_offset),
      insn::exit(),
  };
  auto r = btf::core_relocate(insns, l.spec, t);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->relocated, 4u);
  EXPECT_TRUE(r->poisoned.empty());
  EXPECT_EQ(insns[0].offset, 0);
  EXPECT_EQ(insns[1].offset, 8);
  EXPECT_EQ(insns[1].opcode.size(), insn::Size::w);  // unsigned 2 -> 4 bytes: widened
  EXPECT_EQ(insns[2].constant, 4);
  EXPECT_EQ(insns[3].opcode.size(), insn::Size::w);
}

TEST(CoreRelocate, SignedResizeAndMissingFieldsArePoisoned) {
  const Local l = make_local();
  btf::CoreTargets t{{make_target()}};
  insn::Instructions insns{
      with_relo(insn::ld_mem(insn::Size::w, R1, R2, 0), l.s, "0:0", CoreReloKind::field_byte_offset),  // int -> long
      with_relo(insn::load_imm64(R1, std::int64_t{1} << 33), l.e64, "1", CoreReloKind::enumval_value),  // GONE
      with_relo(insn::load_imm64(R1, std::int64_t{1} << 33), l.e64, "0", CoreReloKind::enumval_value),
      insn::exit(),
  };
  const auto slots_before = insns.size_in_slots();
  auto r = btf::core_relocate(insns, l.spec, t);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->poisoned.size(), 2u);
  EXPECT_EQ(insns.size_in_slots(), slots_before);  // a poisoned lddw becomes two calls
  EXPECT_TRUE(insns[0].is_call());
  EXPECT_EQ(insns[0].constant, btf::kCorePoison);
  EXPECT_TRUE(insns[1].is_call());
  EXPECT_TRUE(insns[2].is_call());
  EXPECT_EQ(insns[3].constant, std::int64_t{5} << 33);
  EXPECT_EQ(r->poisoned[1].slot, 1u);
  EXPECT_NE(r->poisoned[0].description.find("s.a"), std::string::npos) << r->poisoned[0].description;
  EXPECT_NE(r->poisoned[1].description.find("e64::GONE"), std::string::npos) << r->poisoned[1].description;
}

TEST(CoreRelocate, RefusesUnexpectedInstructions) {
  const Local l = make_local();
  btf::CoreTargets t{{make_target()}};
  auto refused = [&](insn::Instruction ins, std::string_view access, CoreReloKind kind) {
    insn::Instructions insns{with_relo(std::move(ins), l.s, std::string(access), kind), insn::exit()};
    auto r = btf::core_relocate(insns, l.spec, t);
    EXPECT_FALSE(r);
    return r ? errc::sys : r.error().code();
  };
  // The compiler's value must be the local one.
  EXPECT_EQ(refused(insn::ld_mem(insn::Size::dw, R1, R2, 12), "0:1", CoreReloKind::field_byte_offset), errc::bad_relocation);
  EXPECT_EQ(refused(insn::mov(R1, 3), "0:2", CoreReloKind::field_byte_size), errc::bad_relocation);
  // Relocations land only on ALU immediates, loads/stores and lddw.
  EXPECT_EQ(refused(insn::ja(std::int16_t{0}), "0:1", CoreReloKind::field_byte_offset), errc::bad_relocation);
  EXPECT_EQ(refused(insn::mov(R1, R2), "0:1", CoreReloKind::field_byte_offset), errc::bad_relocation);
}

TEST(CoreRelocate, MalformedRecords) {
  const Local l = make_local();
  btf::CoreTargets t{{make_target()}};
  auto code_of = [&](btf::TypeId type, std::string access, std::uint32_t kind) {
    insn::Instruction ins = insn::mov(R1, 0);
    ins.metadata.set_core_relocation(insn::CoreRelocation{type, std::move(access), kind});
    insn::Instructions insns{ins, insn::exit()};
    auto r = btf::core_relocate(insns, l.spec, t);
    return r ? errc::sys : r.error().code();
  };
  EXPECT_EQ(code_of(l.s, "", 0), errc::malformed);
  EXPECT_EQ(code_of(l.s, "0:", 0), errc::malformed);
  EXPECT_EQ(code_of(l.s, "0::1", 0), errc::malformed);
  EXPECT_EQ(code_of(l.s, "x", 0), errc::malformed);
  EXPECT_EQ(code_of(l.s, "0:99", 0), errc::malformed);
  EXPECT_EQ(code_of(l.s, "0:99999999999", 0), errc::malformed);
  EXPECT_EQ(code_of(l.s, "0:0:1", 0), errc::malformed);  // walks into an int
  EXPECT_EQ(code_of(9999, "0", 0), errc::malformed);
  EXPECT_EQ(code_of(l.s, "1", 8), errc::malformed);   // type relocation with a non-zero access
  EXPECT_EQ(code_of(l.s, "0", 11), errc::malformed);  // enum value relocation on a struct
  EXPECT_EQ(code_of(l.e64, "7", 11), errc::malformed);
  EXPECT_EQ(code_of(l.s, "0", 13), errc::not_supported);
  std::string deep = "0";
  for (int i = 0; i < 100; ++i) deep += ":0";
  EXPECT_EQ(code_of(l.s, deep, 0), errc::malformed);
}

TEST(CoreRelocate, HostileTargetBtfTerminates) {
  // Target struct s whose anonymous members are s itself: a naive member search never ends.
  Builder b;
  const auto i32 = b.add_int("int", 4, btf::kIntSigned);
  const btf::TypeId self = 2;
  const Builder::MemberSpec m[] = {{"", self, 0, 0}, {"", self, 0, 0}, {"", self, 0, 0}, {"zz", i32, 0, 0}};
  ASSERT_EQ(b.add_struct("s", 24, m), self);
  auto target = b.spec();
  ASSERT_TRUE(target);
  const Local l = make_local();
  btf::CoreTargets t{{*target}};
  insn::Instructions insns{with_relo(insn::mov(R1, 8), l.s, "0:1", CoreReloKind::field_byte_offset), insn::exit()};
  const auto start = std::chrono::steady_clock::now();
  auto r = btf::core_relocate(insns, l.spec, t);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_FALSE(r);
}

TEST(CoreRelocate, AgreeingFlavoursAreNotAmbiguous) {
  Builder b;
  const auto i64 = b.add_int("long long", 8, btf::kIntSigned);
  const Builder::MemberSpec m[] = {{"b", i64, 64, 0}};
  b.add_struct("s___x", 16, m);
  b.add_struct("s___y", 16, m);
  auto target = b.spec();
  ASSERT_TRUE(target);
  const Local l = make_local();
  btf::CoreTargets t{{*target}};
  insn::Instructions insns{with_relo(insn::mov(R1, 8), l.s, "0:1", CoreReloKind::field_byte_offset),
                           with_relo(insn::mov(R1, 1), l.s, "0", CoreReloKind::type_exists), insn::exit()};
  auto r = btf::core_relocate(insns, l.spec, t);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(insns[0].constant, 8);
  EXPECT_EQ(insns[1].constant, 1);
}

TEST(CoreRelocate, TypeIdLocalNeedsNoTarget) {
  const Local l = make_local();
  btf::CoreTargets none;
  insn::Instructions insns{with_relo(insn::load_imm64(R1, l.s), l.s, "0", CoreReloKind::type_id_local),
                           with_relo(insn::load_imm64(R1, l.s), l.s, "0", CoreReloKind::type_id_target),
                           with_relo(insn::mov(R1, 1), l.s, "0", CoreReloKind::type_exists), insn::exit()};
  auto r = btf::core_relocate(insns, l.spec, none);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(insns[0].constant, l.s);
  EXPECT_EQ(insns[1].constant, 0);  // no target type: 0, not poisoned
  EXPECT_EQ(insns[2].constant, 0);
}

}  // namespace
