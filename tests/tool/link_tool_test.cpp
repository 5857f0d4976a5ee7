// `ebpfpp attach` and `ebpfpp link list`: links made by the tool show up in the listing while it runs (or while
// pinned) and are gone after it exits (or after the pin is removed).
#include <gtest/gtest.h>

#include <sys/mount.h>
#include <sys/vfs.h>

#include <cstring>
#include <filesystem>
#include <regex>
#include <vector>

#include "run_tool.hpp"
#include "support/kernel_test.hpp"

namespace ebpf {
namespace {

std::string shell(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

std::vector<std::string> link_ids(const std::string& attach_output) {
  std::vector<std::string> ids;
  std::regex re(R"(^link (\d+) +program )");
  std::size_t start = 0;
  while (start < attach_output.size()) {
    auto nl = attach_output.find('\n', start);
    std::string line = attach_output.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    std::smatch m;
    if (std::regex_search(line, m, re)) ids.push_back(m[1]);
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return ids;
}

class ToolLink : public test::KernelTest {
 protected:
  void SetUp() override {
    test::KernelTest::SetUp();
    if (IsSkipped()) return;
    struct statfs st {};
    if (::statfs("/sys/kernel/tracing", &st) != 0 || st.f_type != 0x74726163)
      ::mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr);
  }
};

TEST_F(ToolLink, AttachListsLinksUntilItExits) {
  const std::string tool = test::tool_path().string();
  const std::string obj = test::bpf_object("link_tracing").string();
  const std::string out = shell("(" + tool + " attach " + obj + " on_getpid on_sys_enter --duration 1.5 > /tmp/ebpfpp-attach-test.out &" +
                                " sleep 0.7; " + tool + " link list --json; wait); cat /tmp/ebpfpp-attach-test.out; rm -f /tmp/ebpfpp-attach-test.out");
  const auto ids = link_ids(out);
  ASSERT_EQ(ids.size(), 2u) << out;
  for (const auto& id : ids) EXPECT_NE(out.find("{\"id\":" + id + ","), std::string::npos) << out;
  EXPECT_NE(out.find("\"type\":\"raw_tracepoint\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"name\":\"sys_enter_getpid\""), std::string::npos) << out;
  EXPECT_NE(out.find("detached"), std::string::npos) << out;
  auto after = test::run_tool("link list --json");
  ASSERT_EQ(after.exit_code, 0);
  for (const auto& id : ids) EXPECT_EQ(after.out.find("{\"id\":" + id + ","), std::string::npos) << after.out;
}

TEST_F(ToolLink, AttachPinsAndFailsCleanly) {
  char tmpl[] = "/tmp/ebpfpp-tool-link-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  ASSERT_EQ(::mount("bpf", dir.c_str(), "bpf", 0, nullptr), 0) << std::strerror(errno);
  const std::string obj = test::bpf_object("link_tracing").string();
  auto r = test::run_tool("attach " + obj + " on_sys_enter --pin " + dir);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  const auto ids = link_ids(r.out);
  ASSERT_EQ(ids.size(), 1u) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir + "/on_sys_enter"));
  auto listed = test::run_tool("link list");
  EXPECT_NE(listed.out.find(ids[0] + ": raw_tracepoint"), std::string::npos) << listed.out;
  std::filesystem::remove(dir + "/on_sys_enter");
  auto gone = test::run_tool("link list");
  EXPECT_EQ(gone.out.find(ids[0] + ": raw_tracepoint"), std::string::npos) << gone.out;

  // A uprobe without a target: usage of the section is refused, nothing stays attached or pinned.
  auto bad = test::run_tool("attach " + obj + " on_sys_enter on_uprobe --pin " + dir, true);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("program on_uprobe"), std::string::npos) << bad.out;
  EXPECT_FALSE(std::filesystem::exists(dir + "/on_sys_enter"));
  ::umount2(dir.c_str(), MNT_DETACH);
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace ebpf
