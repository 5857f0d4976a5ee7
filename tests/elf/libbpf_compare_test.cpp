// Where Debian's libbpf can open an object, ebpfpp's maps and programs must agree with it.
#include <gtest/gtest.h>

#include <bpf/libbpf.h>

#include "ebpf/collection_spec.hpp"
#include "elf_test_util.hpp"

using namespace ebpf;

namespace {

// Instructions of a program's own body (libbpf appends subprograms only when loading).
std::size_t body_size(const ProgramSpec& p) {
  for (auto [index, slot, ins] : p.instructions.positioned())
    if (index > 0 && !ins.symbol().empty()) return slot;
  return p.instructions.size_in_slots();
}

}  // namespace

class LibbpfCompare : public ::testing::TestWithParam<std::tuple<const char*, const char*>> {};

TEST_P(LibbpfCompare, MapsAndProgramsMatch) {
  const auto [stem, order] = GetParam();
  const auto path = test::bpf_object(stem, order);
  auto spec = load_collection_spec(path);
  ASSERT_TRUE(spec) << spec.error().message();
  // libbpf only opens objects of the host's byte order; the big-endian spec must match it all the same.
  const auto host_path = test::bpf_object(stem, "bpfel");
  bpf_object* obj = bpf_object__open_file(host_path.c_str(), nullptr);
  ASSERT_NE(obj, nullptr) << "libbpf could not open " << path;

  std::size_t libbpf_maps = 0;
  bpf_map* map;
  bpf_object__for_each_map(map, obj) {
    ++libbpf_maps;
    std::string name = bpf_map__name(map);
    // libbpf prefixes .data/.rodata/.bss maps with the object name; custom sections keep their own name.
    const MapSpec* ours = nullptr;
    for (auto& [n, m] : spec->maps)
      if (name == n || (name.size() > n.size() && name.ends_with(n) && n.find('.', 1) == std::string::npos))
        ours = &m;
    ASSERT_NE(ours, nullptr) << "ebpfpp lacks libbpf's map " << name;
    EXPECT_EQ(static_cast<std::uint32_t>(bpf_map__type(map)), static_cast<std::uint32_t>(ours->type)) << name;
    EXPECT_EQ(bpf_map__key_size(map), ours->key_size) << name;
    EXPECT_EQ(bpf_map__value_size(map), ours->value_size) << name;
    EXPECT_EQ(bpf_map__max_entries(map), ours->max_entries) << name;
    EXPECT_EQ(bpf_map__map_flags(map) & ~map_flags::mmapable, ours->flags) << name;  // libbpf adds MMAPABLE
    EXPECT_EQ(bpf_map__map_extra(map), ours->map_extra) << name;
    EXPECT_EQ(bpf_map__numa_node(map), ours->numa_node) << name;
  }
  EXPECT_EQ(libbpf_maps, spec->maps.size());

  std::size_t libbpf_progs = 0;
  bpf_program* prog;
  bpf_object__for_each_program(prog, obj) {
    ++libbpf_progs;
    std::string name = bpf_program__name(prog);
    ASSERT_TRUE(spec->programs.contains(name)) << name;
    const auto& p = spec->programs.at(name);
    EXPECT_EQ(p.section_name, bpf_program__section_name(prog));
    EXPECT_EQ(static_cast<std::uint32_t>(p.type), static_cast<std::uint32_t>(bpf_program__type(prog))) << name;
    EXPECT_EQ(kernel_value(p.attach_type), static_cast<std::uint32_t>(bpf_program__expected_attach_type(prog)))
        << name;
    EXPECT_EQ(body_size(p), bpf_program__insn_cnt(prog)) << name;
  }
  EXPECT_EQ(libbpf_progs, spec->programs.size());
  bpf_object__close(obj);
}

INSTANTIATE_TEST_SUITE_P(Objects, LibbpfCompare,
                         ::testing::Combine(::testing::Values("elf_data", "elf_btf"), ::testing::Values("bpfel", "bpfeb")));
