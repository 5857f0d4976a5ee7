#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "ebpf/collection_spec.hpp"
#include "elf_test_util.hpp"

using namespace ebpf;

namespace ebpf::insn {
void PrintTo(const Instruction& i, std::ostream* os) {
  *os << "{op " << int(i.opcode.raw()) << " dst " << int(i.dst_raw()) << " src " << int(i.src_raw()) << " off "
      << i.offset << " imm " << i.constant << " sym '" << i.symbol() << "' ref '" << i.reference() << "'}";
}
}  // namespace ebpf::insn

namespace {

CollectionSpec load(std::string_view stem, std::string_view order = "bpfel") {
  auto spec = load_collection_spec(test::bpf_object(stem, order));
  EXPECT_TRUE(spec.has_value()) << (spec ? "" : spec.error().message());
  return spec ? std::move(*spec) : CollectionSpec{};
}

// Functions (symbol-tagged instructions) of a linked program, in order.
std::vector<std::string> functions(const ProgramSpec& p) {
  std::vector<std::string> out;
  for (const auto& ins : p.instructions)
    if (!ins.symbol().empty()) out.emplace_back(ins.symbol());
  return out;
}

class LegacyObject : public ::testing::TestWithParam<const char*> {};

}  // namespace

TEST_P(LegacyObject, LegacyMapDefinitions) {
  auto spec = load("elf_legacy", GetParam());
  ASSERT_TRUE(spec.maps.contains("counts"));
  const MapSpec& counts = spec.maps.at("counts");
  EXPECT_EQ(counts.type, MapType::hash);
  EXPECT_EQ(counts.key_size, 4u);
  EXPECT_EQ(counts.value_size, 8u);
  EXPECT_EQ(counts.max_entries, 64u);
  EXPECT_EQ(counts.flags, map_flags::no_prealloc);
  EXPECT_TRUE(counts.extra.empty());  // iproute2 tail (id, pinning, inner_id, inner_idx) is interpreted
  EXPECT_EQ(counts.pinning, PinType::none);
  EXPECT_EQ(spec.maps.at("pinned").pinning, PinType::by_name);
  EXPECT_EQ(spec.maps.at("jump_table").type, MapType::prog_array);
}

TEST_P(LegacyObject, DataSections) {
  auto spec = load("elf_legacy", GetParam());
  for (const char* name : {".bss", ".data", ".rodata", ".data.custom", ".rodata.custom"}) {
    ASSERT_TRUE(spec.maps.contains(name)) << name;
    const MapSpec& m = spec.maps.at(name);
    EXPECT_EQ(m.name, name);
    EXPECT_EQ(m.type, MapType::array);
    EXPECT_EQ(m.key_size, 4u);
    EXPECT_EQ(m.max_entries, 1u);
    EXPECT_EQ(m.read_only(), std::string_view(name).starts_with(".rodata")) << name;
    if (std::string_view(name) == ".bss") {
      EXPECT_TRUE(m.contents.empty());
    } else {
      ASSERT_EQ(m.contents.size(), 1u) << name;
      EXPECT_EQ(m.contents[0].key, std::vector<std::byte>(4, std::byte{0}));
      EXPECT_EQ(std::get<std::vector<std::byte>>(m.contents[0].value).size(), m.value_size);
    }
  }
  EXPECT_FALSE(spec.maps.contains(".data.unused")) << "unreferenced data sections are pruned";
  EXPECT_EQ(spec.maps.at(".data.custom").value_size, 16u);
}

TEST_P(LegacyObject, ProgramsAndSectionNames) {
  auto spec = load("elf_legacy", GetParam());
  std::set<std::string> names;
  for (auto& [n, _] : spec.programs) names.insert(n);
  EXPECT_EQ(names, (std::set<std::string>{"xdp_prog", "socket_prog", "tc_prog", "kprobe_prog", "sleepable_prog",
                                          "frags_prog", "tcx_prog", "unknown_prog", "tp_one", "tp_two"}));
  const auto& xdp = spec.programs.at("xdp_prog");
  EXPECT_EQ(xdp.type, ProgramType::xdp);
  EXPECT_EQ(xdp.license, "Dual MIT/GPL");
  EXPECT_EQ(xdp.kernel_version, 0x050a00u);
  EXPECT_EQ(spec.programs.at("sleepable_prog").flags, prog_flags::sleepable);
  EXPECT_EQ(spec.programs.at("sleepable_prog").attach_to, "do_unlinkat");
  EXPECT_EQ(spec.programs.at("frags_prog").flags, prog_flags::xdp_has_frags);
  EXPECT_EQ(spec.programs.at("tcx_prog").attach_type, AttachType::tcx_ingress);
  EXPECT_EQ(spec.programs.at("unknown_prog").type, ProgramType::unspec);
  EXPECT_EQ(spec.programs.at("socket_prog").type, ProgramType::socket_filter);
  EXPECT_EQ(spec.programs.at("tp_one").section_name, "tracepoint/syscalls/sys_enter_openat");
  EXPECT_EQ(spec.programs.at("tp_two").attach_to, "syscalls/sys_enter_openat");
  EXPECT_EQ(spec.programs.at("kprobe_prog").byte_order, spec.byte_order);
}

