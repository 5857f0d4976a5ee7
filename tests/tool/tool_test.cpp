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
  // The shipped example collection: both programs on sample frames, then its maps.
  EXPECT_NE(r.out.find("loaded collection packet_stats.bpfel.o: 2 programs, 4 maps"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("xdp_count  arp frame  (64 bytes) -> 2 (XDP_PASS)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("xdp_filter arp frame  (64 bytes) -> 1 (XDP_DROP)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("xdp_filter short ipv4 (42 bytes) -> 1 (XDP_DROP)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("xdp_filter ipv4 frame (64 bytes) -> 2 (XDP_PASS)"), std::string::npos) << r.out;
  // 5 frames counted by xdp_count (4 of 64 bytes, 1 of 42), 2 dropped by xdp_filter.
  EXPECT_NE(r.out.find("map stats: frames=5 bytes=298 dropped=2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("map per_ethertype: 0x0800=3 0x0806=1 0x86dd=1"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace ebpf
