// `ebpfpp load` and `ebpfpp run` on the project's test objects.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "map/map_test_util.hpp"
#include "run_tool.hpp"

namespace ebpf {
namespace {

using test::run_tool;

std::string object(const char* stem) { return test::bpf_object(stem).string(); }
std::string example_object() { return std::string(EBPFPP_BINARY_DIR) + "/examples/packet_stats.bpfel.o"; }

// 64-byte frame, IPv4 ethertype, as hex.
std::string ipv4_frame_hex() {
  std::string hex(128, '0');
  hex[24] = '0';
  hex[25] = '8';
  return hex;
}

class ToolCollection : public test::KernelTest {};

TEST_F(ToolCollection, LoadPrintsIdsAndTags) {
  auto r = run_tool("load " + object("coll_mixed"), true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const char* prog : {"sock_account", "tc_account", "xdp_account", "xdp_inner", "sock_loop", "tc_tag"}) {
    EXPECT_TRUE(std::regex_search(r.out, std::regex(std::string("program ") + prog + R"( +\w+ +id \d+ +tag [0-9a-f]{16})")))
        << prog << "\n" << r.out;
  }
  for (const char* map : {"flows", "counters", "outer", "inner_a", ".rodata", ".data", ".bss"})
    EXPECT_TRUE(std::regex_search(r.out, std::regex(std::string("map +") + std::regex_replace(map, std::regex(R"(\.)"), R"(\.)") + R"( +\w+ +id \d+)")))
        << map << "\n" << r.out;
}

TEST_F(ToolCollection, LoadSelectedPrograms) {
  auto r = run_tool("load " + object("coll_mixed") + " --program xdp_inner --program sock_loop", true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("program xdp_inner"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("program sock_loop"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("program tc_tag"), std::string::npos) << r.out;
}

TEST_F(ToolCollection, LoadRejectedProgramShowsVerifierLog) {
  auto r = run_tool("load " + object("coll_extra") + " --program rejected", true);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("program rejected"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("invalid mem access"), std::string::npos) << r.out;
}

TEST_F(ToolCollection, LoadPins) {
  test::Bpffs fs;
  ASSERT_TRUE(fs.ok()) << fs.error();
  auto r = run_tool("load " + object("coll_basic") + " --pin " + fs.dir(), true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const char* name : {"pinned_counter", "compute", "tail_caller", "legacy_counts", "_rodata"})
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(fs.dir()) / name)) << name << "\n" << r.out;
  EXPECT_NE(r.out.find("pinned at " + fs.dir() + "/compute"), std::string::npos) << r.out;
}

const std::regex kRunJson(R"json(^\{"retval": ?(\d+), ?"duration_ns": ?(\d+), ?"data_out": ?"([0-9a-f]*)"\}\n$)json");

TEST_F(ToolCollection, RunJsonWithHexData) {
  auto r = run_tool("run " + object("coll_basic") + " compute --json --data " + ipv4_frame_hex());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_match(r.out, m, kRunJson)) << r.out;
  EXPECT_EQ(m[1].str(), "35");  // 10 * rodata_factor + data_offset
  // A tail call taken: the prog array is loaded with the program.
  auto t = run_tool("run " + object("coll_basic") + " tail_caller --json --data " + ipv4_frame_hex());
  ASSERT_TRUE(std::regex_match(t.out, m, kRunJson)) << t.out;
  EXPECT_EQ(m[1].str(), "77");
}

TEST_F(ToolCollection, RunJsonWithDataFileAndRepeat) {
  const std::filesystem::path file = std::filesystem::temp_directory_path() / "ebpfpp-run-frame.bin";
  {
    std::ofstream out(file, std::ios::binary);
    std::string frame(64, '\0');
    frame[12] = '\x08';
    frame[13] = '\x06';  // ARP
    frame[20] = '\x2a';
    out << frame;
  }
  auto r = run_tool("run " + example_object() + " xdp_count --json --repeat 50 --data @" + file.string());
  std::filesystem::remove(file);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_match(r.out, m, kRunJson)) << r.out;
  EXPECT_EQ(m[1].str(), "2");  // XDP_PASS
  // The frame comes back unchanged.
  std::string expected(128, '0');
  expected[25] = '8';
  expected[27] = '6';
  expected[40] = '2';
  expected[41] = 'a';
  EXPECT_EQ(m[3].str(), expected);

  auto plain = run_tool("run " + example_object() + " xdp_count --repeat 3 --data " + ipv4_frame_hex());
  ASSERT_EQ(plain.exit_code, 0) << plain.out;
  EXPECT_NE(plain.out.find("over 3 run(s)"), std::string::npos) << plain.out;
}

TEST_F(ToolCollection, RunRefusesBadInput) {
  auto odd = run_tool("run " + object("coll_basic") + " compute --data abc", true);
  EXPECT_NE(odd.exit_code, 0);
  EXPECT_NE(odd.out.find("odd number of hex digits"), std::string::npos) << odd.out;
  auto missing = run_tool("run " + object("coll_basic") + " no_such_program", true);
  EXPECT_EQ(missing.exit_code, 1) << missing.out;
  EXPECT_NE(missing.out.find("program no_such_program"), std::string::npos) << missing.out;
}

}  // namespace
}  // namespace ebpf
