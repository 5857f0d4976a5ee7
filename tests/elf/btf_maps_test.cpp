#include <gtest/gtest.h>

#include "ebpf/collection_spec.hpp"
#include "elf_test_util.hpp"

using namespace ebpf;

namespace {

class BtfObject : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    auto s = load_collection_spec(test::bpf_object("elf_btf", GetParam()));
    ASSERT_TRUE(s) << s.error().message();
    spec = std::move(*s);
  }
  CollectionSpec spec;
};

std::string error_of(std::string_view stem) {
  auto s = load_collection_spec(test::bpf_object(stem, "bpfel"));
  EXPECT_FALSE(s);
  return s ? std::string() : s.error().message();
}

}  // namespace

TEST_P(BtfObject, TypedAndSizedDefinitions) {
  const auto& flows = spec.maps.at("flows");
  EXPECT_EQ(flows.type, MapType::hash);
  EXPECT_EQ(flows.key_size, 12u);  // struct flow
  EXPECT_EQ(flows.value_size, 8u);
  EXPECT_EQ(flows.max_entries, 1024u);
  EXPECT_EQ(flows.flags, map_flags::no_prealloc);
  EXPECT_EQ(flows.pinning, PinType::by_name);
  const auto& stats = spec.maps.at("stats");
  EXPECT_EQ(stats.type, MapType::percpu_array);
  EXPECT_EQ(stats.key_size, 4u);
  EXPECT_EQ(stats.value_size, 16u);
  EXPECT_EQ(stats.max_entries, 8u);
  EXPECT_EQ(spec.maps.at("bloom").map_extra, 3u);
  EXPECT_EQ(spec.maps.at("bloom").key_size, 0u);
  EXPECT_EQ(spec.maps.at("events").type, MapType::ringbuf);
  EXPECT_EQ(spec.maps.at("events").max_entries, 4096u);
  EXPECT_EQ(spec.maps.at("perf_events").type, MapType::perf_event_array);
}

TEST_P(BtfObject, MapInMapWithStaticValues) {
  const auto& outer = spec.maps.at("outer_array");
  EXPECT_EQ(outer.type, MapType::array_of_maps);
  EXPECT_EQ(outer.value_size, 4u);
  ASSERT_NE(outer.inner_map, nullptr);
  EXPECT_EQ(outer.inner_map->name, "outer_array_inner");
  EXPECT_EQ(outer.inner_map->type, MapType::array);
  EXPECT_EQ(outer.inner_map->value_size, 4u);
  ASSERT_EQ(outer.contents.size(), 2u);
  auto key = [&](std::uint32_t k) {
    if (spec.byte_order != std::endian::native) k = __builtin_bswap32(k);
    std::vector<std::byte> b(4);
    std::memcpy(b.data(), &k, 4);
    return b;
  };
  EXPECT_EQ(outer.contents[0].key, key(0));
  EXPECT_EQ(std::get<ObjectRef>(outer.contents[0].value).name, "inner_one");
  EXPECT_EQ(outer.contents[1].key, key(2));
  EXPECT_EQ(std::get<ObjectRef>(outer.contents[1].value).name, "inner_two");

  const auto& hash = spec.maps.at("outer_hash");
  ASSERT_NE(hash.inner_map, nullptr);
  EXPECT_EQ(hash.inner_map->name, "outer_hash_inner");  // anonymous inner definition
  EXPECT_EQ(hash.inner_map->type, MapType::hash);
  EXPECT_EQ(hash.inner_map->key_size, 8u);
  EXPECT_EQ(hash.inner_map->max_entries, 16u);
  EXPECT_TRUE(hash.contents.empty());

  const auto& jumps = spec.maps.at("jumps");
  EXPECT_EQ(jumps.type, MapType::prog_array);
  ASSERT_EQ(jumps.contents.size(), 1u);
  EXPECT_EQ(jumps.contents[0].key, key(1));
  EXPECT_EQ(std::get<ObjectRef>(jumps.contents[0].value).name, "tail_target");

  CollectionSpec copy = spec;  // inner maps are deep-copied
  copy.maps.at("outer_hash").inner_map->max_entries = 1;
  EXPECT_EQ(spec.maps.at("outer_hash").inner_map->max_entries, 16u);
}

TEST_P(BtfObject, BtfSharedWithProgramsAndVariables) {
  ASSERT_NE(spec.btf, nullptr);
  EXPECT_GT(spec.btf->type_count(), 10u);
  for (auto& [n, p] : spec.programs) EXPECT_EQ(p.btf, spec.btf) << n;
  ASSERT_TRUE(spec.variables.contains("sample_rate"));
  const auto& v = spec.variables.at("sample_rate");
  ASSERT_NE(v.type, 0u);
  auto size = spec.btf->size_of(v.type);
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, 4u);
  EXPECT_FALSE(spec.variables.contains("flows")) << "map definitions are not variables";
  auto refs = spec.programs.at("classify").map_references();
  for (const char* m : {"outer_array", "stats", "bloom", "jumps", "flows", ".rodata", ".bss"})
    EXPECT_NE(std::find(refs.begin(), refs.end(), m), refs.end()) << m;
}

