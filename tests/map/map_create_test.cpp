// Map::create: every map type of the running kernel, error hints, inner maps, BTF, pinning, contents.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>

#include "ebpf/features/features.hpp"
#include "ebpf/map.hpp"
#include "map_test_util.hpp"
#include "support/kernel_test.hpp"

namespace ebpf {
namespace {

using test::KernelTest;
using test::make_spec;

// A map type as the kernel wants it at the smallest.
struct TypeCase {
  const char* name;
  std::function<MapSpec()> spec;
  bool needs_btf = false;  // local storage: int key and value described in BTF
};

std::vector<TypeCase> type_cases() {
  auto with_inner = [](MapType outer, MapType inner) {
    MapSpec s = make_spec(outer, 4, 0, 4);
    s.inner_map = std::make_unique<MapSpec>(make_spec(inner, 4, 8, 2, 0, "inner"));
    return s;
  };
  const std::uint32_t page = static_cast<std::uint32_t>(::sysconf(_SC_PAGESIZE));
  return {
      {"hash", [] { return make_spec(MapType::hash, 4, 8, 16); }},
      {"array", [] { return make_spec(MapType::array, 4, 8, 16); }},
      {"prog_array", [] { return make_spec(MapType::prog_array, 4, 4, 4); }},
      {"perf_event_array", [] { return make_spec(MapType::perf_event_array, 0, 0, 0); }},
      {"percpu_hash", [] { return make_spec(MapType::percpu_hash, 4, 8, 16); }},
      {"percpu_array", [] { return make_spec(MapType::percpu_array, 4, 8, 16); }},
      {"stack_trace", [] { return make_spec(MapType::stack_trace, 4, 8 * 127, 16); }},
      {"cgroup_array", [] { return make_spec(MapType::cgroup_array, 4, 4, 4); }},
      {"lru_hash", [] { return make_spec(MapType::lru_hash, 4, 8, 16); }},
      {"lru_percpu_hash", [] { return make_spec(MapType::lru_percpu_hash, 4, 8, 16); }},
      {"lpm_trie", [] { return make_spec(MapType::lpm_trie, 8, 4, 16, map_flags::no_prealloc); }},
      {"array_of_maps", [=] { return with_inner(MapType::array_of_maps, MapType::array); }},
      {"hash_of_maps", [=] { return with_inner(MapType::hash_of_maps, MapType::hash); }},
      {"devmap", [] { return make_spec(MapType::devmap, 4, 4, 4); }},
      {"devmap_hash", [] { return make_spec(MapType::devmap_hash, 4, 4, 4); }},
      {"sockmap", [] { return make_spec(MapType::sockmap, 4, 4, 4); }},
      {"sockhash", [] { return make_spec(MapType::sockhash, 4, 4, 4); }},
      {"cpumap", [] { return make_spec(MapType::cpumap, 4, 4, 0); }},
      {"xskmap", [] { return make_spec(MapType::xskmap, 4, 4, 4); }},
      {"cgroup_storage", [] { return make_spec(MapType::cgroup_storage, 16, 8, 0); }},
      {"percpu_cgroup_storage", [] { return make_spec(MapType::percpu_cgroup_storage, 16, 8, 0); }},
      {"reuseport_sockarray", [] { return make_spec(MapType::reuseport_sockarray, 4, 8, 4); }},
      {"queue", [] { return make_spec(MapType::queue, 0, 4, 16); }},
      {"stack", [] { return make_spec(MapType::stack, 0, 4, 16); }},
      {"sk_storage", [] { return make_spec(MapType::sk_storage, 4, 4, 0, map_flags::no_prealloc); }, true},
      {"inode_storage", [] { return make_spec(MapType::inode_storage, 4, 4, 0, map_flags::no_prealloc); }, true},
      {"task_storage", [] { return make_spec(MapType::task_storage, 4, 4, 0, map_flags::no_prealloc); }, true},
      {"cgrp_storage", [] { return make_spec(MapType::cgrp_storage, 4, 4, 0, map_flags::no_prealloc); }, true},
      {"bloom_filter",
       [] {
         MapSpec s = make_spec(MapType::bloom_filter, 0, 4, 16);
         s.map_extra = 3;  // hash functions
         return s;
       }},
      {"ringbuf", [=] { return make_spec(MapType::ringbuf, 0, 0, page); }},
      {"user_ringbuf", [=] { return make_spec(MapType::user_ringbuf, 0, 0, page); }},
      {"arena", [] { return make_spec(MapType::arena, 0, 0, 2, map_flags::mmapable); }},
  };
}

class MapCreateType : public KernelTest, public ::testing::WithParamInterface<TypeCase> {};

TEST_P(MapCreateType, CreatesAndReadsBack) {
  const TypeCase& tc = GetParam();
  MapSpec spec = tc.spec();
  spec.name = tc.name;
  MapOptions opts;
  sys::Fd btf;
  if (tc.needs_btf) {
    btf = test::load_tiny_btf();
    ASSERT_TRUE(btf.valid());
    opts.btf = {.fd = btf.get(), .key_type_id = test::kBtfInt, .value_type_id = test::kBtfInt};
  }
  auto have = features::have_map_type(spec.type);
  ASSERT_TRUE(have) << have.error().message();
  auto m = Map::create(spec, opts);
  if (!*have) {
    // The kernel refuses the type: the library says so with errc::not_supported.
    ASSERT_FALSE(m) << tc.name;
    EXPECT_TRUE(m.error().is(errc::not_supported)) << m.error().message();
    EBPF_SKIP_KERNEL_LACKS(std::string(tc.name) + " maps (probed)");
  }
  ASSERT_TRUE(m) << tc.name << ": " << m.error().message();
  EXPECT_EQ(m->type(), spec.type);
  EXPECT_EQ(m->name(), tc.name);
  auto info = m->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->type, static_cast<std::uint32_t>(spec.type));
  EXPECT_EQ(info->key_size, m->key_size());
  EXPECT_EQ(info->value_size, m->value_size());
  EXPECT_EQ(info->max_entries, m->max_entries());
  EXPECT_STREQ(info->name, tc.name[0] != '\0' ? sys::object_name(tc.name).view().data() : "");
  if (tc.needs_btf) {
    auto id = m->btf_id();
    ASSERT_TRUE(id) << id.error().message();
    EXPECT_GT(*id, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, MapCreateType, ::testing::ValuesIn(type_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

class MapCreate : public KernelTest {};

TEST_F(MapCreate, StructOpsWithVmlinuxValueType) {
  EBPF_REQUIRE_KERNEL(features::have_map_type(MapType::struct_ops), "struct_ops maps");
  // A struct_ops map needs a value type from vmlinux BTF; find one this kernel has.
  std::optional<test::VmlinuxType> vt;
  for (const char* name : {"bpf_struct_ops_bpf_dummy_ops", "bpf_struct_ops_tcp_congestion_ops"})
    if ((vt = test::find_vmlinux_struct(name))) break;
  if (!vt) EBPF_SKIP_KERNEL_LACKS("a struct_ops value type in vmlinux BTF");
  MapSpec spec = make_spec(MapType::struct_ops, 4, vt->size, 1, 0, "ops");
  // The kernel wants a user BTF fd alongside the vmlinux value type.
  sys::Fd btf = test::load_tiny_btf();
  ASSERT_TRUE(btf.valid());
  auto m = Map::create(spec, {.btf = {.fd = btf.get(), .vmlinux_value_type_id = vt->id}});
  ASSERT_TRUE(m) << m.error().message();
  auto info = m->info();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->type, static_cast<std::uint32_t>(MapType::struct_ops));
  EXPECT_EQ(info->btf_vmlinux_value_type_id, vt->id);
  // Without the value type the kernel refuses it: the error says so.
  auto bare = Map::create(spec);
  ASSERT_FALSE(bare);
  EXPECT_NE(bare.error().message().find("map create"), std::string::npos);
}

TEST_F(MapCreate, ArenaWithUserAddressMapsThere) {
  EBPF_REQUIRE_KERNEL(features::have_map_type(MapType::arena), "arena maps");
  MapSpec spec = make_spec(MapType::arena, 0, 0, 4, map_flags::mmapable, "arena");
  spec.map_extra = 1ull << 40;  // a page-aligned user address
  auto m = Map::create(spec);
  ASSERT_TRUE(m) << m.error().message();
  auto mem = m->memory();
  ASSERT_TRUE(mem) << mem.error().message();
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(mem->data()), std::uintptr_t{1} << 40);
  EXPECT_EQ(mem->size(), 4u * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)));
  ASSERT_TRUE(mem->write<std::uint64_t>(8, 0xfeedu));
  std::uint64_t v = 0;
  ASSERT_TRUE(mem->read(8, v));
  EXPECT_EQ(v, 0xfeedu);
}

// A kernel that refuses arena maps to a caller who may create others (EPERM for that type only, as on some VMs):
// the probe says "not supported" and creating one is errc::not_supported. Simulated with the fault hook: the
// arena creation fails with EPERM, the probe's control map goes through.
TEST_F(MapCreate, RefusedTypeIsNotSupported) {
  static int calls;
  calls = 0;
  sys::set_fault_hook([](sys::Cmd cmd, void*) { return cmd == sys::Cmd::map_create && calls++ == 0 ? EPERM : 0; });
  auto probe = features::uncached::map_type(MapType::arena);
  sys::set_fault_hook(nullptr);
  ASSERT_TRUE(probe) << probe.error().message();
  EXPECT_FALSE(*probe);
  EXPECT_EQ(calls, 2);  // the arena, then the control array

  // Every creation refused with EPERM (no capability): the probe cannot tell, the error keeps its errno and hint.
  sys::set_fault_hook([](sys::Cmd cmd, void*) { return cmd == sys::Cmd::map_create ? EPERM : 0; });
  auto unknown = features::uncached::map_type(MapType::arena);
  sys::set_fault_hook(nullptr);
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(unknown.error().is(std::errc::operation_not_permitted)) << unknown.error().message();

  // On this kernel, whichever answer the probe gives, Map::create agrees with it.
  auto have = features::have_map_type(MapType::arena);
  ASSERT_TRUE(have) << have.error().message();
  auto m = Map::create(make_spec(MapType::arena, 0, 0, 2, map_flags::mmapable));
  EXPECT_EQ(m.has_value(), *have) << (m ? "" : m.error().message());
  if (!m) {
    EXPECT_TRUE(m.error().is(errc::not_supported)) << m.error().message();
    EXPECT_NE(m.error().message().find("map type arena not supported"), std::string::npos) << m.error().message();
  }
}

TEST_F(MapCreate, HintMemlockOnEperm) {
  sys::set_fault_hook([](sys::Cmd cmd, void*) { return cmd == sys::Cmd::map_create ? EPERM : 0; });
  auto m = Map::create(make_spec(MapType::hash, 4, 4, 4));
  sys::set_fault_hook(nullptr);
  ASSERT_FALSE(m);
  EXPECT_TRUE(m.error().is(std::errc::operation_not_permitted));
  EXPECT_NE(m.error().message().find("MEMLOCK may be too low"), std::string::npos) << m.error().message();
}

TEST_F(MapCreate, HintZeroMaxEntries) {
  auto m = Map::create(make_spec(MapType::hash, 4, 4, 0));
  ASSERT_FALSE(m);
  EXPECT_TRUE(m.error().is(std::errc::invalid_argument));
  EXPECT_NE(m.error().message().find("max_entries may be incorrectly set to zero"), std::string::npos)
      << m.error().message();
}

TEST_F(MapCreate, HintUnspecType) {
  auto m = Map::create(make_spec(MapType::unspec, 4, 4, 1));
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("cannot use type unspec"), std::string::npos) << m.error().message();
}

