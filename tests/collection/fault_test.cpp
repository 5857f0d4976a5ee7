// Collection::load under injected bpf() failures: every call of a rich load (BTF, legacy and BTF maps, data
// sections, a map of maps, prog array contents, a map pinned by name) fails in turn; after each failure no
// descriptor and no pin remains.
#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include "ebpf/collection.hpp"
#include "ebpf/sys/bpf.hpp"
#include "map/map_test_util.hpp"
#include "support/kernel_test.hpp"

namespace ebpf {
namespace {

struct Injector {
  int calls = 0;
  int fail_at = -1;     // index of the call to fail
  bool sticky = false;  // fail every call from fail_at on (the kernel "runs out of memory" for good)
  sys::Cmd failed_cmd{};
};

int inject(sys::Cmd cmd, void* context) {
  auto* in = static_cast<Injector*>(context);
  const int index = in->calls++;
  if (index < in->fail_at || (index > in->fail_at && !in->sticky)) return 0;
  if (index == in->fail_at) in->failed_cmd = cmd;
  return ENOMEM;
}

// Pins under dir (a fresh bpffs also shows the kernel's maps.debug / progs.debug iterators).
std::vector<std::string> pins(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (!name.ends_with(".debug")) out.push_back(std::move(name));
  }
  return out;
}

class CollectionFaults : public test::KernelTest, public ::testing::WithParamInterface<bool> {};

TEST_P(CollectionFaults, EveryFailingCallLeavesNothingBehind) {
  const bool sticky = GetParam();
  test::Bpffs fs;
  ASSERT_TRUE(fs.ok()) << fs.error();
  // coll_basic: maps of every kind, a prog array, data sections; coll_mixed: a map of maps with two inner maps
  // (put with one batch update, which falls back to single updates if it fails).
  struct Object {
    const char* stem;
    int min_calls;  // how many bpf() calls its load makes at least
  };
  for (const auto [object, min_calls] : {Object{"coll_basic", 20}, Object{"coll_mixed", 10}}) {
  SCOPED_TRACE(object);
  auto spec = load_collection_spec(test::bpf_object(object));
  ASSERT_TRUE(spec) << spec.error().message();
  CollectionOptions options;
  options.maps.pin_path = fs.dir();

  // A first load without faults fills the library's one-time kernel probes, so that failures injected below
  // reach the load itself rather than a cached probe.
  {
    auto warm = Collection::load(*spec, options);
    ASSERT_TRUE(warm) << warm.error().message();
  }
  for (const auto& name : pins(fs.dir())) std::filesystem::remove(std::filesystem::path(fs.dir()) / name);

  const int fds_before = test::open_fd_count();
  int failures = 0, tolerated = 0, calls = 0;
  for (int k = 0; k < 1000; ++k) {
    Injector in;
    in.fail_at = k;
    in.sticky = sticky;
    sys::set_fault_hook(&inject, &in);
    auto coll = Collection::load(*spec, options);
    sys::set_fault_hook(nullptr);
    if (in.calls <= k) {
      // No call was failed: the load must have succeeded, and we have covered every call.
      ASSERT_TRUE(coll) << coll.error().message();
      calls = in.calls;
      break;
    }
    if (coll) {
      // The failed call was one the loader may do without (none today): clean up and go on.
      // Only a load that retries with a verifier log may survive one failed call (the retry loads it).
      ++tolerated;
      EXPECT_FALSE(sticky) << "call " << k << " (cmd " << static_cast<int>(in.failed_cmd) << ") failed but the load succeeded";
      EXPECT_TRUE(in.failed_cmd == sys::Cmd::prog_load || in.failed_cmd == sys::Cmd::btf_load ||
                  in.failed_cmd == sys::Cmd::map_update_batch)
          << "call " << k << " (cmd " << static_cast<int>(in.failed_cmd) << ") failed but the load succeeded";
      coll = Collection{};
      for (const auto& name : pins(fs.dir())) std::filesystem::remove(std::filesystem::path(fs.dir()) / name);
      continue;
    }
    ++failures;
    EXPECT_EQ(test::open_fd_count(), fds_before)
        << "call " << k << " (cmd " << static_cast<int>(in.failed_cmd) << "): " << coll.error().message();
    EXPECT_TRUE(pins(fs.dir()).empty())
        << "call " << k << " (cmd " << static_cast<int>(in.failed_cmd) << "): " << coll.error().message();
    EXPECT_FALSE(coll.error().message().empty());
  }
  EXPECT_GT(calls, min_calls) << "a rich load makes many bpf() calls";
  EXPECT_EQ(failures + tolerated, calls);
  EXPECT_GT(failures, calls / 2);
  }
}

INSTANTIATE_TEST_SUITE_P(OneCallOrEveryCallFromThere, CollectionFaults, ::testing::Values(false, true));

}  // namespace
}  // namespace ebpf
