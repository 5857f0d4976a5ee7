// Objects nobody here wrote (issue 13): a perf event array with a BTF value type, objects made by static linking
// (bpftool gen object), char[N] kconfig externs, and which data sections the spec shows.
#include <gtest/gtest.h>

#include <string>

#include "ebpf/collection_spec.hpp"
#include "ebpf/elf/file.hpp"
#include "ebpf/kernel/kconfig.hpp"
#include "elf_test_util.hpp"
#include "program_fixup.hpp"

using namespace ebpf;

namespace {

CollectionSpec load(const char* stem, const char* order = "bpfel") {
  auto spec = load_collection_spec(test::bpf_object(stem, order));
  EXPECT_TRUE(spec) << stem << ": " << spec.error().message();
  return spec ? std::move(*spec) : CollectionSpec{};
}

class ForeignObject : public ::testing::TestWithParam<const char*> {};

// cilium keeps the record type of a perf event array or ring buffer and leaves the size 0; the kernel sets the
// perf event array's 4 (MapSpec::fixed_up) and wants 0 for the ring buffer.
TEST_P(ForeignObject, ValueTypeOfRecordMapsIsKeptWithSizeZero) {
  CollectionSpec spec = load("coll_perf_btf", GetParam());
  ASSERT_TRUE(spec.btf);
  for (const char* name : {"perf_records", "ring_records"}) {
    ASSERT_TRUE(spec.maps.contains(name)) << name;
    const MapSpec& m = spec.maps.at(name);
    EXPECT_EQ(m.value_size, 0u) << name;
    ASSERT_NE(m.value_type, 0u) << name;
    auto t = spec.btf->type(m.value_type);
    ASSERT_TRUE(t) << name;
    EXPECT_EQ(t->name(), "record") << name;
    EXPECT_EQ(spec.btf->size_of(m.value_type).value_or(0), 16u) << name;
  }
  EXPECT_EQ(spec.maps.at("perf_records").key_size, 4u);
  auto fixed = spec.maps.at("perf_records").fixed_up();
  ASSERT_TRUE(fixed) << fixed.error().message();
  EXPECT_EQ(fixed->value_size, 4u);
  EXPECT_EQ(fixed->key_size, 4u);
}

// .kconfig is a map of the spec (as in the seeds); an unreferenced .bss is pruned and listed as such.
TEST_P(ForeignObject, KconfigMapShownAndUnreferencedBssPruned) {
  CollectionSpec spec = load("coll_kconfig_str", GetParam());
  ASSERT_TRUE(spec.maps.contains(".kconfig"));
  const MapSpec& k = spec.maps.at(".kconfig");
  EXPECT_EQ(k.type, MapType::array);
  EXPECT_EQ(k.key_size, 4u);
  EXPECT_EQ(k.max_entries, 1u);
  EXPECT_TRUE(k.read_only());
  EXPECT_TRUE(k.contents.empty()) << "filled from the running kernel at load";
  // 3 + 8 + 4 + 2 + 3 bytes of externs, with alignment padding between them.
  EXPECT_GE(k.value_size, 20u);
  EXPECT_LE(k.value_size, 32u);
  EXPECT_FALSE(spec.maps.contains(".bss"));
  EXPECT_TRUE(spec.maps.contains(".data"));
  ASSERT_EQ(spec.pruned_sections.size(), 1u);
  EXPECT_EQ(spec.pruned_sections[0], (PrunedSection{".bss", 24}));
  EXPECT_FALSE(spec.variables.contains("unused_bss"));
}

// Every byte of every data section the compiler emitted is either a map of the spec or a pruned section.
TEST_P(ForeignObject, LegacyObjectListsItsPrunedSection) {
  CollectionSpec spec = load("elf_legacy", GetParam());
  ASSERT_EQ(spec.pruned_sections.size(), 1u);
  EXPECT_EQ(spec.pruned_sections[0], (PrunedSection{".data.unused", 4}));
  ASSERT_TRUE(spec.maps.contains(".kconfig"));  // LINUX_KERNEL_VERSION and CONFIG_HZ: two 4-byte values
  EXPECT_EQ(spec.maps.at(".kconfig").value_size, 8u);
}

INSTANTIATE_TEST_SUITE_P(ByteOrders, ForeignObject, ::testing::Values("bpfel", "bpfeb"));

// The kconfig writer: a value shorter than the array is NUL-padded; one as long or longer fills it with its leading
// bytes and no NUL (cilium's documented behaviour; libbpf would keep N-1 bytes and a NUL).
TEST(KconfigStrings, LeadingBytesThatFit) {
  CollectionSpec spec = load("coll_kconfig_str");
  auto cfg = kernel::KernelConfig::parse(
      "CONFIG_DEFAULT_HOSTNAME=\"(none)\"\n"
      "CONFIG_EBPFPP_SHORT=\"abc\"\n"
      "CONFIG_EBPFPP_EQUAL=\"abcd\"\n"
      "CONFIG_EBPFPP_LONG=\"xyz\"\n"
      "CONFIG_EBPFPP_BYTES=\"pqrstu\"\n");
  ASSERT_TRUE(cfg) << cfg.error().message();
  std::map<std::string, std::uint32_t, std::less<>> offsets;
  auto value = detail::kconfig_value(spec, offsets, &*cfg);
  ASSERT_TRUE(value) << value.error().message();
  ASSERT_EQ(value->size(), spec.maps.at(".kconfig").value_size) << "the spec's map is the size the loader fills";
  auto at = [&](const char* name, std::size_t n) {
    const std::uint32_t off = offsets.at(name);
    return std::string(reinterpret_cast<const char*>(value->data()) + off, n);
  };
  EXPECT_EQ(at("CONFIG_DEFAULT_HOSTNAME", 3), "(no");
  EXPECT_EQ(at("CONFIG_EBPFPP_SHORT", 8), std::string("abc\0\0\0\0\0", 8));
  EXPECT_EQ(at("CONFIG_EBPFPP_EQUAL", 4), "abcd");
  EXPECT_EQ(at("CONFIG_EBPFPP_LONG", 2), "xy");
  EXPECT_EQ(at("CONFIG_EBPFPP_BYTES", 3), "pqr");
}

TEST(KconfigStrings, MissingWeakStringsStayZero) {
  CollectionSpec spec = load("coll_kconfig_str");
  auto cfg = kernel::KernelConfig::parse("CONFIG_EBPFPP_EQUAL=\"abcd\"\n");
  ASSERT_TRUE(cfg);
  std::map<std::string, std::uint32_t, std::less<>> offsets;
  auto value = detail::kconfig_value(spec, offsets, &*cfg);
  ASSERT_TRUE(value) << value.error().message();
  for (const char* name : {"CONFIG_DEFAULT_HOSTNAME", "CONFIG_EBPFPP_SHORT", "CONFIG_EBPFPP_LONG"})
    EXPECT_EQ((*value)[offsets.at(name)], std::byte{0}) << name;
}

#ifdef EBPFPP_HAVE_LINKED_OBJECTS
// bpftool gen object concatenates the inputs' `maps` sections: two 20-byte definitions then a 36-byte one. Each
// definition is read at its symbol for its symbol's size.
TEST(LinkedObject, LegacyMapsOfMixedSizesAndBtfMaps) {
  CollectionSpec spec = load("linked");
  struct Want {
    const char* name;
    MapType type;
    std::uint32_t key, value, max;
  };
  for (const Want& w : {Want{"legacy_hash_a", MapType::hash, 4, 8, 8}, Want{"legacy_array_a", MapType::array, 4, 8, 2},
                        Want{"legacy_array_b", MapType::array, 4, 4, 3}, Want{"btf_array_a", MapType::array, 4, 8, 1},
                        Want{"btf_hash_b", MapType::hash, 4, 4, 4}}) {
    ASSERT_TRUE(spec.maps.contains(w.name)) << w.name;
    const MapSpec& m = spec.maps.at(w.name);
    EXPECT_EQ(m.type, w.type) << w.name;
    EXPECT_EQ(m.key_size, w.key) << w.name;
    EXPECT_EQ(m.value_size, w.value) << w.name;
    EXPECT_EQ(m.max_entries, w.max) << w.name;
    EXPECT_TRUE(m.extra.empty()) << w.name;
  }
  // Both programs live in one `socket` section of the linked object.
  ASSERT_TRUE(spec.programs.contains("prog_a"));
  ASSERT_TRUE(spec.programs.contains("prog_b"));
  EXPECT_EQ(spec.programs.at("prog_a").section_name, "socket");
  EXPECT_EQ(spec.programs.at("prog_b").section_name, "socket");
  EXPECT_TRUE(spec.variables.contains("calls_a"));
  EXPECT_TRUE(spec.variables.contains("calls_b"));
}

// Hostile symbol sizes in the linked `maps` section: bounds and overlaps are checked.
TEST(LinkedObject, SymbolSizesAreBoundsChecked) {
  auto bytes = test::read_object("linked");
  auto file = elf::File::parse(bytes);
  ASSERT_TRUE(file);
  auto symbols = file->symbols();
  ASSERT_TRUE(symbols);
  const elf::Section* symtab = nullptr;
  for (const auto& s : file->sections())
    if (s.type == elf::SHT_SYMTAB) symtab = &s;
  ASSERT_NE(symtab, nullptr);
  auto size_at = [&](std::string_view name) -> std::size_t {
    for (const auto& sym : *symbols)
      if (sym.name == name) return symtab->offset + sym.index * 24 + 16;  // Elf64_Sym.st_size
    ADD_FAILURE() << "no symbol " << name;
    return 0;
  };
  {
    auto patched = bytes;
    test::put_u64(patched, size_at("legacy_array_a"), 24);  // runs into legacy_array_b at 40
    auto spec = load_collection_spec(patched, "overlap");
    ASSERT_FALSE(spec);
    EXPECT_TRUE(spec.error().is(errc::malformed));
    EXPECT_NE(spec.error().message().find("overlaps map legacy_array_b"), std::string::npos) << spec.error().message();
  }
  {
    auto patched = bytes;
    test::put_u64(patched, size_at("legacy_array_b"), ~std::uint64_t{0} - 8);
    auto spec = load_collection_spec(patched, "beyond");
    ASSERT_FALSE(spec);
    EXPECT_TRUE(spec.error().is(errc::malformed));
    EXPECT_NE(spec.error().message().find("beyond the section"), std::string::npos) << spec.error().message();
  }
  {
    // Without symbol sizes the seeds' even split is used, which this layout defeats: still an error, not a crash.
    auto patched = bytes;
    for (const char* n : {"legacy_hash_a", "legacy_array_a", "legacy_array_b"}) test::put_u64(patched, size_at(n), 0);
    auto spec = load_collection_spec(patched, "unsized");
    ASSERT_FALSE(spec);
    EXPECT_TRUE(spec.error().is(errc::malformed)) << spec.error().message();
  }
}
#endif

}  // namespace
