// `ebpfpp trace`: the shipped example examples/exec_trace.bpf.c attached to sched/sched_process_exec, with the
// test exec'ing a program of its own and finding it among the decoded records.
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "run_tool.hpp"

namespace ebpf {
namespace {

std::string exec_trace_object() { return std::string(EBPFPP_BINARY_DIR) + "/examples/exec_trace.bpfel.o"; }

class ToolTrace : public test::KernelTest {
 protected:
  void SetUp() override {
    test::KernelTest::SetUp();
    if (IsSkipped()) return;
    // A program with a name of our own: a symlink to /bin/true.
    dir_ = std::filesystem::temp_directory_path() / ("ebpfpp-trace-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    probe_ = dir_ / "ebpfpp-trace-probe";
    std::filesystem::create_symlink("/bin/true", probe_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    test::KernelTest::TearDown();
  }
  // Runs `trace args` for `seconds` while exec'ing the probe every 200 ms after the first second.
  test::ToolResult trace_while_exec(const std::string& args, double seconds) {
    test::ToolResult r;
    std::thread tool([&] { r = test::run_tool("trace " + exec_trace_object() + " " + args + " --duration " +
                                              std::to_string(seconds)); });
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds - 1.5);
    while (std::chrono::steady_clock::now() < end) {
      EXPECT_EQ(std::system(probe_.c_str()), 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    tool.join();
    return r;
  }

  std::filesystem::path dir_, probe_;
};

TEST_F(ToolTrace, JsonRecordsAreDecodedByTheirBtfType) {
  auto r = trace_while_exec("--json", 4);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string want = "\"comm\":\"ebpfpp-trace-pr\",\"filename\":\"" + probe_.string() + "\"}}";
  const auto at = r.out.find(want);
  ASSERT_NE(at, std::string::npos) << r.out.substr(0, 2000);
  const auto line_start = r.out.rfind('\n', at) + 1;
  const std::string prefix = "{\"map\":\"exec_events\",\"size\":148,\"record\":{\"pid\":";
  EXPECT_EQ(r.out.compare(line_start, prefix.size(), prefix), 0)
      << r.out.substr(line_start, at - line_start + want.size());
}

TEST_F(ToolTrace, TextRecordsOfTheChosenMap) {
  auto r = trace_while_exec("--map exec_events", 3.5);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("exec_events: pid="), std::string::npos) << r.out.substr(0, 2000);
  EXPECT_NE(r.out.find("comm=\"ebpfpp-trace-pr\" filename=\"" + probe_.string() + "\""), std::string::npos)
      << r.out.substr(0, 2000);
}

TEST_F(ToolTrace, SigintStopsCleanly) {
  const auto t0 = std::chrono::steady_clock::now();
  auto r = test::run_tool("trace " + exec_trace_object() + " 2>&1 & pid=$!; sleep 1.5; kill -INT $pid; wait $pid", true);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("1 program(s) attached"), std::string::npos) << r.out.substr(0, 2000);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

TEST_F(ToolTrace, UnknownMapAndObjectsWithoutEventMaps) {
  auto r = test::run_tool("trace " + exec_trace_object() + " --map nope", true);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("map nope: not found"), std::string::npos) << r.out;
  auto none = test::run_tool("trace " + std::string(EBPFPP_BINARY_DIR) + "/examples/packet_stats.bpfel.o", true);
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.out.find("no ring buffer or perf event array map"), std::string::npos) << none.out;
}

// Maps that declare no value type: the `<map>_record` global names the records' type, for the ring buffer and
// the perf event array alike.
TEST_F(ToolTrace, RecordGlobalNamesTheTypeOfMapsWithoutOne) {
  const std::string object = test::bpf_object("trace_hint").string();
  test::ToolResult r;
  std::thread tool([&] { r = test::run_tool("trace " + object + " --json --duration 3"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  for (int i = 0; i < 10; ++i) {
    (void)::syscall(SYS_getpid);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  tool.join();
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string rec = "\"record\":{\"pid\":" + std::to_string(::getpid()) + ",\"marker\":4276993775}}";
  EXPECT_NE(r.out.find("{\"map\":\"hinted\",\"size\":8," + rec), std::string::npos) << r.out.substr(0, 2000);
  const auto perf = r.out.find("{\"map\":\"perf_hinted\",\"cpu\":");
  ASSERT_NE(perf, std::string::npos) << r.out.substr(0, 2000);
  EXPECT_NE(r.out.find(rec, perf), std::string::npos) << r.out.substr(perf, 2000);
}

}  // namespace
}  // namespace ebpf
