// Collection: the project's own test objects loaded into the kernel and run.
#include <gtest/gtest.h>

#include <sys/utsname.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ebpf/collection.hpp"
#include "ebpf/features/features.hpp"
#include "ebpf/kernel/kallsyms.hpp"
#include "ebpf/kernel/kconfig.hpp"
#include "ebpf/sys/bpf.hpp"
#include "map/map_test_util.hpp"
#include "support/kernel_test.hpp"

namespace ebpf {
namespace {

using test::KernelTest;

std::vector<std::byte> frame(std::size_t n = 64) {
  std::vector<std::byte> f(n, std::byte{0});
  f[12] = std::byte{0x08};  // IPv4 ethertype
  return f;
}

Result<std::uint32_t> run(Program& p, std::size_t len = 64) {
  auto data = frame(len);
  EBPF_TRY(auto r, p.run({.data = data}));
  return r.retval;
}

CollectionSpec spec_of(const char* stem) {
  auto spec = load_collection_spec(test::bpf_object(stem));
  EXPECT_TRUE(spec) << spec.error().message();
  return spec ? std::move(*spec) : CollectionSpec{};
}

// A data-section map's value (one entry at key 0) read back from the kernel.
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

// Kernel tests with a private bpffs (coll_basic pins a map by name).
class CollectionTest : public KernelTest {
 protected:
  void SetUp() override {
    KernelTest::SetUp();
    if (IsSkipped()) return;
    fs_ = std::make_unique<test::Bpffs>();
    ASSERT_TRUE(fs_->ok()) << "mount bpffs: " << fs_->error();
    options_.maps.pin_path = fs_->dir();
  }
  void TearDown() override {
    fs_.reset();
    KernelTest::TearDown();
  }
  std::unique_ptr<test::Bpffs> fs_;
  CollectionOptions options_;
};

TEST_F(CollectionTest, LoadsLegacyAndBtfMapsAndRunsPrograms) {
  CollectionSpec spec = spec_of("coll_basic");
  ASSERT_TRUE(spec.maps.contains("legacy_counts"));
  auto coll = Collection::load(spec, options_);
  ASSERT_TRUE(coll) << coll.error().message();
  auto compute = coll->program("compute");
  ASSERT_TRUE(compute);
  auto r = run(**compute);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, 10u * 3 + 5);
  auto legacy = coll->map("legacy_counts");
  ASSERT_TRUE(legacy);
  EXPECT_EQ(((*legacy)->lookup<std::uint32_t, std::uint64_t>(0)).value_or(0), 1u);
  auto hash = coll->map("btf_hash");
  ASSERT_TRUE(hash);
  EXPECT_EQ(((*hash)->lookup<std::uint32_t, std::uint64_t>(0)).value_or(0), 1u);
  // Subprograms shared by several programs: shared_compute(1) + scale(2) = 3 + 5 + 6.
  auto again = coll->program("compute_again");
  ASSERT_TRUE(again);
  EXPECT_EQ(run(**again).value_or(0), 14u);
  // A bpf_loop callback (function pointer): 0 + 1 + 2 + 3 + 4.
  auto loop = coll->program("loop");
  ASSERT_TRUE(loop);
  EXPECT_EQ(run(**loop).value_or(0), 10u);
  EXPECT_EQ(variable_in<std::uint32_t>(spec, *coll, "loop_sum"), 10u);
}

TEST_F(CollectionTest, MapsCarryBtfAndSpinLocksWork) {
  CollectionSpec spec = spec_of("coll_basic");
  const MapSpec& locked = spec.maps.at("locked");
  EXPECT_NE(locked.value_type, 0u);
  EXPECT_NE(locked.key_type, 0u);
  ASSERT_TRUE(spec.maps.at(".rodata").btf);
  auto coll = Collection::load(spec, options_);
  ASSERT_TRUE(coll) << coll.error().message();
  for (const char* name : {"locked", "btf_hash", ".rodata", ".data", ".bss"}) {
    auto m = coll->map(name);
    ASSERT_TRUE(m) << name;
    auto info = (*m)->info();
    ASSERT_TRUE(info) << info.error().message();
    EXPECT_NE(info->btf_id, 0u) << name;
    EXPECT_EQ(info->btf_value_type_id, spec.maps.at(name).value_type) << name;
  }
  auto lock = coll->program("lock");
  ASSERT_TRUE(lock);
  EXPECT_EQ(run(**lock).value_or(0), 1u);
  EXPECT_EQ(run(**lock).value_or(0), 1u);
  auto locked_map = coll->map("locked");
  struct {
    std::uint32_t lock;
    std::uint32_t pad;
    std::uint64_t count;
  } value{};
  std::uint32_t key = 0;
  ASSERT_TRUE((*locked_map)->lookup(std::as_bytes(std::span(&key, 1)), std::as_writable_bytes(std::span(&value, 1))));
  EXPECT_EQ(value.count, 2u);
}

TEST_F(CollectionTest, DatasecLayoutFixedFromTheElf) {
  CollectionSpec spec = spec_of("coll_basic");
  ASSERT_TRUE(spec.btf);
  for (const char* section : {".rodata", ".data", ".bss"}) {
    auto ds = spec.btf->find(section, btf::Kind::datasec);
    ASSERT_TRUE(ds) << section;
    EXPECT_EQ(ds->size(), spec.maps.at(section).value_size) << section;
    for (std::size_t i = 0; i < ds->vlen(); ++i) {
      auto var = spec.btf->type(ds->var_info(i).type);
      ASSERT_TRUE(var);
      auto it = spec.variables.find(std::string(var->name()));
      if (it != spec.variables.end()) {
        EXPECT_EQ(ds->var_info(i).offset, it->second.offset) << var->name();
      }
    }
  }
}

TEST_F(CollectionTest, MapOfMapsPopulatedWithOneBatch) {
  // coll_mixed's outer map holds two inner maps. The kernel waits for an RCU grace period after every write to a
  // map of maps: both are put with one BPF_MAP_UPDATE_BATCH, no single updates.
  CollectionSpec spec = spec_of("coll_mixed");
  struct Counts {
    int batches = 0, updates = 0;
  } counts;
  sys::set_fault_hook(
      [](sys::Cmd cmd, void* c) -> int {
        auto* n = static_cast<Counts*>(c);
        if (cmd == sys::Cmd::map_update_batch) ++n->batches;
        if (cmd == sys::Cmd::map_update_elem) ++n->updates;
        return 0;
      },
      &counts);
  auto coll = Collection::load(spec, options_);
  sys::set_fault_hook(nullptr);
  ASSERT_TRUE(coll) << coll.error().message();
  EXPECT_EQ(counts.batches, 1);
  // The data sections' initial values are the only single updates (.data and .rodata; .bss starts zeroed).
  int data_sections = 0;
  for (const auto& [name, ms] : spec.maps)
    if (name.starts_with(".") && !ms.contents.empty()) ++data_sections;
  EXPECT_EQ(counts.updates, data_sections);
  auto outer = coll->map("outer");
  ASSERT_TRUE(outer);
  for (std::uint32_t key = 0; key < 2; ++key) {
    auto stored = (*outer)->lookup_id(key);
    ASSERT_TRUE(stored) << key;
    auto inner = coll->map(key == 0 ? "inner_a" : "inner_b");
    ASSERT_TRUE(inner);
    auto info = (*inner)->info();
    ASSERT_TRUE(info);
    EXPECT_EQ(*stored, info->id) << key;
  }
}

TEST_F(CollectionTest, MapInMapAndTailCallContents) {
  CollectionSpec spec = spec_of("coll_basic");
  auto coll = Collection::load(spec, options_);
  ASSERT_TRUE(coll) << coll.error().message();
  auto inner = coll->map("inner");
  ASSERT_TRUE(inner);
  ASSERT_TRUE(((*inner)->update<std::uint32_t, std::uint32_t>(0, 23)));
  auto lookup = coll->program("inner_lookup");
  ASSERT_TRUE(lookup);
  EXPECT_EQ(run(**lookup).value_or(0), 123u);  // outer[1] holds `inner`

  auto caller = coll->program("tail_caller");
  ASSERT_TRUE(caller);
  auto r = run(**caller);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, 77u);  // tail_target's return value: the tail call was taken
  auto jt = coll->map("jump_table");
  ASSERT_TRUE(jt);
  auto target_info = (*coll->program("tail_target"))->info();
  ASSERT_TRUE(target_info);
  EXPECT_EQ((*jt)->lookup_id<std::uint32_t>(2).value_or(0), target_info->id);
}

