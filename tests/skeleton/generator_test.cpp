// The generator on hand-built BTF: naming rules, layouts it must reproduce, what stays untyped.
#include <gtest/gtest.h>

#include <memory>

#include "ebpf/btf/builder.hpp"
#include "ebpf/gen/skeleton.hpp"

namespace {

using ebpf::btf::Builder;

struct Built {
  ebpf::CollectionSpec spec;
  std::string header;
};

// A spec with one hash map `m` (key: u32, value: `value`) and one per-CPU array `p` of the same value.
Built generate(Builder& b, ebpf::btf::TypeId value, const std::string& name = "obj") {
  const auto u32 = b.add_int("unsigned int", 4);
  auto btf = b.spec();
  EXPECT_TRUE(btf) << btf.error().message();
  Built out;
  out.spec.btf = std::make_shared<const ebpf::btf::Spec>(*btf);
  auto size = btf->size_of(value);
  EXPECT_TRUE(size);
  for (auto [n, type] : {std::pair{"m", ebpf::MapType::hash}, std::pair{"p", ebpf::MapType::percpu_array}}) {
    ebpf::MapSpec m;
    m.name = n;
    m.type = type;
    m.key_size = 4;
    m.value_size = static_cast<std::uint32_t>(*size);
    m.max_entries = 1;
    m.btf = out.spec.btf;
    m.key_type = u32;
    m.value_type = value;
    out.spec.maps.emplace(n, std::move(m));
  }
  auto h = ebpf::gen::generate_skeleton(out.spec, {.name = name, .object_name = name + ".o"});
  EXPECT_TRUE(h) << h.error().message();
  if (h) out.header = *h;
  return out;
}

bool contains(const std::string& h, const std::string& s) { return h.find(s) != std::string::npos; }

TEST(SkeletonGenerator, TypedefOfAnonymousStructNamesIt) {
  Builder b;
  const auto u16 = b.add_int("unsigned short", 2);
  const Builder::MemberSpec members[] = {{"a", u16, 0, 0}, {"b", u16, 16, 0}};
  const auto anon = b.add_struct("", 4, members);
  const auto td = b.add_typedef("pair_t", anon);
  auto g = generate(b, td);
  EXPECT_TRUE(contains(g.header, "struct pair_t {")) << g.header;
  EXPECT_TRUE(contains(g.header, "ebpf::TypedMap<std::uint32_t, pair_t> m;")) << g.header;
  EXPECT_TRUE(contains(g.header, "ebpf::Map p;")) << "per-CPU maps stay untyped\n" << g.header;
  EXPECT_FALSE(contains(g.header, "using pair_t"));
}

TEST(SkeletonGenerator, MemberNamedLikeItsTypeIsQualifiedAndKeywordsAreRenamed) {
  Builder b;
  const auto u32 = b.add_int("unsigned int", 4);
  const Builder::EnumSpec values[] = {{"A", 1}, {"new", 2}};
  const auto e = b.add_enum("state", 4, values);
  const Builder::MemberSpec members[] = {{"state", e, 0, 0}, {"delete", u32, 32, 0}, {"obj", u32, 64, 0}};
  const auto s = b.add_struct("obj", 12, members);
  auto g = generate(b, s, "obj");
  // The class is `obj`, so the struct of that name yields: `obj_`; its member `obj` is fine in a nested struct.
  EXPECT_TRUE(contains(g.header, "struct obj_ {")) << g.header;
  EXPECT_TRUE(contains(g.header, "obj::state state;")) << g.header;
  EXPECT_TRUE(contains(g.header, "std::uint32_t delete_;")) << g.header;
  EXPECT_TRUE(contains(g.header, "new_ = 2")) << g.header;
}

TEST(SkeletonGenerator, OverAlignedAndPaddedLayouts) {
  Builder b;
  const auto u8 = b.add_int("unsigned char", 1);
  const auto u64 = b.add_int("unsigned long long", 8);
  // u8 at 0, u64 at 16 (a gap the compiler would not leave), size 32.
  const Builder::MemberSpec members[] = {{"x", u8, 0, 0}, {"y", u64, 128, 0}};
  const auto s = b.add_struct("gappy", 32, members);
  auto g = generate(b, s);
  EXPECT_TRUE(contains(g.header, "std::uint8_t pad_1_[15];")) << g.header;
  EXPECT_TRUE(contains(g.header, "std::uint8_t pad_24_[8];")) << g.header;
  EXPECT_TRUE(contains(g.header, "static_assert(offsetof(gappy, y) == 16);")) << g.header;
}

TEST(SkeletonGenerator, OverlappingMembersAreReportedAndTheMapStaysUntyped) {
  Builder b;
  const auto u32 = b.add_int("unsigned int", 4);
  const Builder::MemberSpec members[] = {{"a", u32, 0, 0}, {"b", u32, 16, 0}};  // b overlaps a
  const auto s = b.add_struct("bad", 8, members);
  auto g = generate(b, s);
  EXPECT_TRUE(contains(g.header, "// map m: untyped:")) << g.header;
  EXPECT_TRUE(contains(g.header, "ebpf::Map m;")) << g.header;
}

TEST(SkeletonGenerator, WithoutBtfEverythingIsBytes) {
  ebpf::CollectionSpec spec;
  ebpf::MapSpec d;
  d.name = ".data";
  d.type = ebpf::MapType::array;
  d.key_size = 4;
  d.value_size = 12;
  d.max_entries = 1;
  spec.maps.emplace(".data", std::move(d));
  spec.variables.emplace("x", ebpf::VariableSpec{"x", ".data", 0, 4, 0});
  spec.variables.emplace("y", ebpf::VariableSpec{"y", ".data", 8, 4, 0});
  auto h = ebpf::gen::generate_skeleton(spec, {.name = "nobtf"});
  ASSERT_TRUE(h) << h.error().message();
  EXPECT_TRUE(contains(*h, "std::uint8_t x[4];")) << *h;
  EXPECT_TRUE(contains(*h, "std::uint8_t y[4];")) << *h;
  EXPECT_TRUE(contains(*h, "data_section* data() noexcept")) << *h;
  EXPECT_FALSE(contains(*h, "static ebpf::Result<nobtf> open() {")) << "no object bytes given: open(path) only";
}

}  // namespace
