#include <gtest/gtest.h>

#include <regex>

#include "run_tool.hpp"

namespace ebpf {
namespace {

using test::run_tool;

TEST(Tool, VersionAndHelp) {
  auto v = run_tool("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_TRUE(std::regex_search(v.out, std::regex(R"(^ebpfpp \d+\.\d+\.\d+\n$)"))) << v.out;
  auto h = run_tool("--help");
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("usage: ebpfpp"), std::string::npos);
  EXPECT_NE(h.out.find("demo"), std::string::npos);
}

TEST(Tool, UnknownCommandFails) {
  auto r = run_tool("no-such-command", true);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("unknown command 'no-such-command'"), std::string::npos) << r.out;
}

class ToolKernel : public test::KernelTest {};

TEST_F(ToolKernel, DemoRunsProgramInKernel) {
  auto r = run_tool("demo", true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(loaded xdp program ipv4_only: id \d+, tag [0-9a-f]{16})"))) << r.out;
  EXPECT_NE(r.out.find("ipv4 frame -> 2 (XDP_PASS)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("arp frame  -> 1 (XDP_DROP)"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace ebpf
