// `ebpfpp probe`: the groups and keys of the JSON contract, the text form, and argument errors.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "ebpf/features/features.hpp"
#include "json_value.hpp"
#include "support/kernel_test.hpp"

namespace ebpf {
namespace {

using test::Json;

std::string tool(const std::string& args, int* exit_code) {
  std::string out;
  FILE* p = ::popen((test::tool_path().string() + " " + args + " 2>&1").c_str(), "r");
  if (p == nullptr) return out;
  std::array<char, 65536> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(p);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

class ProbeCommand : public test::KernelTest {};

TEST_F(ProbeCommand, JsonGroupsAgreeWithTheLibrary) {
  int code = -1;
  const std::string out = tool("probe --json", &code);
  ASSERT_EQ(code, 0) << out;
  auto j = test::JsonParser(out).parse();
  ASSERT_TRUE(j) << out.substr(0, 200);
  for (const char* group : {"kernel", "system_config", "syscall_config", "program_types", "map_types", "helpers",
                            "misc", "features", "errors"})
    EXPECT_TRUE(j->get(group)) << group;
  EXPECT_FALSE(j->get("kernel")->get("version")->s.empty());
  EXPECT_TRUE(j->get("syscall_config")->get("have_bpf_syscall")->b);
  ASSERT_TRUE(j->get("system_config")->get("CONFIG_BPF_SYSCALL"));
  // Every answer the tool prints is the library's.
  for (std::uint32_t i = 1; i <= kMaxMapType; ++i) {
    const auto t = static_cast<MapType>(i);
    const Json* v = j->get("map_types")->get("have_" + std::string(to_string(t)) + "_map_type");
    ASSERT_TRUE(v) << to_string(t);
    auto have = features::have_map_type(t);
    ASSERT_TRUE(have) << have.error().message();
    EXPECT_EQ(v->b, *have) << to_string(t);
  }
  for (std::uint16_t i = 0; i < features::kFeatureCount; ++i) {
    const auto f = static_cast<features::Feature>(i);
    const Json* v = j->get("features")->get("have_" + std::string(features::to_string(f)));
    ASSERT_TRUE(v) << features::to_string(f);
    auto have = features::have_bpf_feature(f);
    ASSERT_TRUE(have) << have.error().message();
    EXPECT_EQ(v->kind, Json::Kind::boolean);
    EXPECT_EQ(v->b, *have) << features::to_string(f);
  }
  // Helper lists leave out the helpers that write to the kernel log, unless --full.
  const Json* tp = j->get("helpers")->get("tracepoint_available_helpers");
  ASSERT_TRUE(tp);
  bool printk = false;
  for (const auto& n : tp->items) printk = printk || n.s == "bpf_trace_printk";
  EXPECT_FALSE(printk);
  EXPECT_GT(tp->items.size(), 10u);
}

TEST_F(ProbeCommand, TextAndErrors) {
  int code = -1;
  const std::string out = tool("probe", &code);
  ASSERT_EQ(code, 0) << out;
  for (const char* section : {"system configuration:", "program types:", "map types:", "helpers:", "misc:", "features:"})
    EXPECT_NE(out.find(section), std::string::npos) << section;
  EXPECT_NE(out.find("kernel "), std::string::npos);
  const std::string bad = tool("probe extra", &code);
  EXPECT_EQ(code, 2) << bad;
}

}  // namespace
}  // namespace ebpf