TEST_F(MapCreate, HintNoPrealloc) {
  auto m = Map::create(make_spec(MapType::array, 4, 4, 4, map_flags::no_prealloc));
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("no_prealloc flag may be incompatible with map type array"), std::string::npos)
      << m.error().message();
}

TEST_F(MapCreate, HintRingBufferSize) {
  const auto page = static_cast<std::uint32_t>(::sysconf(_SC_PAGESIZE));
  for (std::uint32_t size : {page + 1, 3 * page}) {
    auto m = Map::create(make_spec(MapType::ringbuf, 0, 0, size));
    ASSERT_FALSE(m) << size;
    EXPECT_NE(m.error().message().find("not a power-of-two multiple of page size"), std::string::npos)
        << m.error().message();
  }
}

TEST_F(MapCreate, SupportedFeatureGivesPlainError) {
  // mmapable is supported (probe passes) but not for hash maps: the kernel's EINVAL comes through unadorned.
  auto m = Map::create(make_spec(MapType::hash, 4, 4, 4, map_flags::mmapable));
  ASSERT_FALSE(m);
  EXPECT_TRUE(m.error().is(std::errc::invalid_argument));
  EXPECT_EQ(m.error().message().find("not supported"), std::string::npos) << m.error().message();
}

TEST_F(MapCreate, ExtraBytesMustBeZero) {
  MapSpec spec = make_spec(MapType::array, 4, 4, 1);
  spec.extra = {std::byte{0}, std::byte{0}};
  EXPECT_TRUE(Map::create(spec));
  spec.extra.push_back(std::byte{1});
  auto m = Map::create(spec);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("extra contains unhandled non-zero bytes"), std::string::npos);
}