INSTANTIATE_TEST_SUITE_P(ByteOrders, BtfObject, ::testing::Values("bpfel", "bpfeb"));

TEST(BtfMaps, RejectsUnknownField) {
  auto msg = error_of("elf_bad_btf_field");
  EXPECT_NE(msg.find("section .maps: map odd_map: unrecognized field colour"), std::string::npos) << msg;
}

TEST(BtfMaps, RejectsValuesNotLast) {
  auto msg = error_of("elf_bad_btf_values_order");
  EXPECT_NE(msg.find("map misordered: 'values' must be the last field"), std::string::npos) << msg;
}

TEST(BtfMaps, RejectsInitialisedDefinitions) {
  auto s = load_collection_spec(test::bpf_object("elf_bad_btf_nonzero", "bpfeb"));
  ASSERT_FALSE(s);
  EXPECT_TRUE(s.error().is(errc::not_supported));
  EXPECT_NE(s.error().message().find("map initialised_map"), std::string::npos) << s.error().message();
}

#ifdef EBPFPP_HAVE_CLANG16_OBJECTS
TEST(BtfMaps, SixtyFourBitMapExtra) {
  for (const char* order : {"bpfel", "bpfeb"}) {
    auto s = load_collection_spec(test::bpf_object("elf_btf_extra64", order));
    ASSERT_TRUE(s) << s.error().message();
    EXPECT_EQ(s->maps.at("big_extra").map_extra, 0x500000003ull) << order;
    EXPECT_EQ(s->maps.at("big_extra").value_size, 8u);
  }
}
#endif

TEST(BtfExt, DebugInfoSurvivesLinkingAndCopying) {
  for (const char* order : {"bpfel", "bpfeb"}) {
    auto s = load_collection_spec(test::bpf_object("elf_btf", order));
    ASSERT_TRUE(s) << s.error().message();
    CollectionSpec copy = *s;
    for (const auto& [name, prog] : copy.programs) {
      std::size_t funcs = 0, lines = 0;
      for (const auto& ins : prog.instructions) {
        if (!ins.symbol().empty()) {
          ++funcs;
          auto id = ins.metadata.func_info();
          ASSERT_TRUE(id.has_value()) << name << ": function " << ins.symbol() << " lacks func info";
          auto t = s->btf->type(*id);
          ASSERT_TRUE(t);
          EXPECT_EQ(t->kind(), btf::Kind::func);
          EXPECT_EQ(t->name(), ins.symbol());
        }
        if (const auto* src = ins.metadata.source()) {
          EXPECT_NE(src->file_name.find("elf_btf.bpf.c"), std::string::npos);
          if (src->line_number > 0) {  // 0: compiler-generated code
            ++lines;
            EXPECT_FALSE(src->line.empty());
          }
        }
      }
      EXPECT_GE(funcs, 1u);
      EXPECT_GT(lines, 0u) << name;
    }
    // classify calls count_flow, whose debug information comes along.
    bool linked = false;
    for (const auto& ins : copy.programs.at("classify").instructions)
      linked |= ins.symbol() == "count_flow" && ins.metadata.func_info().has_value();
    EXPECT_TRUE(linked);
    const insn::CoreRelocation* core = nullptr;
    for (const auto& ins : copy.programs.at("core_read").instructions)
      if (ins.metadata.core_relocation()) core = ins.metadata.core_relocation();
    ASSERT_NE(core, nullptr) << order;
    EXPECT_EQ(core->access, "0:1");  // task->tgid
    EXPECT_EQ(core->kind, 0u);       // field byte offset
    auto root = s->btf->type(core->type_id);
    ASSERT_TRUE(root);
    EXPECT_EQ(root->name(), "task_struct");
  }
}

TEST(StructOps, MapsAndMemberPrograms) {
  for (const char* order : {"bpfel", "bpfeb"}) {
    auto s = load_collection_spec(test::bpf_object("elf_struct_ops", order));
    ASSERT_TRUE(s) << s.error().message();
    const auto& plain = s->maps.at("plain_ops");
    EXPECT_EQ(plain.type, MapType::struct_ops);
    EXPECT_EQ(plain.key_size, 4u);
    EXPECT_EQ(plain.value_size, 40u);  // two pointers, an int (+ padding to the char array), char[16]
    EXPECT_EQ(plain.max_entries, 1u);
    EXPECT_EQ(plain.flags, 0u);
    ASSERT_EQ(plain.contents.size(), 1u);
    const auto& bytes = std::get<std::vector<std::byte>>(plain.contents[0].value);
    ASSERT_EQ(bytes.size(), 40u);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data()) + 20, 5), "plain");
    const auto& linked = s->maps.at("linked_ops");
    EXPECT_EQ(linked.flags, map_flags::link);
    EXPECT_EQ(s->programs.at("demo_init").type, ProgramType::struct_ops);
    EXPECT_EQ(s->programs.at("demo_init").attach_to, "demo_ops:init");
    EXPECT_EQ(s->programs.at("demo_release").attach_to, "demo_ops:release");
    EXPECT_EQ(s->programs.at("demo_release").flags, prog_flags::sleepable);
  }
}
