// CO-RE relocations: programs compiled against local type definitions, relocated against the running kernel's
// BTF and against target BTF generated from other C sources, run with BPF_PROG_TEST_RUN; the loaded programs are
// compared instruction by instruction with what Debian's libbpf loads from the same object and target.
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <cstdio>
#include <memory>
#include <span>
#include <string>

#include <unistd.h>

#include "ebpf/btf/core.hpp"
#include "ebpf/btf/handle.hpp"
#include "ebpf/collection.hpp"
#include "ebpf/collection_spec.hpp"
#include "ebpf/features/features.hpp"
#include "libbpf_compare.hpp"
#include "support/kernel_test.hpp"

extern "C" {
#include "target_layout.h"
}

namespace {

using ebpf::test::bpf_object;

class CoreRelo : public ebpf::test::KernelTest {};

// A test object's .BTF by stem, or a file by absolute path.
std::filesystem::path target_path_of(std::string_view stem) {
  return stem.starts_with('/') ? std::filesystem::path(stem) : bpf_object(stem);
}

std::shared_ptr<const ebpf::btf::Spec> target_btf(std::string_view stem) {
  auto spec = ebpf::btf::load_target_file(target_path_of(stem));
  EXPECT_TRUE(spec) << spec.error().message();
  if (!spec) return nullptr;
  return std::make_shared<const ebpf::btf::Spec>(std::move(*spec));
}

ebpf::CollectionSpec only_programs(ebpf::CollectionSpec spec, std::initializer_list<std::string_view> keep) {
  for (auto it = spec.programs.begin(); it != spec.programs.end();) {
    bool wanted = false;
    for (auto k : keep) wanted = wanted || it->first == k;
    it = wanted ? std::next(it) : spec.programs.erase(it);
  }
  return spec;
}

template <std::size_t N>
std::array<std::uint64_t, N> run_and_read(ebpf::Collection& coll, std::string_view prog) {
  std::array<std::uint64_t, N> out{};
  auto p = coll.program(prog);
  EXPECT_TRUE(p);
  if (!p) return out;
  std::array<std::byte, 64> packet{};
  auto r = (*p)->run({.data = packet});
  EXPECT_TRUE(r) << (r ? "" : r.error().message());
  if (r) {
    EXPECT_EQ(r->retval, 1u);
  }
  auto m = coll.map("output");
  EXPECT_TRUE(m);
  if (!m) return out;
  auto v = (*m)->lookup<std::uint32_t, std::array<std::uint64_t, N>>(0u);
  EXPECT_TRUE(v);
  if (v) out = *v;
  return out;
}

std::uint32_t id_of(const ebpf::btf::Spec& spec, std::string_view name, ebpf::btf::Kind kind) {
  auto t = spec.find(name, kind);
  EXPECT_TRUE(t) << name;
  return t ? t->id() : 0;
}

// Bit offset of member `name` of struct `id`, looking into anonymous members.
std::optional<std::uint64_t> member_bits(const ebpf::btf::Spec& spec, ebpf::btf::TypeId id, std::string_view name) {
  auto t = spec.resolve(id);
  if (!t || !t->is_struct_or_union()) return std::nullopt;
  for (std::size_t i = 0; i < t->vlen(); ++i) {
    const auto m = t->member(i);
    if (m.name == name) return m.bit_offset;
    if (m.name.empty())
      if (auto inner = member_bits(spec, m.type, name)) return *inner + m.bit_offset;
  }
  return std::nullopt;
}

TEST_F(CoreRelo, FieldsAgainstTargetBtf) {
  auto spec = ebpf::load_collection_spec(bpf_object("corerelo_fields"));
  ASSERT_TRUE(spec) << spec.error().message();
  auto target = target_btf("corerelo_target");
  ASSERT_TRUE(target);
  ebpf::CollectionOptions opts;
  opts.programs.kernel_types = target;
  auto coll = ebpf::Collection::load(only_programs(*spec, {"fields", "guarded_missing"}), opts);
  ASSERT_TRUE(coll) << coll.error().message();

  corerelo_s t{};
  t.c = 70000;
  t.b = 0x1122334455667788LL;
  t.a = -5;
  t.bf1 = -3;
  t.bf2 = 100;
  t.arr[2] = 42;
  t.anon_u = 77;
  t.in.y = 99;
  t.in.x = 1;
  std::array<std::byte, 256> input{};
  std::memcpy(input.data(), &t, sizeof t);
  auto in = coll->map("input");
  ASSERT_TRUE(in);
  ASSERT_TRUE((*in)->update(0u, input));

  const auto v = run_and_read<32>(*coll, "fields");
  EXPECT_EQ(v[0], static_cast<std::uint64_t>(-5));
  EXPECT_EQ(v[1], 0x1122334455667788ull);
  EXPECT_EQ(v[2], 70000u);  // unsigned short -> unsigned int: the load was widened
  EXPECT_EQ(v[3], static_cast<std::uint64_t>(-3));
  EXPECT_EQ(v[4], 100u);
  EXPECT_EQ(v[5], 0u);
  EXPECT_EQ(v[6], 0xdeadu);
  EXPECT_EQ(v[7], 42u);
  EXPECT_EQ(v[8], 77u);
  EXPECT_EQ(v[9], 99u);
  EXPECT_EQ(v[10], 0u);  // sgn is unsigned in the target
  EXPECT_EQ(v[11], 4u);
  EXPECT_EQ(v[12], offsetof(corerelo_s, b));
  EXPECT_EQ(v[13], 0u);
  EXPECT_EQ(v[14], sizeof(corerelo_s));
  EXPECT_EQ(v[15], id_of(*spec->btf, "corerelo_s", ebpf::btf::Kind::struct_));
  EXPECT_EQ(v[16], id_of(*target, "corerelo_s", ebpf::btf::Kind::struct_));
  EXPECT_EQ(v[17], 0u);
  EXPECT_EQ(v[18], 20u);
  EXPECT_EQ(v[19], 1u);
  std::int32_t renamed_val;
  std::memcpy(&renamed_val, input.data() + offsetof(corerelo_renamed, val), 4);
  EXPECT_EQ(v[20], static_cast<std::uint64_t>(static_cast<std::int64_t>(renamed_val)));
  EXPECT_EQ(v[21], 1u);
  EXPECT_EQ(v[22], sizeof(t.arr));
  EXPECT_EQ(v[23], offsetof(corerelo_s, in) + offsetof(corerelo_inner, y));
  EXPECT_EQ(v[24], 1u);
  EXPECT_EQ(v[25], 1u);

  // type_id_local names corerelo_s in the BTF the kernel holds for the program.
  auto info = (*coll->program("fields"))->info();
  ASSERT_TRUE(info) << info.error().message();
  ASSERT_NE(info->btf_id, 0u);
  auto handle = ebpf::btf::Handle::from_id(info->btf_id);
  ASSERT_TRUE(handle) << handle.error().message();
  auto loaded = handle->spec();
  ASSERT_TRUE(loaded) << loaded.error().message();
  auto local_type = loaded->type(static_cast<ebpf::btf::TypeId>(v[15]));
  ASSERT_TRUE(local_type);
  EXPECT_EQ(local_type->name(), "corerelo_s");
  EXPECT_EQ(local_type->kind(), ebpf::btf::Kind::struct_);

  // Relocations in a bpf-to-bpf function (a + b + in.y + offsetof(arr)) called twice.
  {
    ebpf::CollectionOptions o2;
    o2.programs.kernel_types = target;
    auto sub = ebpf::Collection::load(only_programs(*spec, {"subprog"}), o2);
    ASSERT_TRUE(sub) << sub.error().message();
    ASSERT_TRUE((*sub->map("input"))->update(0u, input));
    std::array<std::byte, 64> pkt{};
    auto rs = (*sub->program("subprog"))->run({.data = pkt});
    ASSERT_TRUE(rs);
    const long long sum = t.a + t.b + t.in.y + static_cast<long long>(offsetof(corerelo_s, arr));
    EXPECT_EQ(rs->retval, static_cast<std::uint32_t>(static_cast<std::uint64_t>(sum + (sum & 0xff))));
  }

  auto g = coll->program("guarded_missing");
  ASSERT_TRUE(g);
  std::array<std::byte, 64> packet{};
  auto r = (*g)->run({.data = packet});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->retval, 7u);
}