TEST_F(MapCreate, MapOfMapsNeedsUnpinnedInnerTemplate) {
  MapSpec spec = make_spec(MapType::array_of_maps, 4, 4, 2);
  auto missing = Map::create(spec);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("requires inner_map"), std::string::npos);
  spec.inner_map = std::make_unique<MapSpec>(make_spec(MapType::array, 4, 4, 1, 0, "inner"));
  spec.inner_map->pinning = PinType::by_name;
  auto pinned = Map::create(spec);
  ASSERT_FALSE(pinned);
  EXPECT_NE(pinned.error().message().find("inner maps cannot be pinned"), std::string::npos);
  spec.inner_map->pinning = PinType::none;
  const int fds = test::open_fd_count();
  auto ok = Map::create(spec);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(test::open_fd_count(), fds + 1) << "the inner template must be closed";
  // A map shaped like the template fits; another shape does not.
  auto inner = Map::create(make_spec(MapType::array, 4, 4, 1));
  ASSERT_TRUE(inner);
  EXPECT_TRUE(ok->update(std::uint32_t{0}, *inner));
  auto wrong = Map::create(make_spec(MapType::array, 4, 8, 1));
  ASSERT_TRUE(wrong);
  EXPECT_FALSE(ok->update(std::uint32_t{1}, *wrong));
}