TEST_F(CollectionTest, VariablesSetBeforeLoadReadAfter) {
  CollectionSpec spec = spec_of("coll_basic");
  ASSERT_TRUE(spec.set_variable("rodata_factor", std::uint32_t{7}));
  ASSERT_TRUE(spec.set_variable("data_offset", std::uint32_t{100}));
  auto coll = Collection::load(spec, options_);
  ASSERT_TRUE(coll) << coll.error().message();
  auto compute = coll->program("compute");
  ASSERT_TRUE(compute);
  EXPECT_EQ(run(**compute).value_or(0), 10u * 7 + 100);
  EXPECT_EQ(variable_in<std::uint64_t>(spec, *coll, "bss_result"), 170u);
  EXPECT_EQ(variable_in<std::uint32_t>(spec, *coll, "rodata_factor"), 7u);
  EXPECT_EQ(variable_in<std::uint32_t>(spec, *coll, "data_offset"), 100u);
  // .rodata is frozen: user space can no longer write it.
  auto ro = coll->map(".rodata");
  ASSERT_TRUE(ro);
  std::vector<std::byte> v((*ro)->value_size());
  std::uint32_t key = 0;
  EXPECT_FALSE((*ro)->update(std::as_bytes(std::span(&key, 1)), v));
}

TEST_F(CollectionTest, PinnedByNameMapReusedAcrossLoads) {
  CollectionSpec spec = spec_of("coll_basic");
  {
    auto first = Collection::load(spec, options_);
    ASSERT_TRUE(first) << first.error().message();
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(fs_->dir()) / "pinned_counter"));
    EXPECT_EQ(run(**first->program("pinned_bump")).value_or(0), 1u);
  }
  auto second = Collection::load(spec, options_);
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(run(**second->program("pinned_bump")).value_or(0), 2u);  // same map: its value survived

  // An incompatible pinned map is refused with the difference.
  CollectionSpec changed = spec;
  changed.maps.at("pinned_counter").max_entries = 2;
  auto bad = Collection::load(changed, options_);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("max entries"), std::string::npos) << bad.error().message();
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(fs_->dir()) / "pinned_counter"));
}