TEST_P(LegacyObject, SubprogramsLinkedOnceIntoEveryCaller) {
  auto spec = load("elf_legacy", GetParam());
  for (const auto& [name, prog] : spec.programs) {
    auto fns = functions(prog);
    ASSERT_FALSE(fns.empty());
    EXPECT_EQ(fns[0], name);
    std::set<std::string> unique(fns.begin(), fns.end());
    EXPECT_EQ(unique.size(), fns.size()) << name << ": a subprogram is linked twice";
    // Every bpf-to-bpf call and function pointer lands on the function it names.
    for (auto [index, slot, ins] : prog.instructions.positioned()) {
      if (!ins.is_pseudo_call() && !ins.is_func_load()) continue;
      const auto target = static_cast<std::int64_t>(slot) + 1 + ins.constant;
      ASSERT_GE(target, 0);
      auto at = prog.instructions.index_of_slot(static_cast<std::size_t>(target));
      ASSERT_TRUE(at) << name << " slot " << slot;
      EXPECT_EQ(prog.instructions[*at].symbol(), ins.reference()) << name << " slot " << slot;
    }
  }
  auto xdp = functions(spec.programs.at("xdp_prog"));
  EXPECT_EQ(std::set<std::string>(xdp.begin(), xdp.end()),
            (std::set<std::string>{"xdp_prog", "shared_global", "static_helper", "middle", "leaf"}));
  auto tc = functions(spec.programs.at("tc_prog"));
  EXPECT_EQ(std::set<std::string>(tc.begin(), tc.end()),
            (std::set<std::string>{"tc_prog", "loop_cb", "middle", "leaf", "static_helper"}));
  EXPECT_EQ(functions(spec.programs.at("tp_one")), (std::vector<std::string>{"tp_one", "leaf"}));
  EXPECT_EQ(functions(spec.programs.at("frags_prog")), (std::vector<std::string>{"frags_prog"}));
  for (const char* sub : {"shared_global", "static_helper", "middle", "leaf", "loop_cb"})
    EXPECT_FALSE(spec.programs.contains(sub)) << ".text functions are not programs";
}

TEST_P(LegacyObject, MapAndDataReferences) {
  auto spec = load("elf_legacy", GetParam());
  auto refs = spec.programs.at("socket_prog").map_references();
  EXPECT_NE(std::find(refs.begin(), refs.end(), "pinned"), refs.end());
  EXPECT_NE(std::find(refs.begin(), refs.end(), "counts"), refs.end());  // via shared_global
  EXPECT_NE(std::find(refs.begin(), refs.end(), ".rodata"), refs.end());
  // big_limit lives at offset 8 of .rodata: the offset sits in the second half of the lddw.
  bool found = false;
  for (const auto& ins : spec.programs.at("socket_prog").instructions) {
    if (ins.is_map_load() && ins.pseudo_source() == insn::PseudoSource::map_value && ins.reference() == ".rodata") {
      EXPECT_EQ(ins.constant & 0xffffffff, 0);
      if ((static_cast<std::uint64_t>(ins.constant) >> 32) == 8) found = true;
    }
  }
  EXPECT_TRUE(found);
  auto tc = spec.programs.at("tc_prog").map_references();
  EXPECT_NE(std::find(tc.begin(), tc.end(), "jump_table"), tc.end());
}

TEST_P(LegacyObject, Externs) {
  auto spec = load("elf_legacy", GetParam());
  auto find = [&](std::string_view n) -> const ExternSpec* {
    for (auto& e : spec.externs)
      if (e.name == n) return &e;
    return nullptr;
  };
  ASSERT_NE(find("LINUX_KERNEL_VERSION"), nullptr);
  EXPECT_EQ(find("LINUX_KERNEL_VERSION")->kind, ExternSpec::Kind::variable);
  EXPECT_FALSE(find("LINUX_KERNEL_VERSION")->weak);
  ASSERT_NE(find("CONFIG_HZ"), nullptr);
  EXPECT_TRUE(find("CONFIG_HZ")->weak);
  ASSERT_NE(find("bpf_rcu_read_unlock"), nullptr);
  EXPECT_EQ(find("bpf_rcu_read_unlock")->kind, ExternSpec::Kind::function);
  EXPECT_EQ(find("bpf_rcu_read_lock")->kind, ExternSpec::Kind::function);
  // The instruction keeps the extern's name as its reference.
  bool referenced = false;
  for (auto& ins : spec.programs.at("kprobe_prog").instructions) referenced |= ins.reference() == "LINUX_KERNEL_VERSION";
  EXPECT_TRUE(referenced);
  bool kfunc = false;
  for (auto& ins : spec.programs.at("sleepable_prog").instructions)
    kfunc |= ins.is_kfunc_call() && ins.reference() == "bpf_rcu_read_unlock";
  EXPECT_TRUE(kfunc);
}

