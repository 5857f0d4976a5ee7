// Objects nobody here wrote (issue 13), loaded and run in the kernel: a perf event array and a ring buffer with a
// BTF value type, an object made by static linking (bpftool gen object), and a char[N] kconfig extern whose value
// is longer than N.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ebpf/collection.hpp"
#include "ebpf/kernel/kconfig.hpp"
#include "support/kernel_test.hpp"

namespace ebpf {
namespace {

using test::KernelTest;

class ForeignObjectKernel : public KernelTest {};

CollectionSpec spec_of(const char* stem) {
  auto spec = load_collection_spec(test::bpf_object(stem));
  EXPECT_TRUE(spec) << spec.error().message();
  return spec ? std::move(*spec) : CollectionSpec{};
}

Result<std::uint32_t> run(const Program& p) {
  std::vector<std::byte> packet(64, std::byte{0});
  packet[12] = std::byte{0x08};
  EBPF_TRY(auto r, p.run({.data = packet}));
  return r.retval;
}

// A data-section map's single value.
std::vector<std::byte> section_value(Collection& c, const char* section) {
  auto m = c.map(section);
  if (!m) {
    ADD_FAILURE() << m.error().message();
    return {};
  }
  std::vector<std::byte> value((*m)->value_size());
  std::uint32_t key = 0;
  auto r = (*m)->lookup(std::as_bytes(std::span(&key, 1)), value);
  if (!r) ADD_FAILURE() << r.error().message();
  return value;
}

template <class T>
T variable_in(const CollectionSpec& spec, Collection& c, const char* name) {
  const VariableSpec& v = spec.variables.at(name);
  auto bytes = section_value(c, v.section.c_str());
  T out{};
  if (bytes.size() >= v.offset + sizeof(T)) std::memcpy(&out, bytes.data() + v.offset, sizeof(T));
  return out;
}

TEST_F(ForeignObjectKernel, RecordTypedPerfEventArrayAndRingBufferLoadAndRun) {
  CollectionSpec spec = spec_of("coll_perf_btf");
  auto coll = Collection::load(spec);
  ASSERT_TRUE(coll) << coll.error().message();
  auto perf = coll->map("perf_records");
  ASSERT_TRUE(perf);
  EXPECT_EQ((*perf)->key_size(), 4u);
  EXPECT_EQ((*perf)->value_size(), 4u);
  auto ring = coll->map("ring_records");
  ASSERT_TRUE(ring);
  EXPECT_EQ((*ring)->value_size(), 0u);
  auto emit = coll->program("emit");
  ASSERT_TRUE(emit);
  // No perf event in the array: that output fails (bit 0); the ring buffer takes the record (bit 1).
  auto r = run(**emit);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, 3u);
}

#ifdef EBPFPP_HAVE_LINKED_OBJECTS
TEST_F(ForeignObjectKernel, StaticallyLinkedObjectLoadsAndRuns) {
  CollectionSpec spec = spec_of("linked");
  auto coll = Collection::load(spec);
  ASSERT_TRUE(coll) << coll.error().message();
  auto a = coll->program("prog_a");
  auto b = coll->program("prog_b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(run(**a).value_or(0), 100u);
  EXPECT_EQ(run(**b).value_or(0), 200u);
  EXPECT_EQ(run(**b).value_or(0), 200u);
  auto lookup64 = [&](const char* map, std::uint32_t key) -> std::uint64_t {
    auto m = coll->map(map);
    if (!m) return ~0ull;
    return (*m)->lookup<std::uint32_t, std::uint64_t>(key).value_or(~0ull);
  };
  auto lookup32 = [&](const char* map, std::uint32_t key) -> std::uint32_t {
    auto m = coll->map(map);
    if (!m) return ~0u;
    return (*m)->lookup<std::uint32_t, std::uint32_t>(key).value_or(~0u);
  };
  EXPECT_EQ(lookup64("legacy_hash_a", 0), 11u);
  EXPECT_EQ(lookup64("legacy_array_a", 0), 22u);
  EXPECT_EQ(lookup64("btf_array_a", 0), 33u);
  EXPECT_EQ(lookup32("legacy_array_b", 2), 44u);
  EXPECT_EQ(lookup32("btf_hash_b", 2), 55u);
  EXPECT_EQ(variable_in<std::uint64_t>(spec, *coll, "calls_a"), 1u);
  EXPECT_EQ(variable_in<std::uint32_t>(spec, *coll, "calls_b"), 2u);
}
#endif

// CONFIG_DEFAULT_HOSTNAME into char[3]: "(none)" reads as "(no", not as zeros. The .kconfig map of the spec is the
// one created.
TEST_F(ForeignObjectKernel, KconfigStringLongerThanItsArrayKeepsTheLeadingBytes) {
  CollectionSpec spec = spec_of("coll_kconfig_str");
  auto coll = Collection::load(spec);
  ASSERT_TRUE(coll) << coll.error().message();
  auto kconfig = coll->map(".kconfig");
  ASSERT_TRUE(kconfig) << kconfig.error().message();
  EXPECT_EQ((*kconfig)->value_size(), spec.maps.at(".kconfig").value_size);
  EXPECT_FALSE(coll->map(".bss")) << "the unreferenced .bss is not created";
  auto prog = coll->program("kconfig_strings");
  ASSERT_TRUE(prog);
  ASSERT_EQ(run(**prog).value_or(0), 1u);  // the EBPFPP_ options are weak and absent: zero
  std::string want(3, '\0');
  if (auto cfg = kernel::KernelConfig::running(); cfg) {
    if (auto s = (*cfg)->string("CONFIG_DEFAULT_HOSTNAME"); s) {
      const std::size_t n = std::min<std::size_t>(s->size(), 3);
      want.replace(0, n, s->substr(0, n));
    }
  }
  auto data = section_value(*coll, ".data");
  const VariableSpec& v = spec.variables.at("hostname");
  ASSERT_GE(data.size(), v.offset + 3);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(data.data()) + v.offset, 3), want);
}

// The spec's .kconfig map must match the externs' layout; a spec without it still loads (an internal map).
TEST_F(ForeignObjectKernel, KconfigMapOfAnEditedSpec) {
  CollectionSpec spec = spec_of("coll_kconfig_str");
  {
    CollectionSpec wrong = spec;
    wrong.maps.at(".kconfig").value_size += 8;
    auto coll = Collection::load(wrong);
    ASSERT_FALSE(coll);
    EXPECT_TRUE(coll.error().is(errc::invalid_argument)) << coll.error().message();
    EXPECT_NE(coll.error().message().find("map .kconfig: spec"), std::string::npos) << coll.error().message();
  }
  CollectionSpec without = spec;
  without.maps.erase(".kconfig");
  auto coll = Collection::load(without);
  ASSERT_TRUE(coll) << coll.error().message();
  EXPECT_FALSE(coll->map(".kconfig"));
  auto prog = coll->program("kconfig_strings");
  ASSERT_TRUE(prog);
  EXPECT_EQ(run(**prog).value_or(0), 1u);
}

}  // namespace
}  // namespace ebpf
