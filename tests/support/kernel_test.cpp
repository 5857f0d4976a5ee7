#include "support/kernel_test.hpp"

#include <cstdlib>
#include <cstring>

#include "ebpf/sys/bpf.hpp"

namespace ebpf::test {

int open_fd_count() {
  int n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec))
    ++n;
  return n - 1;  // the directory iterator's own fd
}

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::strcmp(ci, "true") == 0;
}

bool have_bpf() {
  static const bool ok = [] {
    sys::MapCreateAttr attr{.map_type = 2, .key_size = 4, .value_size = 4, .max_entries = 1};
    return sys::map_create(attr).has_value();
  }();
  return ok;
}

std::filesystem::path bpf_object(std::string_view stem, std::string_view order) {
  return std::filesystem::path(EBPFPP_TEST_BPF_DIR) / (std::string(stem) + "." + std::string(order) + ".o");
}

std::filesystem::path tool_path() { return std::filesystem::path(EBPFPP_BINARY_DIR) / "tools" / "ebpfpp" / "ebpfpp"; }

void KernelTest::SetUp() {
  if (!have_bpf()) {
    if (in_ci()) FAIL() << "bpf() is not usable (not root?) and CI=true forbids skipping kernel tests";
    GTEST_SKIP() << "bpf() is not usable by this process (run as root)";
  }
  fds_before_ = open_fd_count();
}

void KernelTest::TearDown() {
  if (fds_before_ < 0) return;
  EXPECT_EQ(open_fd_count(), fds_before_) << "the test leaked file descriptors";
}

}  // namespace ebpf::test