TEST_P(LegacyObject, Variables) {
  auto spec = load("elf_legacy", GetParam());
  std::set<std::string> names;
  for (auto& [n, _] : spec.variables) names.insert(n);
  EXPECT_EQ(names, (std::set<std::string>{"counter", "initialised", "threshold", "big_limit", "custom", "custom_ro"}));
  EXPECT_FALSE(spec.variables.contains("hidden_var")) << "hidden symbols are not variables";
  EXPECT_FALSE(spec.variables.contains("never_used")) << "its section was pruned";
  EXPECT_EQ(spec.variables.at("big_limit").section, ".rodata");
  EXPECT_EQ(spec.variables.at("big_limit").offset, 8u);
  EXPECT_EQ(spec.variables.at("big_limit").size, 8u);

  auto threshold = spec.variable_as<std::uint32_t>("threshold");
  ASSERT_TRUE(threshold) << threshold.error().message();
  EXPECT_EQ(*threshold, 7u);
  EXPECT_EQ(*spec.variable_as<std::uint64_t>("big_limit"), 1ull << 40);
  EXPECT_EQ(*spec.variable_as<std::int32_t>("initialised"), 42);
  EXPECT_EQ(*spec.variable_as<std::int32_t>("counter"), 0);

  ASSERT_TRUE(spec.set_variable("threshold", std::uint32_t{99}));
  EXPECT_EQ(*spec.variable_as<std::uint32_t>("threshold"), 99u);
  ASSERT_TRUE(spec.set_variable("counter", std::int32_t{-5}));  // .bss gains contents
  EXPECT_EQ(*spec.variable_as<std::int32_t>("counter"), -5);
  EXPECT_EQ(spec.maps.at(".bss").contents.size(), 1u);

  auto wrong_size = spec.set_variable("threshold", std::uint64_t{1});
  ASSERT_FALSE(wrong_size);
  EXPECT_TRUE(wrong_size.error().is(errc::invalid_argument));
  EXPECT_NE(wrong_size.error().message().find("threshold"), std::string::npos);
  EXPECT_FALSE(spec.variable_as<std::uint64_t>("threshold"));

  std::map<std::string, std::vector<std::byte>> values{
      {"threshold", std::vector<std::byte>(4)}, {"nope", {}}, {"hidden_var", {}}};
  auto missing = spec.set_variables(values);
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is(errc::not_found));
  EXPECT_NE(missing.error().message().find("nope"), std::string::npos);
  EXPECT_NE(missing.error().message().find("hidden_var"), std::string::npos);
  EXPECT_EQ(*spec.variable_as<std::uint32_t>("threshold"), 99u) << "nothing changed on error";
}

TEST_P(LegacyObject, CopiesAreIndependent) {
  auto spec = load("elf_legacy", GetParam());
  CollectionSpec copy = spec;
  ASSERT_TRUE(copy.set_variable("threshold", std::uint32_t{1}));
  copy.programs.at("xdp_prog").instructions.clear();
  copy.maps.at("counts").max_entries = 1;
  EXPECT_EQ(*spec.variable_as<std::uint32_t>("threshold"), 7u);
  EXPECT_FALSE(spec.programs.at("xdp_prog").instructions.empty());
  EXPECT_EQ(spec.maps.at("counts").max_entries, 64u);
}

TEST_P(LegacyObject, RewriteMapReferences) {
  auto spec = load("elf_legacy", GetParam());
  ASSERT_TRUE(spec.rewrite_map_references("pinned", "counts"));
  EXPECT_FALSE(spec.maps.contains("pinned"));
  auto refs = spec.programs.at("socket_prog").map_references();
  EXPECT_EQ(std::find(refs.begin(), refs.end(), "pinned"), refs.end());
  EXPECT_FALSE(spec.rewrite_map_references("nope", "counts"));
  EXPECT_FALSE(spec.rewrite_map_references("counts", "nope"));
}

INSTANTIATE_TEST_SUITE_P(ByteOrders, LegacyObject, ::testing::Values("bpfel", "bpfeb"));