TEST_F(CoreRelo, ReachedPoisonIsABadRelocationNamingIt) {
  auto spec = ebpf::load_collection_spec(bpf_object("corerelo_fields"));
  ASSERT_TRUE(spec) << spec.error().message();
  auto target = target_btf("corerelo_target");
  ebpf::CollectionOptions opts;
  opts.programs.kernel_types = target;
  {
    auto coll = ebpf::Collection::load(only_programs(*spec, {"bad_missing"}), opts);
    ASSERT_FALSE(coll);
    EXPECT_TRUE(coll.error().is(ebpf::errc::bad_relocation)) << coll.error().message();
    EXPECT_NE(coll.error().message().find("corerelo_s.missing"), std::string::npos) << coll.error().message();
    EXPECT_NE(coll.error().message().find("byte_off"), std::string::npos) << coll.error().message();
  }
  {
    // A plain int that became a bitfield: a load of the old width would read the wrong value.
    auto coll = ebpf::Collection::load(only_programs(*spec, {"bad_bitfield"}), opts);
    ASSERT_FALSE(coll);
    EXPECT_TRUE(coll.error().is(ebpf::errc::bad_relocation)) << coll.error().message();
    EXPECT_NE(coll.error().message().find("corerelo_s.as_bitfield"), std::string::npos) << coll.error().message();
  }
}