TEST_F(CollectionTest, MapReplacements) {
  CollectionSpec spec = spec_of("coll_basic");
  MapSpec hs = spec.maps.at("btf_hash");
  hs.btf = nullptr;
  auto replacement = Map::create(hs);
  ASSERT_TRUE(replacement) << replacement.error().message();
  CollectionOptions opts = options_;
  opts.map_replacements["btf_hash"] = &*replacement;
  {
    auto coll = Collection::load(spec, opts);
    ASSERT_TRUE(coll) << coll.error().message();
    EXPECT_EQ(run(**coll->program("compute")).value_or(0), 35u);
  }
  // The collection is gone, the caller's map still works and holds what the program wrote.
  EXPECT_EQ((replacement->lookup<std::uint32_t, std::uint64_t>(0)).value_or(0), 1u);

  MapSpec other = hs;
  other.value_size = 4;
  auto incompatible = Map::create(other);
  ASSERT_TRUE(incompatible);
  opts.map_replacements["btf_hash"] = &*incompatible;
  auto bad = Collection::load(spec, opts);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(errc::map_incompatible)) << bad.error().message();
  EXPECT_NE(bad.error().message().find("map btf_hash"), std::string::npos) << bad.error().message();
  EXPECT_NE(bad.error().message().find("value size: 4 changed to 8"), std::string::npos) << bad.error().message();
}

// Ids of live maps named like the spec's maps, created after `after`.
std::set<std::string> maps_created_after(std::uint32_t after, const CollectionSpec& spec) {
  std::set<std::string> names;
  std::uint32_t id = after;
  for (;;) {
    auto next = Map::next_id(id);
    if (!next) break;
    id = *next;
    auto m = Map::from_id(id);
    if (!m) continue;
    auto info = m->info();
    if (!info) continue;
    std::string name(info->name);
    for (const auto& [n, _] : spec.maps)
      if (n.substr(0, 15) == name) names.insert(n);
  }
  return names;
}

std::uint32_t last_map_id() {
  std::uint32_t id = 0;
  for (;;) {
    auto next = Map::next_id(id);
    if (!next) return id;
    id = *next;
  }
}