TEST_F(MapCreate, BtfKeyValueTypesAreUsed) {
  sys::Fd btf = test::load_tiny_btf();
  ASSERT_TRUE(btf.valid());
  auto m = Map::create(make_spec(MapType::hash, 4, 4, 4),
                       {.btf = {.fd = btf.get(), .key_type_id = test::kBtfInt, .value_type_id = test::kBtfInt}});
  ASSERT_TRUE(m) << m.error().message();
  auto info = m->info();
  ASSERT_TRUE(info);
  EXPECT_GT(info->btf_id, 0u);
  EXPECT_EQ(info->btf_key_type_id, test::kBtfInt);
  EXPECT_EQ(info->btf_value_type_id, test::kBtfInt);
}

TEST_F(MapCreate, RetriesWithoutBtfWhenKernelRefusesIt) {
  sys::Fd btf = test::load_tiny_btf();
  ASSERT_TRUE(btf.valid());
  // The value type (a 8-byte struct) does not match the 4-byte value: the kernel says EINVAL for the BTF.
  auto m = Map::create(make_spec(MapType::hash, 4, 4, 4),
                       {.btf = {.fd = btf.get(), .key_type_id = test::kBtfInt, .value_type_id = test::kBtfLocked}});
  ASSERT_TRUE(m) << m.error().message();
  auto id = m->btf_id();
  ASSERT_FALSE(id);
  EXPECT_TRUE(id.error().is(errc::not_supported));
  EXPECT_TRUE(m->update(std::uint32_t{1}, std::uint32_t{2}));
}

