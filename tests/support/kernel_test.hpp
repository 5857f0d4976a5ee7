// Test support shared by every test binary.
//
// KernelTest: a fixture for tests that talk to the kernel. It skips when the process cannot use bpf()
// (not root) - except under CI=true, where that is a failure - and checks that the test leaves the
// number of open file descriptors unchanged.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace ebpf::test {

// Number of open file descriptors of this process.
int open_fd_count();

// True when CI=true is set in the environment.
bool in_ci();

// Whether bpf() works for this process (probed once).
bool have_bpf();

// Path of a compiled test object: bpf_object("maps", "bpfel") -> <build>/tests/bpf/maps.bpfel.o
std::filesystem::path bpf_object(std::string_view stem, std::string_view order = "bpfel");

// Path of the ebpfpp tool built next to the tests.
std::filesystem::path tool_path();

// Mounts tracefs at /sys/kernel/tracing if nothing is mounted there (left mounted: harmless and shared).
// Returns an empty string, or what failed. KernelTest::SetUp calls it once per process.
std::string ensure_tracefs();

class KernelTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

 private:
  int fds_before_ = -1;
};

// Skip because the running kernel lacks `feature`. Allowed even in CI: only use it after a probe has
// shown that the kernel really lacks the feature.
#define EBPF_SKIP_KERNEL_LACKS(feature) GTEST_SKIP() << "kernel lacks " << (feature)

// Asks a probe of ebpf::features (a Support, i.e. Result<bool>) and skips when it says the kernel lacks
// `feature`. A probe that could not tell is a failure: the test would otherwise assert or skip on a guess.
#define EBPF_REQUIRE_KERNEL(probe, feature)                                                      \
  do {                                                                                          \
    const auto ebpf_have_ = (probe);                                                            \
    ASSERT_TRUE(ebpf_have_) << "probe " << (feature) << ": " << ebpf_have_.error().message();   \
    if (!*ebpf_have_) EBPF_SKIP_KERNEL_LACKS(std::string(feature) + " (probed)");              \
  } while (0)

}  // namespace ebpf::test
