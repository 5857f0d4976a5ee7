// `ebpfpp load` and `ebpfpp run` with --btf: CO-RE against a target BTF given on the command line.
#include <gtest/gtest.h>

#include "support/kernel_test.hpp"
#include "tool/run_tool.hpp"

namespace {

using ebpf::test::bpf_object;
using ebpf::test::run_tool;

class CoreReloTool : public ebpf::test::KernelTest {};

TEST_F(CoreReloTool, RunWithTargetBtfObject) {
  const std::string obj = bpf_object("corerelo_fields").string();
  const std::string target = bpf_object("corerelo_target").string();
  auto r = run_tool("run " + obj + " guarded_missing --btf " + target + " --data 00000000000000000000000000000000 --json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\"retval\":7"), std::string::npos) << r.out;

  auto bad = run_tool("run " + obj + " bad_missing --btf " + target + " --data 00000000000000000000000000000000", true);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.out.find("bad CO-RE relocation"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("corerelo_s.missing"), std::string::npos) << bad.out;

  auto ambiguous = run_tool("load " + obj + " --program fields --btf " + bpf_object("corerelo_ambiguous").string(), true);
  EXPECT_NE(ambiguous.exit_code, 0);
  EXPECT_NE(ambiguous.out.find("ambiguous"), std::string::npos) << ambiguous.out;
}

TEST_F(CoreReloTool, LoadWithRawBtfFile) {
  auto r = run_tool("load " + bpf_object("corerelo_kernel").string() + " --btf /sys/kernel/btf/vmlinux", true);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("kernel_values"), std::string::npos) << r.out;

  auto missing = run_tool("load " + bpf_object("corerelo_kernel").string() + " --btf /nonexistent.btf", true);
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.out.find("/nonexistent.btf"), std::string::npos) << missing.out;
}

}  // namespace