TEST_F(CoreRelo, AmbiguousCandidatesAreRefused) {
  auto spec = ebpf::load_collection_spec(bpf_object("corerelo_fields"));
  ASSERT_TRUE(spec);
  ebpf::CollectionOptions opts;
  opts.programs.kernel_types = target_btf("corerelo_ambiguous");
  auto coll = ebpf::Collection::load(only_programs(*spec, {"fields"}), opts);
  ASSERT_FALSE(coll);
  EXPECT_TRUE(coll.error().is(ebpf::errc::bad_relocation)) << coll.error().message();
  EXPECT_NE(coll.error().message().find("ambiguous"), std::string::npos) << coll.error().message();
}

TEST_F(CoreRelo, KernelBtf) {
  auto spec = ebpf::load_collection_spec(bpf_object("corerelo_kernel"));
  ASSERT_TRUE(spec) << spec.error().message();
  if (!std::filesystem::exists("/sys/kernel/btf/vmlinux")) EBPF_SKIP_KERNEL_LACKS("kernel BTF (no /sys/kernel/btf/vmlinux)");
  auto vmlinux = ebpf::btf::kernel();
  ASSERT_TRUE(vmlinux) << vmlinux.error().message();
  auto coll = ebpf::Collection::load(*spec);
  ASSERT_TRUE(coll) << coll.error().message();
  const auto v = run_and_read<16>(*coll, "kernel_values");
  const auto task = id_of(*vmlinux, "task_struct", ebpf::btf::Kind::struct_);
  EXPECT_EQ(v[0], *member_bits(*vmlinux, task, "pid") / 8);
  EXPECT_EQ(v[1], *member_bits(*vmlinux, task, "tgid") / 8);
  EXPECT_EQ(v[2], 16u);
  EXPECT_EQ(v[3], *member_bits(*vmlinux, task, "comm") / 8);
  EXPECT_EQ(v[4], 0u);
  EXPECT_EQ(v[5], *vmlinux->size_of(task));
  EXPECT_EQ(v[6], 0u);
  EXPECT_EQ(v[7], static_cast<std::uint64_t>(BPF_MAP_TYPE_RINGBUF));
  EXPECT_EQ(v[8], 0u);
  EXPECT_EQ(v[9], task);
  EXPECT_EQ(v[10], *member_bits(*vmlinux, task, "tasks") / 8 + 8);
  EXPECT_EQ(v[11], 1u);
}