TEST_F(MapCreate, ContentsArePutAndReadOnlyMapsFrozen) {
  MapSpec spec = make_spec(MapType::array, 4, 8, 2, map_flags::rdonly_prog | map_flags::mmapable, ".rodata");
  std::uint64_t v = 0x1122334455667788ull;
  std::vector<std::byte> key(4, std::byte{0}), value(8);
  std::memcpy(value.data(), &v, 8);
  spec.contents.push_back({key, value});
  auto m = Map::create(spec);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ((m->lookup<std::uint32_t, std::uint64_t>(0)).value_or(0), v);
  auto upd = m->update(std::uint32_t{1}, std::uint64_t{1});
  ASSERT_FALSE(upd) << "a frozen map refuses updates";
  EXPECT_TRUE(upd.error().is(std::errc::operation_not_permitted));
  auto mem = m->memory();
  ASSERT_TRUE(mem) << mem.error().message();
  EXPECT_TRUE(mem->read_only());
  std::uint64_t read = 0;
  ASSERT_TRUE(mem->read(0, read));
  EXPECT_EQ(read, v);
  EXPECT_FALSE(mem->write<std::uint64_t>(0, 1));
}

TEST_F(MapCreate, BadContentsFailWithKey) {
  MapSpec spec = make_spec(MapType::array, 4, 8, 2);
  spec.contents.push_back({std::vector<std::byte>(4, std::byte{9}), std::vector<std::byte>(8)});
  auto m = Map::create(spec);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("populating map: putting value: key 09090909"), std::string::npos)
      << m.error().message();
}

TEST_F(MapCreate, PerCpuContentsAreCopiedToEveryCpu) {
  MapSpec spec = make_spec(MapType::percpu_array, 4, 4, 1);
  std::uint32_t v = 77;
  std::vector<std::byte> value(4);
  std::memcpy(value.data(), &v, 4);
  spec.contents.push_back({std::vector<std::byte>(4, std::byte{0}), value});
  auto m = Map::create(spec);
  ASSERT_TRUE(m) << m.error().message();
  std::vector<std::uint32_t> out(*possible_cpus());
  ASSERT_TRUE(m->lookup_per_cpu(std::uint32_t{0}, std::span<std::uint32_t>(out)));
  for (auto x : out) EXPECT_EQ(x, 77u);
}

TEST_F(MapCreate, ObjectRefContentsResolvedOrLeftToCaller) {
  sys::Fd prog = test::load_trivial_program();
  ASSERT_TRUE(prog.valid());
  MapSpec spec = make_spec(MapType::prog_array, 4, 4, 2);
  spec.contents.push_back({std::vector<std::byte>(4, std::byte{0}), ObjectRef{"trivial"}});

  auto left = Map::create(spec);
  ASSERT_TRUE(left) << left.error().message();
  EXPECT_TRUE(left->lookup_id(std::uint32_t{0}).error().is(errc::key_not_exist));

  std::string asked;
  MapOptions opts;
  opts.resolve = [&](const ObjectRef& ref) -> Result<int> {
    asked = ref.name;
    return prog.get();
  };
  auto m = Map::create(spec, opts);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(asked, "trivial");
  sys::ProgInfo pinfo{};
  ASSERT_TRUE(sys::obj_get_info_by_fd(prog.get(), &pinfo, sizeof pinfo));
  auto id = m->lookup_id(std::uint32_t{0});
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_EQ(*id, pinfo.id);

  opts.resolve = [](const ObjectRef& ref) -> Result<int> { return fail(errc::not_found, "no object " + ref.name); };
  auto bad = Map::create(spec, opts);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("no object trivial"), std::string::npos);
}

