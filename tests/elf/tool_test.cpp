// The ebpfpp tool's inspect/disasm output over the test objects. inspect --json is a contract.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "support/kernel_test.hpp"

namespace {

std::string run(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  if (status) *status = st;
  return out;
}

std::string tool() { return ebpf::test::tool_path().string(); }

}  // namespace

TEST(ToolInspect, JsonContract) {
  for (const char* order : {"bpfel", "bpfeb"}) {
    const auto obj = ebpf::test::bpf_object("elf_btf", order).string();
    int status = -1;
    auto out = run(tool() + " inspect --json " + obj, &status);
    ASSERT_EQ(status, 0) << out;
    const std::string bo = std::string(order) == "bpfel" ? "little" : "big";
    EXPECT_TRUE(out.starts_with("{\"byte_order\":\"" + bo + "\",\"license\":\"GPL\",\"kernel_version\":0,\"maps\":[{"))
        << out;
    EXPECT_NE(out.find("{\"name\":\"flows\",\"type\":\"hash\",\"key_size\":12,\"value_size\":8,\"max_entries\":1024,"
                       "\"flags\":1,\"map_extra\":0,\"pinning\":\"by_name\",\"inner_map\":null,\"contents\":0}"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("{\"name\":\"outer_hash\",\"type\":\"hash_of_maps\",\"key_size\":4,\"value_size\":4,"
                       "\"max_entries\":4,\"flags\":0,\"map_extra\":0,\"pinning\":\"none\",\"inner_map\":{\"name\":"
                       "\"outer_hash_inner\",\"type\":\"hash\",\"key_size\":8,\"value_size\":8,\"max_entries\":16,"
                       "\"flags\":0,\"map_extra\":0,\"pinning\":\"none\",\"inner_map\":null,\"contents\":0},\"contents\":0}"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("\"contents\":2}"), std::string::npos);  // outer_array's two static values
    EXPECT_NE(out.find("{\"name\":\"core_read\",\"section\":\"kprobe/do_exit\",\"type\":\"kprobe\",\"attach_type\":"
                       "\"unspec\",\"attach_to\":\"do_exit\",\"flags\":0,\"insns\":"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("\"variables\":[{\"name\":\"hits\",\"section\":\".bss\",\"offset\":0,\"size\":4},"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("],\"btf\":{\"types\":"), std::string::npos) << out;
    EXPECT_TRUE(out.ends_with("}}\n")) << out;
    // Well-formed JSON by an independent parser.
    EXPECT_EQ(run(tool() + " inspect --json " + obj + " | python3 -c 'import json,sys; json.load(sys.stdin)' && echo ok"),
              "ok\n");
  }
}

TEST(ToolInspect, LegacyObjectWithoutBtfAndHumanTable) {
  const auto obj = ebpf::test::bpf_object("elf_legacy", "bpfel").string();
  auto out = run(tool() + " inspect " + obj);
  EXPECT_NE(out.find("counts"), std::string::npos);
  EXPECT_NE(out.find("by_name"), std::string::npos);
  EXPECT_NE(out.find("xdp_prog"), std::string::npos);
  EXPECT_NE(out.find("variables (6)"), std::string::npos) << out;
  auto json = run(tool() + " inspect --json " + obj);
  EXPECT_NE(json.find("\"license\":\"Dual MIT/GPL\",\"kernel_version\":330240"), std::string::npos) << json;
  EXPECT_NE(json.find("\"insns\":"), std::string::npos);
}

TEST(ToolInspect, ErrorsNameTheFile) {
  int status = 0;
  auto out = run(tool() + " inspect " + ebpf::test::bpf_object("elf_bad_static_map").string() + " 2>&1", &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("elf_bad_static_map.bpfel.o: load programs: section xdp"), std::string::npos) << out;
}

TEST(ToolDisasm, ShowsSymbolsReferencesAndSourceLines) {
  const auto obj = ebpf::test::bpf_object("elf_btf", "bpfeb").string();
  int status = -1;
  auto out = run(tool() + " disasm " + obj + " classify", &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("program classify (section tc"), std::string::npos) << out;
  EXPECT_NE(out.find("ld_pseudo r1, 1, 0\t; outer_array"), std::string::npos) << out;  // map reference
  EXPECT_NE(out.find("call 1\t; count_flow"), std::string::npos) << out;             // linked subprogram
  EXPECT_NE(out.find("\ncount_flow:\n"), std::string::npos) << out;
  EXPECT_NE(out.find("elf_btf.bpf.c:106:9]"), std::string::npos) << out;
  run(tool() + " disasm " + obj + " nope 2>/dev/null", &status);
  EXPECT_NE(status, 0);
}

// What will be created: the .kconfig map is one of the maps, and an unreferenced data section is listed as pruned
// (libbpf would create it; the seeds and ebpfpp do not). The keys above stay as they were: these are additions.
TEST(ToolInspect, JsonShowsKconfigMapAndPrunedSections) {
  for (const char* order : {"bpfel", "bpfeb"}) {
    const auto obj = ebpf::test::bpf_object("coll_kconfig_str", order).string();
    int status = -1;
    auto out = run(tool() + " inspect --json " + obj, &status);
    ASSERT_EQ(status, 0) << out;
    EXPECT_NE(out.find("{\"name\":\".kconfig\",\"type\":\"array\",\"key_size\":4,\"value_size\":"), std::string::npos)
        << out;
    EXPECT_NE(out.find("\"max_entries\":1,\"flags\":128,\"map_extra\":0,\"pinning\":\"none\",\"inner_map\":null,"
                       "\"contents\":0}"),
              std::string::npos)
        << out;
    const auto maps = out.substr(0, out.find("\"programs\":["));
    EXPECT_EQ(maps.find("{\"name\":\".bss\""), std::string::npos) << out;
    EXPECT_NE(out.find("],\"pruned_sections\":[{\"name\":\".bss\",\"size\":24,\"reason\":\"unreferenced\"}],\"btf\":{"),
              std::string::npos)
        << out;
    EXPECT_EQ(run(tool() + " inspect --json " + obj + " | python3 -c 'import json,sys; json.load(sys.stdin)' && echo ok"),
              "ok\n");
  }
  auto human = run(tool() + " inspect " + ebpf::test::bpf_object("coll_kconfig_str").string());
  EXPECT_NE(human.find("not created (no instruction refers to them):\n  .bss"), std::string::npos) << human;
}