// A syscall program reads the current task through CO-RE: the values must be this thread's.
TEST_F(CoreRelo, ReadsCurrentTaskFields) {
  auto spec = ebpf::load_collection_spec(bpf_object("corerelo_task"));
  ASSERT_TRUE(spec) << spec.error().message();
  EBPF_REQUIRE_KERNEL(ebpf::features::have_program_type(ebpf::ProgramType::syscall), "syscall programs");
  auto coll = ebpf::Collection::load(*spec);
  ASSERT_TRUE(coll) << coll.error().message();
  auto p = coll->program("task_fields");
  ASSERT_TRUE(p);
  struct TaskIds {
    std::uint64_t pid, tgid, leader_pid;
    char comm[16];
  } ids{};
  // BPF_PROG_TYPE_SYSCALL writes the context back into the input buffer.
  auto r = (*p)->run({.context = std::as_bytes(std::span(&ids, 1))});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(ids.pid, static_cast<std::uint64_t>(::gettid()));
  EXPECT_EQ(ids.tgid, static_cast<std::uint64_t>(::getpid()));
  EXPECT_EQ(ids.leader_pid, static_cast<std::uint64_t>(::getpid()));
  char comm[17] = {};
  std::FILE* f = std::fopen("/proc/thread-self/comm", "r");
  ASSERT_NE(f, nullptr);
  ASSERT_NE(std::fgets(comm, sizeof comm, f), nullptr);
  std::fclose(f);
  std::string expected(comm);
  if (!expected.empty() && expected.back() == '\n') expected.pop_back();
  EXPECT_EQ(std::string(ids.comm, ::strnlen(ids.comm, sizeof ids.comm)), expected);
}

// A single program loaded from its spec takes the target from ProgramOptions.
TEST_F(CoreRelo, LoadProgramWithKernelTypes) {
  EBPF_REQUIRE_KERNEL(ebpf::features::have_program_type(ebpf::ProgramType::syscall), "syscall programs");
  auto spec = ebpf::load_collection_spec(bpf_object("corerelo_task"));
  ASSERT_TRUE(spec) << spec.error().message();
  ebpf::ProgramOptions opts;
  opts.kernel_types = target_btf("/sys/kernel/btf/vmlinux");
  auto prog = ebpf::load_program(spec->programs.at("task_fields"), {}, opts);
  ASSERT_TRUE(prog) << prog.error().message();
  struct TaskIds {
    std::uint64_t pid, tgid, leader_pid;
    char comm[16];
  } ids{};
  auto r = prog->run({.context = std::as_bytes(std::span(&ids, 1))});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(ids.tgid, static_cast<std::uint64_t>(::getpid()));

  // Against a target without task_struct, the field loads are poisoned and reached.
  opts.kernel_types = target_btf("corerelo_target");
  auto bad = ebpf::load_program(spec->programs.at("task_fields"), {}, opts);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(ebpf::errc::bad_relocation)) << bad.error().message();
  EXPECT_NE(bad.error().message().find("task_struct"), std::string::npos) << bad.error().message();
}

// The same object and target loaded by Debian's libbpf give the same translated program.
void expect_same_as_libbpf(const std::string& stem, const std::string& prog, const std::string& target_stem,
                           std::initializer_list<std::string_view> keep) {
  auto spec = ebpf::load_collection_spec(bpf_object(stem));
  ASSERT_TRUE(spec);
  ebpf::CollectionOptions opts;
  std::string target_path;
  if (!target_stem.empty()) {
    opts.programs.kernel_types = target_btf(target_stem);
    target_path = target_path_of(target_stem).string();
  }
  auto coll = ebpf::Collection::load(only_programs(*spec, keep), opts);
  ASSERT_TRUE(coll) << coll.error().message();
  auto p = coll->program(prog);
  ASSERT_TRUE(p);
  const auto ours = ebpf::test::xlated_of((*p)->fd());
  ASSERT_FALSE(ours.empty());
  const auto theirs = ebpf::test::libbpf_xlated(bpf_object(stem).string(), prog, target_path);
  ASSERT_TRUE(theirs.error.empty()) << theirs.error;
  EXPECT_EQ(ebpf::test::compare_xlated(ours, theirs.xlated), "") << stem << "/" << prog;
}