// ---- pinning on a private bpffs ----

class MapPin : public KernelTest {
 protected:
  void SetUp() override {
    KernelTest::SetUp();
    if (IsSkipped()) return;
    fs_ = std::make_unique<test::Bpffs>();
    ASSERT_TRUE(fs_->ok()) << "mount bpffs: " << fs_->error();
  }
  void TearDown() override {
    fs_.reset();
    KernelTest::TearDown();
  }
  std::unique_ptr<test::Bpffs> fs_;
};

TEST_F(MapPin, PinByNameCreatesThenReuses) {
  MapSpec spec = make_spec(MapType::hash, 4, 4, 8, 0, "shared");
  spec.pinning = PinType::by_name;
  MapOptions opts{.pin_path = fs_->dir()};
  auto first = Map::create(spec, opts);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_TRUE(first->is_pinned());
  EXPECT_EQ(first->pinned_path(), fs_->dir() + "/shared");
  struct stat st{};
  EXPECT_EQ(::stat((fs_->dir() + "/shared").c_str(), &st), 0);
  ASSERT_TRUE(first->update(std::uint32_t{1}, std::uint32_t{11}));

  auto second = Map::create(spec, opts);
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(second->info()->id, first->info()->id);
  EXPECT_EQ((second->lookup<std::uint32_t, std::uint32_t>(1)).value_or(0), 11u);

  MapSpec changed = spec;
  changed.max_entries = 9;
  changed.value_size = 8;
  auto refused = Map::create(changed, opts);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(errc::map_incompatible));
  EXPECT_NE(refused.error().message().find("use pinned map shared"), std::string::npos);
  EXPECT_NE(refused.error().message().find("max entries: 8 changed to 9"), std::string::npos);
  EXPECT_NE(refused.error().message().find("value size: 4 changed to 8"), std::string::npos);

  ASSERT_TRUE(first->unpin());
  EXPECT_FALSE(first->is_pinned());
  EXPECT_NE(::stat((fs_->dir() + "/shared").c_str(), &st), 0);
  EXPECT_TRUE(first->unpin()) << "unpinning an unpinned map succeeds";
}

TEST_F(MapPin, PinByNameNeedsNameAndPath) {
  MapSpec spec = make_spec(MapType::hash, 4, 4, 8, 0, "");
  spec.pinning = PinType::by_name;
  EXPECT_NE(Map::create(spec, {.pin_path = fs_->dir()}).error().message().find("missing name"), std::string::npos);
  spec.name = "x";
  EXPECT_NE(Map::create(spec).error().message().find("missing MapOptions::pin_path"), std::string::npos);
}

TEST_F(MapPin, PinMovesAndLoadPinnedHonoursAccessFlags) {
  auto m = Map::create(make_spec(MapType::array, 4, 4, 2));
  ASSERT_TRUE(m);
  const std::string a = fs_->dir() + "/a", b = fs_->dir() + "/b";
  ASSERT_TRUE(m->pin(a));
  ASSERT_TRUE(m->pin(a)) << "same path: no-op";
  ASSERT_TRUE(m->pin(b));
  struct stat st{};
  EXPECT_NE(::stat(a.c_str(), &st), 0);
  EXPECT_EQ(::stat(b.c_str(), &st), 0);
  ASSERT_TRUE(m->update(std::uint32_t{1}, std::uint32_t{5}));

  auto ro = Map::load_pinned(b, {.read_only = true});
  ASSERT_TRUE(ro) << ro.error().message();
  EXPECT_EQ(ro->pinned_path(), b);
  EXPECT_EQ((ro->lookup<std::uint32_t, std::uint32_t>(1)).value_or(0), 5u);
  EXPECT_TRUE(ro->update(std::uint32_t{1}, std::uint32_t{6}).error().is(std::errc::operation_not_permitted));

  auto wo = Map::load_pinned(b, {.write_only = true});
  ASSERT_TRUE(wo) << wo.error().message();
  EXPECT_TRUE(wo->update(std::uint32_t{1}, std::uint32_t{6}));
  EXPECT_TRUE((wo->lookup<std::uint32_t, std::uint32_t>(1)).error().is(std::errc::operation_not_permitted));
  EXPECT_EQ((m->lookup<std::uint32_t, std::uint32_t>(1)).value_or(0), 6u);

  EXPECT_FALSE(Map::load_pinned(b, {.read_only = true, .write_only = true}));
  auto missing = Map::load_pinned(fs_->dir() + "/nothing");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is(std::errc::no_such_file_or_directory));

  // A pinned program is not a map.
  sys::Fd prog = test::load_trivial_program();
  ASSERT_TRUE(sys::obj_pin(prog.get(), (fs_->dir() + "/prog").c_str()));
  auto not_map = Map::load_pinned(fs_->dir() + "/prog");
  ASSERT_FALSE(not_map);
  EXPECT_NE(not_map.error().message().find("is not a map"), std::string::npos) << not_map.error().message();
}

