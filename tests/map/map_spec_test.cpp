// MapSpec: copies, fix-ups, compatibility; CPU list and fdinfo parsing.
#include <gtest/gtest.h>

#include "ebpf/map.hpp"
#include "map_test_util.hpp"
#include "support/kernel_test.hpp"

namespace ebpf {
namespace {

using test::KernelTest;

TEST(MapSpec, CopyIsDeepIncludingInnerMap) {
  MapSpec outer;
  outer.name = "outer";
  outer.type = MapType::array_of_maps;
  outer.inner_map = std::make_unique<MapSpec>();
  outer.inner_map->type = MapType::array;
  outer.contents.push_back({{std::byte{1}}, ObjectRef{"inner"}});
  MapSpec copy = outer;
  copy.inner_map->type = MapType::hash;
  std::get<ObjectRef>(copy.contents[0].value).name = "other";
  EXPECT_EQ(outer.inner_map->type, MapType::array);
  EXPECT_EQ(std::get<ObjectRef>(outer.contents[0].value).name, "inner");
  EXPECT_EQ(copy.name, "outer");
}

TEST(MapSpec, ToStringNamesTypeAndSizes) {
  MapSpec s = test::make_spec(MapType::hash, 4, 8, 16, 0, "x");
  EXPECT_EQ(s.to_string(), "hash(key_size=4, value_size=8, max_entries=16, flags=0)");
}

TEST(MapSpec, FixupMapOfMapsValueSizeFour) {
  MapSpec s = test::make_spec(MapType::hash_of_maps, 4, 0, 2);
  auto f = s.fixed_up();
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_EQ(f->value_size, 4u);
  s.value_size = 8;
  auto bad = s.fixed_up();
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(errc::invalid_argument));
  EXPECT_NE(bad.error().message().find("map of maps"), std::string::npos);
}

TEST(MapSpec, FixupPerfEventArraySizesAndClamp) {
  auto cpus = possible_cpus();
  ASSERT_TRUE(cpus) << cpus.error().message();
  MapSpec s = test::make_spec(MapType::perf_event_array, 0, 0, 0);
  auto f = s.fixed_up();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->key_size, 4u);
  EXPECT_EQ(f->value_size, 4u);
  EXPECT_EQ(f->max_entries, *cpus);
  s.max_entries = 4096;  // hard-coded large constants are clamped
  EXPECT_EQ(s.fixed_up()->max_entries, *cpus);
  s.max_entries = 1;  // fewer entries than CPUs stay
  EXPECT_EQ(s.fixed_up()->max_entries, 1u);
  s.key_size = 8;
  EXPECT_TRUE(s.fixed_up().error().is(errc::invalid_argument));
  s.key_size = 4;
  s.value_size = 2;
  EXPECT_NE(s.fixed_up().error().message().find("value size must be zero or four"), std::string::npos);
}

TEST(MapSpec, FixupCpuMapClamped) {
  auto cpus = possible_cpus();
  ASSERT_TRUE(cpus);
  MapSpec s = test::make_spec(MapType::cpumap, 4, 4, 1000);
  EXPECT_EQ(s.fixed_up()->max_entries, *cpus);
  s.max_entries = 0;
  EXPECT_EQ(s.fixed_up()->max_entries, *cpus);
}

TEST(PossibleCpus, ParsesKernelLists) {
  EXPECT_EQ(*parse_cpu_list("0\n"), 1u);
  EXPECT_EQ(*parse_cpu_list("0-3\n"), 4u);
  EXPECT_EQ(*parse_cpu_list("0,2-5,7"), 6u);
  EXPECT_TRUE(parse_cpu_list("").error().is(errc::malformed));
  EXPECT_TRUE(parse_cpu_list("3-1").error().is(errc::malformed));
  EXPECT_TRUE(parse_cpu_list("a-b").error().is(errc::malformed));
  EXPECT_TRUE(parse_cpu_list("0-4294967295").error().is(errc::malformed));
  auto n = possible_cpus();
  ASSERT_TRUE(n);
  EXPECT_GE(*n, 1u);
}

TEST(MapInfo, ParsesFdinfo) {
  const char* text =
      "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1057\nmap_type:\t1\nkey_size:\t4\nvalue_size:\t8\n"
      "max_entries:\t16\nmap_flags:\t0x1\nmap_extra:\t0x0\nmemlock:\t1024\nmap_id:\t42\nfrozen:\t0\n";
  auto info = parse_map_fdinfo(text);
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->type, 1u);
  EXPECT_EQ(info->key_size, 4u);
  EXPECT_EQ(info->value_size, 8u);
  EXPECT_EQ(info->max_entries, 16u);
  EXPECT_EQ(info->map_flags, 1u);
  EXPECT_EQ(info->id, 42u);
  EXPECT_TRUE(parse_map_fdinfo("pos:\t0\n").error().is(errc::malformed));
  EXPECT_TRUE(parse_map_fdinfo("map_type:\tzz\n").error().is(errc::malformed));
  EXPECT_TRUE(parse_map_fdinfo("map_type:\t99999999999\n").error().is(errc::malformed));
}

class MapCompat : public KernelTest {};

TEST_F(MapCompat, CompatibleListsEveryDifference) {
  MapSpec spec = test::make_spec(MapType::hash, 4, 4, 8, 0, "c");
  auto m = Map::create(spec);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_TRUE(spec.compatible(*m));

  MapSpec other = test::make_spec(MapType::lru_hash, 8, 16, 9, 1);
  auto diff = other.compatible(*m);
  ASSERT_FALSE(diff);
  EXPECT_TRUE(diff.error().is(errc::map_incompatible));
  const std::string msg = diff.error().message();
  EXPECT_NE(msg.find("type: hash changed to lru_hash"), std::string::npos) << msg;
  EXPECT_NE(msg.find("key size: 4 changed to 8"), std::string::npos) << msg;
  EXPECT_NE(msg.find("value size: 4 changed to 16"), std::string::npos) << msg;
  EXPECT_NE(msg.find("max entries: 8 changed to 9"), std::string::npos) << msg;
  EXPECT_NE(msg.find("flags: 0 changed to 1"), std::string::npos) << msg;

  Map closed;
  EXPECT_TRUE(spec.compatible(closed).error().is(errc::closed));
}

TEST_F(MapCompat, DevmapMayDifferInReadOnlyProgFlagOnly) {
  MapSpec spec = test::make_spec(MapType::devmap, 4, 4, 2, 0, "dm");
  auto m = Map::create(spec);
  ASSERT_TRUE(m) << m.error().message();
  // Seen through the kernel's eyes the devmap carries BPF_F_RDONLY_PROG.
  auto c = m->clone();
  ASSERT_TRUE(c);
  auto reread = Map::from_fd(sys::Fd(c->fd() >= 0 ? ::dup(c->fd()) : -1));
  ASSERT_TRUE(reread) << reread.error().message();
  EXPECT_EQ(reread->flags() & map_flags::rdonly_prog, map_flags::rdonly_prog);
  EXPECT_TRUE(spec.compatible(*reread));
  MapSpec hash_spec = spec;
  hash_spec.type = MapType::hash;  // the exception is for devmaps only
  hash_spec.flags = 0;
  EXPECT_FALSE(hash_spec.compatible(*reread));
  MapSpec other_flag = spec;
  other_flag.flags = map_flags::numa_node;
  EXPECT_FALSE(other_flag.compatible(*reread));
}

}  // namespace
}  // namespace ebpf
