// iproute2's legacy map-in-map (struct bpf_elf_map id / inner_id / inner_idx) and BTF decl tags on map
// definitions.
#include <gtest/gtest.h>

#include <cstring>

#include "ebpf/collection.hpp"
#include "ebpf/collection_spec.hpp"
#include "elf_test_util.hpp"

using namespace ebpf;

namespace {

class LegacyInner : public ::testing::TestWithParam<const char*> {};

std::vector<std::byte> key_bytes(std::uint32_t k, std::endian order) {
  if (order != std::endian::native) k = __builtin_bswap32(k);
  std::vector<std::byte> b(4);
  std::memcpy(b.data(), &k, 4);
  return b;
}

}  // namespace

TEST_P(LegacyInner, InnerIdNamesTheTemplateAndInnerIdxItsSlot) {
  auto s = load_collection_spec(test::bpf_object("elf_legacy_inner", GetParam()));
  ASSERT_TRUE(s) << s.error().message();
  const MapSpec& outer = s->maps.at("outer");
  EXPECT_EQ(outer.type, MapType::array_of_maps);
  ASSERT_NE(outer.inner_map, nullptr);
  EXPECT_EQ(outer.inner_map->name, "inner");
  EXPECT_EQ(outer.inner_map->type, MapType::array);
  EXPECT_EQ(outer.inner_map->value_size, 8u);
  EXPECT_EQ(outer.inner_map->max_entries, 2u);
  ASSERT_EQ(outer.contents.size(), 1u);
  EXPECT_EQ(outer.contents[0].key, key_bytes(1, s->byte_order));
  EXPECT_EQ(std::get<ObjectRef>(outer.contents[0].value).name, "inner");
  // The interpreted iproute2 fields are not left over as unhandled bytes.
  EXPECT_TRUE(outer.extra.empty());
  EXPECT_TRUE(s->maps.at("inner").extra.empty());
  EXPECT_EQ(s->maps.at("inner").inner_map, nullptr);

  // inner_idx ~0: a template only, stored nowhere.
  const MapSpec& hash = s->maps.at("outer_hash");
  ASSERT_NE(hash.inner_map, nullptr);
  EXPECT_EQ(hash.inner_map->name, "template_only");
  EXPECT_EQ(hash.inner_map->type, MapType::hash);
  EXPECT_TRUE(hash.contents.empty());
}

INSTANTIATE_TEST_SUITE_P(ByteOrders, LegacyInner, ::testing::Values("bpfel", "bpfeb"));

TEST(LegacyInnerErrors, MissingInnerIdIsAnError) {
  // Rewrite the object's bytes: outer's inner_id (7) becomes 8, which no map has.
  std::vector<std::byte> bytes = test::read_object("elf_legacy_inner", "bpfel");
  ASSERT_FALSE(bytes.empty());
  // The outer definition: type 12 (array of maps), 4, 4, 4, 0, id 0, pinning 0, inner_id 7.
  const std::uint32_t pattern[] = {12, 4, 4, 4, 0, 0, 0, 7};
  std::size_t hits = 0;
  for (std::size_t i = 0; i + sizeof pattern <= bytes.size(); i += 4) {
    if (std::memcmp(bytes.data() + i, pattern, sizeof pattern) != 0) continue;
    const std::uint32_t eight = 8;
    std::memcpy(bytes.data() + i + 28, &eight, 4);
    ++hits;
  }
  ASSERT_EQ(hits, 1u);
  auto bad = load_collection_spec(bytes, "patched");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), errc::malformed);
  EXPECT_NE(bad.error().message().find("map outer: inner map with id 8 not found"), std::string::npos)
      << bad.error().message();
}

class LegacyInnerKernel : public test::KernelTest {};

TEST_F(LegacyInnerKernel, OuterHoldsTheInnerMapAtInnerIdx) {
  auto s = load_collection_spec(test::bpf_object("elf_legacy_inner", "bpfel"));
  ASSERT_TRUE(s) << s.error().message();
  auto c = Collection::load(*s);
  ASSERT_TRUE(c) << c.error().message();
  auto outer = c->map("outer");
  auto inner = c->map("inner");
  ASSERT_TRUE(outer && inner);
  auto inner_info = (*inner)->info();
  ASSERT_TRUE(inner_info) << inner_info.error().message();
  using U32 = std::uint32_t;
  auto id = (*outer)->lookup<U32, U32>(1);
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_EQ(*id, inner_info->id);
  auto empty = (*outer)->lookup<U32, U32>(0);
  EXPECT_FALSE(empty);  // nothing else stored
  // The program looking up through the outer map passed the verifier: the template matched.
  EXPECT_TRUE(c->program("lookup_inner"));
}

TEST(BtfMapTags, DeclTagsOnTheVariableOrTheStruct) {
  for (const char* order : {"bpfel", "bpfeb"}) {
    auto s = load_collection_spec(test::bpf_object("elf_btf_tags", order));
    ASSERT_TRUE(s) << s.error().message();
    EXPECT_EQ(s->maps.at("tagged").tags, (std::vector<std::string>{"owner:net", "second"})) << order;
    EXPECT_EQ(s->maps.at("by_struct").tags, (std::vector<std::string>{"on_struct"})) << order;
    EXPECT_TRUE(s->maps.at("untagged").tags.empty()) << order;
    // Tags travel with copies.
    MapSpec copy = s->maps.at("tagged");
    EXPECT_EQ(copy.tags.size(), 2u);
  }
}