TEST_F(CollectionTest, LoadOnlyLoadsWhatIsNeeded) {
  CollectionSpec spec = spec_of("coll_basic");
  const std::uint32_t before = last_map_id();
  auto objs = load_only(spec, {.maps = {"btf_hash"}, .programs = {"compute"}}, options_);
  ASSERT_TRUE(objs) << objs.error().message();
  EXPECT_EQ(objs->maps.size(), 1u);
  EXPECT_EQ(objs->programs.size(), 1u);
  auto& prog = objs->programs.at("compute");
  EXPECT_EQ(run(prog).value_or(0), 35u);
  // compute uses legacy_counts, btf_hash and the data sections; nothing else was created.
  std::set<std::string> expected{"legacy_counts", "btf_hash", ".rodata", ".data", ".bss"};
  EXPECT_EQ(maps_created_after(before, spec), expected);
  auto info = prog.info();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->map_ids.size(), expected.size());

  // A prog array with static contents loaded as a dependency but not requested is refused.
  auto refused = load_only(spec, {.programs = {"tail_caller"}}, options_);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("prog array jump_table must be requested"), std::string::npos)
      << refused.error().message();
  auto ok = load_only(spec, {.maps = {"jump_table"}, .programs = {"tail_caller"}}, options_);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(run(ok->programs.at("tail_caller")).value_or(0), 77u);
}

TEST_F(CollectionTest, DetachedObjectsOutliveTheCollection) {
  CollectionSpec spec = spec_of("coll_basic");
  Map map;
  Program prog;
  {
    auto coll = Collection::load(spec, options_);
    ASSERT_TRUE(coll) << coll.error().message();
    auto m = coll->detach_map("legacy_counts");
    ASSERT_TRUE(m);
    map = std::move(*m);
    auto p = coll->detach_program("compute");
    ASSERT_TRUE(p);
    prog = std::move(*p);
    EXPECT_FALSE(coll->map("legacy_counts"));
    EXPECT_FALSE(coll->program("compute"));
    EXPECT_TRUE(coll->detach_map("legacy_counts").error().is(errc::not_found));
  }
  EXPECT_EQ(run(prog).value_or(0), 35u);
  EXPECT_EQ((map.lookup<std::uint32_t, std::uint64_t>(0)).value_or(0), 1u);
}

// ---- kernel symbols and configuration ----

class CollectionKernel : public KernelTest {};

TEST_F(CollectionKernel, KconfigValues) {
  CollectionSpec spec = spec_of("coll_kernel");
  CollectionSpec only = spec;
  only.programs.erase("ksyms");
  only.programs.erase("ksym_typed");
  only.programs.erase("kfunc");
  auto coll = Collection::load(only);
  ASSERT_TRUE(coll) << coll.error().message();
  auto r = run(**coll->program("kconfig"));
  ASSERT_TRUE(r) << r.error().message();

  utsname u{};
  ASSERT_EQ(::uname(&u), 0);
  unsigned major = 0, minor = 0, patch = 0;
  ASSERT_GE(std::sscanf(u.release, "%u.%u.%u", &major, &minor, &patch), 2);
  EXPECT_EQ(*r, major);
  const std::uint32_t version = variable_in<std::uint32_t>(spec, *coll, "kernel_version");
  EXPECT_EQ(version >> 16, major);
  EXPECT_EQ((version >> 8) & 0xff, minor);
  EXPECT_EQ(version & 0xff, std::min(patch, 255u));

  auto cfg = kernel::KernelConfig::running();
  ASSERT_TRUE(cfg) << cfg.error().message();
  auto hz = (*cfg)->integer("CONFIG_HZ");
  ASSERT_TRUE(hz) << hz.error().message();
  EXPECT_EQ(variable_in<std::uint32_t>(spec, *coll, "hz"), static_cast<std::uint32_t>(*hz));
  auto syscall = (*cfg)->raw("CONFIG_BPF_SYSCALL");
  ASSERT_TRUE(syscall);
  EXPECT_EQ(variable_in<std::uint32_t>(spec, *coll, "has_bpf_syscall"), *syscall == "y" ? 1u : 0u);
  EXPECT_EQ(variable_in<std::uint32_t>(spec, *coll, "not_real"), 0u);  // weak and unset: zero
}

