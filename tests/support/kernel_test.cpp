#include "support/kernel_test.hpp"

#include <sys/mount.h>
#include <sys/vfs.h>

#include <cerrno>
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

std::string ensure_tracefs() {
  struct statfs st {};
  if (::statfs("/sys/kernel/tracing", &st) == 0 && st.f_type == 0x74726163 /* TRACEFS_MAGIC */) return {};
  if (::mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr) != 0 && errno != EBUSY)
    return std::string("mount tracefs: ") + std::strerror(errno);
  return {};
}

void KernelTest::SetUp() {
  if (!have_bpf()) {
    if (in_ci()) FAIL() << "bpf() is not usable (not root?) and CI=true forbids skipping kernel tests";
    GTEST_SKIP() << "bpf() is not usable by this process (run as root)";
  }
  // A fresh machine has no tracefs mounted; tracepoint tests in any binary (and the tool they run) need it, and
  // must not depend on another test having mounted it first. A failure shows in the tests that need it, as the
  // library's own "tracefs is not mounted" error.
  static const std::string tracefs_error = ensure_tracefs();
  (void)tracefs_error;
  fds_before_ = open_fd_count();
}

void KernelTest::TearDown() {
  if (fds_before_ < 0) return;
  EXPECT_EQ(open_fd_count(), fds_before_) << "the test leaked file descriptors";
}

}  // namespace ebpf::test
