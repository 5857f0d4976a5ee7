// `ebpfpp load` and `ebpfpp run` on a program the verifier refuses: the report at the source line, as text and
// with --json as fields.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <string>

#include "ebpf/btf/btf.hpp"
#include "run_tool.hpp"

namespace ebpf {
namespace {

using test::run_tool;

std::string object() { return test::bpf_object("verifier_reject").string(); }

// Number of the line of verifier_reject.bpf.c marked `// REFUSED: <program>`.
std::uint32_t marked_line(const std::string& program) {
  std::ifstream in(std::string(EBPFPP_SOURCE_DIR) + "/tests/bpf/verifier_reject.bpf.c");
  const std::string marker = "// REFUSED: " + program;
  std::string l;
  for (std::uint32_t n = 1; std::getline(in, l); ++n)
    if (l.ends_with(marker)) return n;
  return 0;
}

class ToolVerifierReport : public test::KernelTest {};

TEST_F(ToolVerifierReport, LoadPrintsReportAtSourceLine) {
  auto r = run_tool("load " + object() + " --program unchecked_pointer", true);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  const std::string head = "verifier_reject.bpf.c:" + std::to_string(marked_line("unchecked_pointer")) +
                           ": return *v > 0;  // REFUSED: unchecked_pointer  ->  R0 invalid mem access "
                           "'map_value_or_null'\n";
  EXPECT_NE(r.out.find(head), std::string::npos) << r.out;
  // Then the verifier's lines about the instruction, indented, and the error chain above it.
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\n  \d+: \(79\) r1 = \*\(u64 \*\)\(r0 \+0\)\n)"))) << r.out;
  EXPECT_NE(r.out.find("program unchecked_pointer: load program: Permission denied"), std::string::npos) << r.out;
}

TEST_F(ToolVerifierReport, JsonFields) {
  for (const char* cmd : {"load --json ", "run --json "}) {
    const std::string args =
        std::string(cmd) + object() + (std::string(cmd).starts_with("load") ? " --program " : " ") + "subprogram";
    auto r = run_tool(args);  // stdout only
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_TRUE(r.out.starts_with("{\"error\":\"")) << r.out;
    EXPECT_NE(r.out.find("\"line\":" + std::to_string(marked_line("subprogram")) + ","), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(R"("function":"read_past")"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(R"("source":"return (int)v[i + 2];  // REFUSED: subprogram")"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(R"("message":"invalid access to map value)"), std::string::npos) << r.out;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"("insn":\d+,)"))) << r.out;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"("registers":"[^"]*R1=map_value)"))) << r.out;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"("log_tail":\[".+"\])"))) << r.out;
    EXPECT_NE(r.out.find(R"("core_relocation":null)"), std::string::npos) << r.out;
  }
}

TEST_F(ToolVerifierReport, JsonNamesFailedCoreRelocation) {
  if (!btf::kernel()) EBPF_SKIP_KERNEL_LACKS("BTF (/sys/kernel/btf/vmlinux)");
  auto r = run_tool("run --json " + object() + " core_missing_field");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find(R"x("core_relocation":"CO-RE relocation byte_off of struct task_struct access 0:0 )x"
                       R"x((task_struct.ebpfpp_no_such_field)")x"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\"line\":" + std::to_string(marked_line("core_missing_field")) + ","), std::string::npos)
      << r.out;
}

// A successful load with --json lists what loaded.
TEST_F(ToolVerifierReport, LoadJsonOnSuccess) {
  auto r = run_tool("load --json " + test::bpf_object("coll_mixed").string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex(R"(^\{"programs":\[\{"name":"\w+","type":"\w+","id":\d+,"tag":"[0-9a-f]{16}","pinned":null\})")))
      << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"("maps":\[\{"name":"[\w.]+","type":"\w+","id":\d+,"pinned":null\})")))
      << r.out;
  EXPECT_EQ(r.out.find("\"error\""), std::string::npos) << r.out;
}

}  // namespace
}  // namespace ebpf