TEST(CollectionSpec, BigEndianMatchesLittleEndian) {
  for (const char* stem : {"elf_legacy", "elf_data", "elf_btf", "elf_struct_ops"}) {
    auto le = load(stem, "bpfel");
    auto be = load(stem, "bpfeb");
    EXPECT_EQ(le.byte_order, std::endian::little);
    EXPECT_EQ(be.byte_order, std::endian::big);
    ASSERT_EQ(le.maps.size(), be.maps.size()) << stem;
    for (const auto& [n, m] : le.maps) {
      ASSERT_TRUE(be.maps.contains(n)) << n;
      const auto& b = be.maps.at(n);
      EXPECT_EQ(m.type, b.type) << n;
      EXPECT_EQ(m.key_size, b.key_size) << n;
      EXPECT_EQ(m.value_size, b.value_size) << n;
      EXPECT_EQ(m.max_entries, b.max_entries) << n;
      EXPECT_EQ(m.flags, b.flags) << n;
      EXPECT_EQ(m.pinning, b.pinning) << n;
      EXPECT_EQ(m.contents.size(), b.contents.size()) << n;
      EXPECT_EQ(m.numa_node, b.numa_node) << n;
      EXPECT_EQ(m.map_extra, b.map_extra) << n;
      EXPECT_EQ(m.inner_map != nullptr, b.inner_map != nullptr) << n;
      for (std::size_t i = 0; i < m.contents.size() && i < b.contents.size(); ++i) {
        if (auto* ref = std::get_if<ObjectRef>(&m.contents[i].value)) {
          ASSERT_TRUE(std::holds_alternative<ObjectRef>(b.contents[i].value)) << n;
          EXPECT_EQ(*ref, std::get<ObjectRef>(b.contents[i].value)) << n;
        }
      }
    }
    ASSERT_EQ(le.programs.size(), be.programs.size());
    for (const auto& [n, p] : le.programs) {
      ASSERT_TRUE(be.programs.contains(n)) << n;
      const auto& q = be.programs.at(n);
      EXPECT_EQ(p.instructions, q.instructions) << n;
      EXPECT_EQ(p.type, q.type);
      EXPECT_EQ(p.attach_type, q.attach_type);
      EXPECT_EQ(p.license, q.license);
      EXPECT_EQ(p.kernel_version, q.kernel_version);
      EXPECT_EQ(p.attach_to, q.attach_to);
      EXPECT_EQ(p.flags, q.flags);
      EXPECT_EQ(q.byte_order, std::endian::big);
    }
    EXPECT_EQ(le.variables, be.variables);
    EXPECT_EQ(le.externs, be.externs);
    for (const auto& [n, v] : le.variables) {
      if (v.size == 4) {
        EXPECT_EQ(*le.variable_as<std::uint32_t>(n), *be.variable_as<std::uint32_t>(n)) << n;
      }
      if (v.size == 8) {
        EXPECT_EQ(*le.variable_as<std::uint64_t>(n), *be.variable_as<std::uint64_t>(n)) << n;
      }
    }
  }
}

TEST(CollectionSpec, LoadFromMemoryKeepsName) {
  auto bytes = test::read_object("elf_data");
  auto spec = load_collection_spec(bytes, "in-memory.o");
  ASSERT_TRUE(spec) << spec.error().message();
  EXPECT_EQ(spec->programs.size(), 3u);
  bytes.resize(100);
  auto bad = load_collection_spec(bytes, "in-memory.o");
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().message().starts_with("in-memory.o: ")) << bad.error().message();
}

TEST(CollectionSpec, MissingFileNamesIt) {
  auto spec = load_collection_spec(std::filesystem::path("/nonexistent/x.o"));
  ASSERT_FALSE(spec);
  EXPECT_NE(spec.error().message().find("/nonexistent/x.o"), std::string::npos);
}

TEST(CollectionSpec, StringAndConstantPoolsBecomeReadOnlyMaps) {
  for (const char* order : {"bpfel", "bpfeb"}) {
    auto spec = load("elf_data", order);
    for (const char* name : {".rodata.str1.1", ".rodata.cst32"}) {
      ASSERT_TRUE(spec.maps.contains(name)) << name << " " << order;
      const auto& m = spec.maps.at(name);
      EXPECT_TRUE(m.read_only()) << name;
      ASSERT_EQ(m.contents.size(), 1u);
      EXPECT_EQ(std::get<std::vector<std::byte>>(m.contents[0].value).size(), m.value_size);
    }
    EXPECT_EQ(spec.maps.at(".rodata.cst32").value_size, 32u);
    const auto& str = std::get<std::vector<std::byte>>(spec.maps.at(".rodata.str1.1").contents[0].value);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(str.data()), 16), "0123456789abcdef");
    auto refs = spec.programs.at("data_socket").map_references();
    EXPECT_NE(std::find(refs.begin(), refs.end(), ".rodata.cst32"), refs.end());
  }
}