TEST_F(CoreRelo, SameProgramsAsLibbpf) {
  expect_same_as_libbpf("corerelo_fields", "fields", "corerelo_target", {"fields"});
  expect_same_as_libbpf("corerelo_fields", "guarded_missing", "corerelo_target", {"guarded_missing"});
  expect_same_as_libbpf("corerelo_fields", "subprog", "corerelo_target", {"subprog"});
  expect_same_as_libbpf("corerelo_kernel", "kernel_values", "", {"kernel_values"});
  expect_same_as_libbpf("corerelo_many", "many", "", {"many"});
  expect_same_as_libbpf("corerelo_task", "task_fields", "", {"task_fields"});
  expect_same_as_libbpf("corerelo_many", "many", "/sys/kernel/btf/vmlinux", {"many"});
}

TEST(CoreReloUnit, ComparisonSeesEveryDifferenceButMapReferences) {
  std::vector<bpf_insn> a(4);
  a[0].code = BPF_LD | BPF_DW | BPF_IMM;
  a[0].src_reg = BPF_PSEUDO_MAP_FD;
  a[0].imm = 5;
  a[2].code = BPF_LDX | BPF_MEM | BPF_W;
  a[2].off = 8;
  a[3].code = BPF_ALU64 | BPF_MOV | BPF_K;
  a[3].imm = 16;
  auto b = a;
  b[0].imm = 6;
  b[1].imm = 0x7fff;
  EXPECT_EQ(ebpf::test::compare_xlated(a, b), "");
  b[2].off = 12;
  EXPECT_NE(ebpf::test::compare_xlated(a, b), "");
  b = a;
  b[2].code = BPF_LDX | BPF_MEM | BPF_H;
  EXPECT_NE(ebpf::test::compare_xlated(a, b), "");
  b = a;
  b[3].imm = 24;
  EXPECT_NE(ebpf::test::compare_xlated(a, b), "");
  b.pop_back();
  EXPECT_NE(ebpf::test::compare_xlated(a, b), "");
}

TEST(CoreReloUnit, EssentialNames) {
  using ebpf::btf::core_essential_name;
  EXPECT_EQ(core_essential_name("task_struct___v1"), "task_struct");
  EXPECT_EQ(core_essential_name("a___b___c"), "a___b");
  EXPECT_EQ(core_essential_name("foo"), "foo");
  EXPECT_EQ(core_essential_name("foo____"), "foo____");
  EXPECT_EQ(core_essential_name("____x"), "____x");
}

}  // namespace

#ifdef EBPFPP_HAVE_CLANG16_OBJECTS
namespace {

TEST_F(CoreRelo, Enum64AndTypeMatches) {
  auto spec = ebpf::load_collection_spec(bpf_object("corerelo_c16"));
  ASSERT_TRUE(spec) << spec.error().message();
  ebpf::CollectionOptions opts;
  opts.programs.kernel_types = target_btf("corerelo_c16_target");
  auto coll = ebpf::Collection::load(*spec, opts);
  ASSERT_TRUE(coll) << coll.error().message();
  const auto v = run_and_read<8>(*coll, "c16_values");
  EXPECT_EQ(v[0], 0x7700000000ull);
  EXPECT_EQ(v[1], 5u);
  EXPECT_EQ(v[2], 0u);
  EXPECT_EQ(v[3], 1u);
  EXPECT_EQ(v[4], 0u);
  EXPECT_EQ(v[5], 1u);
  EXPECT_EQ(v[6], 1u);
  expect_same_as_libbpf("corerelo_c16", "c16_values", "corerelo_c16_target", {"c16_values"});
}

}  // namespace
#endif