TEST_F(CollectionKernel, KsymsTypedTypelessAndWeak) {
  CollectionSpec spec = spec_of("coll_kernel");
  auto objs = load_only(spec, {.maps = {".bss"}, .programs = {"ksyms"}});
  ASSERT_TRUE(objs) << objs.error().message();
  auto data = frame();
  auto r = objs->programs.at("ksyms").run({.data = data});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->retval, 1u);
  Map& bss = objs->maps.at(".bss");
  std::vector<std::byte> value(bss.value_size());
  std::uint32_t key = 0;
  ASSERT_TRUE(bss.lookup(std::as_bytes(std::span(&key, 1)), value));
  auto get = [&](const char* name, auto out) {
    const VariableSpec& v = spec.variables.at(name);
    std::memcpy(&out, value.data() + v.offset, sizeof out);
    return out;
  };
  std::vector<std::string_view> names{"bpf_prog_put"};
  auto addrs = kernel::symbol_addresses(names);
  ASSERT_TRUE(addrs) << addrs.error().message();
  ASSERT_TRUE((*addrs)[0]);
  EXPECT_EQ(get("prog_put_addr", std::uint64_t{}), *(*addrs)[0]);
  EXPECT_EQ(get("missing_is_null", std::uint32_t{}), 1u);
}

TEST_F(CollectionKernel, TypedKsym) {
  CollectionSpec spec = spec_of("coll_kernel");
  auto objs = load_only(spec, {.maps = {".bss"}, .programs = {"ksym_typed"}});
  if (!objs) {
    // The kernel resolves a typed ksym's address through kallsyms, which lists data symbols only with
    // CONFIG_KALLSYMS_ALL: probe for the variable there.
    std::vector<std::string_view> names{"bpf_prog_active"};
    auto addrs = kernel::symbol_addresses(names);
    ASSERT_TRUE(addrs) << addrs.error().message();
    const std::string msg = objs.error().message();
    EXPECT_NE(msg.find("program ksym_typed"), std::string::npos) << msg;
    if (!(*addrs)[0]) {
      EXPECT_NE(msg.find("bpf_prog_active"), std::string::npos) << msg;
      EBPF_SKIP_KERNEL_LACKS("kallsyms entries for BTF variables (CONFIG_KALLSYMS_ALL, probed)");
    }
    FAIL() << msg;
  }
  auto data = frame();
  auto r = objs->programs.at("ksym_typed").run({.data = data});
  ASSERT_TRUE(r) << r.error().message();
  Map& bss = objs->maps.at(".bss");
  std::vector<std::byte> value(bss.value_size());
  std::uint32_t key = 0, active = 0;
  ASSERT_TRUE(bss.lookup(std::as_bytes(std::span(&key, 1)), value));
  std::memcpy(&active, value.data() + spec.variables.at("prog_active").offset, 4);
  EXPECT_LE(active, 1u);  // bpf_prog_active (per-CPU) is 0 or 1 while a socket filter runs, not the initial 1234
}

TEST_F(CollectionKernel, KfuncCall) {
  EBPF_REQUIRE_KERNEL(features::have_kfunc("bpf_cast_to_kern_ctx", ProgramType::xdp), "kfunc bpf_cast_to_kern_ctx");
  CollectionSpec spec = spec_of("coll_kernel");
  auto objs = load_only(spec, {.programs = {"kfunc"}});
  ASSERT_TRUE(objs) << objs.error().message();
  auto data = frame();
  auto r = objs->programs.at("kfunc").run({.data = data});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->retval, 2u);  // XDP_PASS: bpf_cast_to_kern_ctx returned the xdp_buff
}

// ---- program attach targets, refusals, verifier errors ----

TEST_F(CollectionKernel, FreplaceReplacesAGlobalFunction) {
  CollectionSpec spec = spec_of("coll_extra");
  auto target = load_only(spec, {.programs = {"target"}});
  ASSERT_TRUE(target) << target.error().message();
  Program& t = target->programs.at("target");
  EXPECT_EQ(run(t).value_or(0), 11u);

  ASSERT_EQ(spec.programs.at("replacement").type, ProgramType::ext);
  CollectionOptions opts;
  opts.attach_targets["replacement"] = &t;
  auto have = features::have_program_type(ProgramType::ext);
  ASSERT_TRUE(have) << have.error().message();
  auto ext = load_only(spec, {.programs = {"replacement"}}, opts);
  if (!*have) {
    // Kernels that refuse extension programs (lockdown does, with EPERM): the load says not supported.
    ASSERT_FALSE(ext);
    EXPECT_TRUE(ext.error().is(errc::not_supported)) << ext.error().message();
    EXPECT_NE(ext.error().message().find("program replacement"), std::string::npos) << ext.error().message();
    EBPF_SKIP_KERNEL_LACKS("BPF_PROG_TYPE_EXT (probed)");
  }
  ASSERT_TRUE(ext) << ext.error().message();
  auto info = ext->programs.at("replacement").info();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->type, ProgramType::ext);

  // Without a target: a clear error.
  auto none = load_only(spec, {.programs = {"replacement"}});
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("program replacement"), std::string::npos) << none.error().message();
  EXPECT_NE(none.error().message().find("no target program"), std::string::npos) << none.error().message();
}