TEST_F(MapPin, ReusedDevmapPinIsCompatible) {
  MapSpec spec = make_spec(MapType::devmap, 4, 4, 2, 0, "dev");
  spec.pinning = PinType::by_name;
  auto first = Map::create(spec, {.pin_path = fs_->dir()});
  ASSERT_TRUE(first) << first.error().message();
  auto again = Map::create(spec, {.pin_path = fs_->dir()});
  ASSERT_TRUE(again) << again.error().message();
}

TEST_F(MapPin, InjectedFailureAtEveryStepLeaksNothing) {
  // Fail the n-th bpf() call of a create that pins, builds an inner template, resolves and freezes: every
  // error path must close what it opened (the fixture checks the fd count) and leave no pin behind.
  struct Injection {
    int calls = 0;
    int fail_at = 0;
  } inj;
  auto inner = Map::create(make_spec(MapType::array, 4, 4, 1, 0, "inner"));
  ASSERT_TRUE(inner);
  MapSpec outer = make_spec(MapType::array_of_maps, 4, 4, 2, 0, "outer");
  outer.pinning = PinType::by_name;
  outer.inner_map = std::make_unique<MapSpec>(make_spec(MapType::array, 4, 4, 1, 0, "tmpl"));
  outer.contents.push_back({{std::byte{1}, std::byte{0}, std::byte{0}, std::byte{0}}, ObjectRef{"inner"}});
  MapSpec ro = make_spec(MapType::array, 4, 4, 2, map_flags::rdonly_prog, "ro");
  ro.pinning = PinType::by_name;
  ro.contents.push_back({std::vector<std::byte>(4, std::byte{0}), std::vector<std::byte>(4, std::byte{7})});
  MapOptions opts{.pin_path = fs_->dir()};
  opts.resolve = [&](const ObjectRef&) -> Result<int> { return inner->fd(); };
  for (const MapSpec* spec : {&outer, &ro}) {
    bool completed = false;
    for (int n = 1; n < 40 && !completed; ++n) {
      inj = {0, n};
      sys::set_fault_hook(
          [](sys::Cmd, void* ctx) {
            auto* i = static_cast<Injection*>(ctx);
            return ++i->calls == i->fail_at ? EPERM : 0;
          },
          &inj);
      auto m = Map::create(*spec, opts);
      sys::set_fault_hook(nullptr);
      struct stat st{};
      const std::string pin = fs_->dir() + "/" + spec->name;
      if (inj.calls < n) {
        ASSERT_TRUE(m) << spec->name << ": " << m.error().message();
        completed = true;
        EXPECT_TRUE(m->unpin());
      } else if (!m) {
        EXPECT_NE(::stat(pin.c_str(), &st), 0) << spec->name << " step " << n << " left a pin";
      } else {
        EXPECT_TRUE(m->unpin());  // the failure hit an optional step (a probe)
      }
    }
    EXPECT_TRUE(completed) << spec->name;
  }
}

}  // namespace
}  // namespace ebpf
