// Malformed BTF: clear errors, never a crash, hang or unbounded allocation.
#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "btf_test_util.hpp"
#include "ebpf/btf/btf.hpp"
#include "ebpf/btf/builder.hpp"
#include "ebpf/btf/dump.hpp"

namespace ebpf::btf {
namespace {

std::vector<std::byte> valid_blob() {
  Builder b;
  TypeId i = b.add_int("int", 4, kIntSigned);
  TypeId p = b.add_ptr(i);
  Builder::MemberSpec m[] = {{"a", i, 0, 0}, {"b", p, 64, 0}};
  b.add_struct("s", 16, m);
  auto blob = b.marshal();
  EXPECT_TRUE(blob);
  return *blob;
}

void put32(std::vector<std::byte>& b, std::size_t off, std::uint32_t v) { std::memcpy(b.data() + off, &v, 4); }

TEST(BtfHostile, EveryTruncationIsAnError) {
  auto blob = valid_blob();
  ASSERT_TRUE(Spec::parse(blob));
  for (std::size_t n = 0; n < blob.size(); ++n) {
    auto r = Spec::parse(std::span(blob).first(n));
    ASSERT_FALSE(r) << n;
    EXPECT_TRUE(r.error().is(errc::malformed)) << r.error().message();
  }
}

TEST(BtfHostile, ObjectBlobsSurviveEveryTruncationAndByteFlip) {
  auto blob = test::dump_section(test::bpf_object("btf_types", "bpfel"), ".BTF");
  ASSERT_FALSE(blob.empty());
  for (std::size_t n = 0; n < blob.size(); n += 7) EXPECT_FALSE(Spec::parse(std::span(blob).first(n)));
  // Flip every byte of the type section: parse may succeed, then every accessor must stay in bounds.
  for (std::size_t i = 24; i < blob.size(); i += 5) {
    auto copy = blob;
    copy[i] = ~copy[i];
    auto s = Spec::parse(copy);
    if (!s) continue;
    (void)s->validate();
    for (TypeId id = 0; id < s->type_count(); ++id) {
      (void)s->size_of(id);
      (void)s->format_c(id);
    }
    (void)dump_raw(*s);
    (void)dump_c(*s);
  }
  // An anonymous struct containing itself by value (a cycle) and a typedef cycle still dump.
  Builder b;
  Builder::MemberSpec m[] = {{"self", 1, 0, 0}};
  b.add_struct("", 8, m);
  b.add_typedef("loop_a", 3);
  b.add_typedef("loop_b", 2);
  Builder::MemberSpec outer[] = {{"x", 1, 0, 0}, {"y", 2, 64, 0}};
  b.add_struct("outer", 16, outer);
  auto cyc = b.spec();
  ASSERT_TRUE(cyc);
  auto c = dump_c(*cyc);
  if (c) {
    EXPECT_NE(c->find("struct outer"), std::string::npos);
  } else {
    EXPECT_TRUE(c.error().is(errc::malformed)) << c.error().message();
  }
}

TEST(BtfHostile, HeaderFieldsAreChecked) {
  auto base = valid_blob();
  struct Case {
    std::size_t off;
    std::uint32_t value;
    const char* expect;
  } cases[] = {
      {4, 8, "header length"},             // hdr_len too small
      {4, 0xfffffff0, "header length"},    // hdr_len past the end
      {12, 0xffffff00, "type section"},    // type_len huge
      {8, 0xfffffff0, "type section"},     // type_off huge
      {20, 0xffffff00, "string section"},  // str_len huge
      {16, 2, "overlap"},                  // strings overlapping types
      {12, 13, "multiple of 4"},
  };
  for (const auto& c : cases) {
    auto b = base;
    put32(b, c.off, c.value);
    auto r = Spec::parse(b);
    ASSERT_FALSE(r) << c.expect;
    EXPECT_NE(r.error().message().find(c.expect), std::string::npos) << r.error().message();
  }
  auto b = base;
  b[0] = std::byte{0};
  EXPECT_NE(Spec::parse(b).error().message().find("magic"), std::string::npos);
  b = base;
  b[2] = std::byte{2};
  EXPECT_NE(Spec::parse(b).error().message().find("version"), std::string::npos);
}

TEST(BtfHostile, BadKindAndAbsurdVlen) {
  auto blob = valid_blob();
  // First type's info word: kind 31.
  auto b = blob;
  put32(b, 24 + 4, 31u << 24);
  auto r = Spec::parse(b);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("kind"), std::string::npos);
  // STRUCT (3rd type, after INT (16 bytes) and PTR (12 bytes)) claiming 65535 members.
  b = blob;
  put32(b, 24 + 16 + 12 + 4, (4u << 24) | 0xffff);
  r = Spec::parse(b);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("truncated"), std::string::npos);
}

TEST(BtfHostile, OutOfRangeIdsAndStringsAreFoundByValidate) {
  auto blob = valid_blob();
  // PTR (2nd type, at types+16) pointing at id 999.
  auto b = blob;
  put32(b, 24 + 16 + 8, 999);
  auto s = Spec::parse(b);
  ASSERT_TRUE(s);
  auto v = s->validate();
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message().find("[2]"), std::string::npos) << v.error().message();
  EXPECT_TRUE(s->type(999).error().is(errc::not_found));
  EXPECT_EQ(*s->size_of(3), 16u) << "size_of of the struct does not follow the pointer";
  EXPECT_FALSE(s->skip_qualifiers(999));
  Builder copy;
  EXPECT_FALSE(copy.copy(*s, 2)) << "deep copy reports the dangling id";
  // Name offset past the string section.
  b = blob;
  put32(b, 24, 0x00ffffff);
  s = Spec::parse(b);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->type(1)->name().empty());
  EXPECT_FALSE(s->validate());
  EXPECT_FALSE(s->string_at(0x00ffffff));
  Builder c2;
  EXPECT_FALSE(c2.copy(*s, 1));
}

TEST(BtfHostile, BlobWithoutTypesRoundTrips) {
  // Found by the fuzzer: an empty type section at the same offset as the strings is not an overlap.
  Builder b;
  auto s = b.spec();
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->type_count(), 1u);
  EXPECT_TRUE(s->find("x").error().is(errc::not_found));
}

TEST(BtfHostile, StringSectionMustBeTerminated) {
  auto blob = valid_blob();
  blob.back() = std::byte{'x'};
  auto r = Spec::parse(blob);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("NUL"), std::string::npos);
}

TEST(BtfHostile, HugeArraysDoNotOverflowSizeOf) {
  Builder b;
  TypeId i = b.add_int("int", 4, kIntSigned);
  TypeId a = b.add_array(i, i, 0xffffffff);
  TypeId aa = b.add_array(a, i, 0xffffffff);
  auto s = b.spec();
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->size_of(a), 4ull * 0xffffffff);
  auto r = s->size_of(aa);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::malformed));
}

TEST(BtfHostile, ConcurrentFirstLookups) {
  auto blob = test::dump_section(test::bpf_object("btf_types", "bpfel"), ".BTF");
  auto s = Spec::parse(blob);
  ASSERT_TRUE(s);
  std::vector<std::thread> threads;
  std::atomic<int> found{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      if (s->find("btf_value", Kind::struct_)) ++found;
      if (kernel()) ++found;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(found.load(), 8);
}

}  // namespace
}  // namespace ebpf::btf