// Where the kernel refuses tracing programs (EPERM under lockdown, as the probe finds), loading an fentry on a BPF
// program must fail cleanly (no fd left, the fixture checks) with errc::not_supported and an error naming the
// program, its section and the errno. Where the probe says the kernel has them, the program must load.
TEST_F(CollectionKernel, FentryOnABpfProgramLoadsOrFailsCleanly) {
  CollectionSpec spec = spec_of("coll_extra");
  auto target = load_only(spec, {.programs = {"target"}});
  ASSERT_TRUE(target) << target.error().message();
  CollectionOptions opts;
  opts.attach_targets["on_target"] = &target->programs.at("target");
  auto have = features::have_program_type(ProgramType::tracing);
  ASSERT_TRUE(have) << have.error().message();
  auto f = load_only(spec, {.programs = {"on_target"}}, opts);
  if (*have) {
    ASSERT_TRUE(f) << f.error().message();
    auto info = f->programs.at("on_target").info();
    ASSERT_TRUE(info);
    EXPECT_EQ(info->type, ProgramType::tracing);
    return;
  }
  ASSERT_FALSE(f);
  const std::string msg = f.error().message();
  EXPECT_TRUE(f.error().is(errc::not_supported)) << msg;
  EXPECT_TRUE(f.error().is(std::errc::operation_not_permitted)) << msg;
  EXPECT_NE(msg.find("program on_target"), std::string::npos) << msg;
  EXPECT_NE(msg.find("section fentry/target"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Operation not permitted"), std::string::npos) << msg;
  // Program::load names the program, the collection adds the section, nothing is said twice.
  EXPECT_EQ(msg.find("program on_target"), msg.rfind("program on_target")) << msg;
}

TEST_F(CollectionKernel, UnspecifiedTypeSkippedButRefusedByName) {
  CollectionSpec spec = spec_of("coll_extra");
  ASSERT_EQ(spec.programs.at("untyped").type, ProgramType::unspec);
  CollectionSpec loadable = spec;
  loadable.programs.erase("replacement");
  loadable.programs.erase("on_target");
  loadable.programs.erase("rejected");
  auto coll = Collection::load(loadable);
  ASSERT_TRUE(coll) << coll.error().message();
  EXPECT_TRUE(coll->program("target"));
  EXPECT_FALSE(coll->program("untyped"));
  auto byname = load_only(spec, {.programs = {"untyped"}});
  ASSERT_FALSE(byname);
  EXPECT_NE(byname.error().message().find("program untyped"), std::string::npos) << byname.error().message();
  EXPECT_NE(byname.error().message().find("unspecified type"), std::string::npos) << byname.error().message();
}

TEST_F(CollectionKernel, VerifierRejectionShowsLogTail) {
  CollectionSpec spec = spec_of("coll_extra");
  auto r = load_only(spec, {.programs = {"rejected"}});
  ASSERT_FALSE(r);
  const Error& e = r.error();
  EXPECT_TRUE(e.is(errc::verifier_rejected)) << e.message();
  EXPECT_NE(e.message().find("program rejected"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("invalid mem access"), std::string::npos) << e.message();
  EXPECT_FALSE(e.verifier_log().empty());
}

TEST_F(CollectionKernel, BigEndianObjectRefusedOnThisHost) {
  auto spec = load_collection_spec(test::bpf_object("coll_basic", "bpfeb"));
  ASSERT_TRUE(spec) << spec.error().message();
  auto objs = load_only(*spec, {.programs = {"compute_again"}});
  ASSERT_FALSE(objs);
  EXPECT_NE(objs.error().message().find("big-endian program"), std::string::npos) << objs.error().message();
}

}  // namespace
}  // namespace ebpf
