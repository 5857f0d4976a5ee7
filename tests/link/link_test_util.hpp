// Shared by the link tests: tracefs and bpffs mounts, the test objects' counters, and functions of this
// binary to put uprobes on.
#pragma once

#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "ebpf/collection.hpp"
#include "ebpf/link/link.hpp"
#include "ebpf/map.hpp"
#include "support/kernel_test.hpp"

extern "C" int ebpfpp_link_probe_target(int x);
extern "C" int ebpfpp_link_probe_other(int x);

namespace ebpf::test {

// The real path of this test binary (uprobes want a file, not /proc/self/exe's magic link).
inline std::string self_exe() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

// A private bpffs, mounted on a fresh temporary directory and removed at the end.
class Bpffs {
 public:
  Bpffs() {
    char tmpl[] = "/tmp/ebpfpp-link-bpffs-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return;
    dir_ = tmpl;
    if (::mount("bpf", dir_.c_str(), "bpf", 0, nullptr) != 0) {
      ::rmdir(dir_.c_str());
      dir_.clear();
    }
  }
  ~Bpffs() {
    if (!dir_.empty()) {
      ::umount2(dir_.c_str(), MNT_DETACH);
      ::rmdir(dir_.c_str());
    }
  }
  Bpffs(const Bpffs&) = delete;
  Bpffs& operator=(const Bpffs&) = delete;
  [[nodiscard]] bool ok() const { return !dir_.empty(); }
  [[nodiscard]] const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

// A collection whose programs count hits of this process in `counts` (config[0] = our tgid).
class LinkTest : public KernelTest {
 protected:
  void SetUp() override {
    KernelTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (auto e = ensure_tracefs(); !e.empty()) FAIL() << e;
  }
  void TearDown() override {
    coll_.reset();
    KernelTest::TearDown();
  }

  // Loads `object`; returns the load error (for tests that probe with it), or nullopt on success.
  std::optional<Error> load(const char* object) {
    auto spec = load_collection_spec(bpf_object(object));
    EXPECT_TRUE(spec) << spec.error().message();
    if (!spec) return spec.error();
    auto coll = Collection::load(*spec);
    if (!coll) return coll.error();
    coll_.emplace(std::move(*coll));
    if (auto m = coll_->map("config")) {
      std::uint32_t k = 0;
      std::uint64_t tgid = static_cast<std::uint64_t>(::getpid());
      EXPECT_TRUE((*m)->update(k, tgid));
    }
    return std::nullopt;
  }

  Program& prog(std::string_view name) { return **coll_->program(name); }
  Map& map(std::string_view name) { return **coll_->map(name); }

  std::uint64_t count(std::uint32_t slot, std::string_view map_name = "counts") {
    auto v = map(map_name).lookup<std::uint32_t, std::uint64_t>(slot);
    EXPECT_TRUE(v) << v.error().message();
    return v ? *v : ~std::uint64_t{0};
  }

  static void getpid_n(int n) {
    for (int i = 0; i < n; ++i) ::syscall(SYS_getpid);
  }

  std::optional<Collection> coll_;
};

}  // namespace ebpf::test
