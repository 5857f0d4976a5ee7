// `ebpfpp probe --json` against `bpftool feature probe kernel -j`, entry by entry: program types, map types,
// helpers per program type and bpftool's misc group. Differences are allowed only where they are justified
// (docs/features.md): entries bpftool does not know, and helpers that bpftool's libbpf reports available although
// the verifier says "program of this type cannot use helper" (a message libbpf before 1.2 did not recognise).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <set>
#include <string>

#include "ebpf/asm/helpers.hpp"
#include "ebpf/kernel/version.hpp"
#include "ebpf/sys/bpf.hpp"
#include "ebpf/types.hpp"
#include "json_value.hpp"
#include "support/kernel_test.hpp"

namespace ebpf {
namespace {

using test::Json;

std::string run(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  std::array<char, 65536> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  *status = ::pclose(p);
  return out;
}

std::optional<Json> run_json(const std::string& cmd) {
  int status = -1;
  std::string out = run(cmd, &status);
  if (status != 0) return std::nullopt;
  return test::JsonParser(out).parse();
}

// The verifier log of "call helper; exit" as a program of `type` (attributes as the tool's probe sets them).
std::string helper_log(ProgramType type, std::int32_t helper) {
  const std::uint64_t insns[] = {0x85 | (std::uint64_t(std::uint32_t(helper)) << 32), 0x95};
  static char license[] = "GPL";
  std::array<char, 1024> log{};
  sys::ProgLoadAttr attr{};
  attr.prog_type = static_cast<std::uint32_t>(type);
  attr.insn_cnt = 2;
  attr.insns = insns;
  attr.license = license;
  attr.log_level = 1;
  attr.log_size = log.size();
  attr.log_buf = log.data();
  if (type == ProgramType::cgroup_sock_addr) attr.expected_attach_type = kernel_value(AttachType::cgroup_inet4_connect);
  if (type == ProgramType::cgroup_sockopt) attr.expected_attach_type = kernel_value(AttachType::cgroup_getsockopt);
  if (type == ProgramType::sk_lookup) attr.expected_attach_type = kernel_value(AttachType::sk_lookup);
  if (type == ProgramType::netfilter) attr.expected_attach_type = kernel_value(AttachType::netfilter);
  if (type == ProgramType::kprobe) attr.kern_version = kernel::running_version().value_or(kernel::Version{}).code();
  (void)sys::prog_load(attr);
  log.back() = '\0';
  return log.data();
}

class BpftoolCompare : public test::KernelTest {};

TEST_F(BpftoolCompare, ProbeAgreesEntryByEntry) {
  int status = -1;
  if (run("command -v bpftool", &status).empty()) {
    if (test::in_ci()) FAIL() << "bpftool is not installed (scripts/deps.sh installs it)";
    GTEST_SKIP() << "bpftool not installed";
  }
  auto theirs = run_json("bpftool feature probe kernel -j 2>/dev/null");
  ASSERT_TRUE(theirs) << "bpftool feature probe kernel -j failed or printed no JSON";
  auto ours = run_json(test::tool_path().string() + " probe --json");
  ASSERT_TRUE(ours) << "ebpfpp probe --json failed or printed no JSON";

  for (const char* group : {"program_types", "map_types", "misc"}) {
    const Json* t = theirs->get(group);
    const Json* o = ours->get(group);
    ASSERT_TRUE(t && o) << group;
    for (const auto& [key, value] : t->fields) {
      const Json* mine = o->get(key);
      ASSERT_TRUE(mine) << group << "." << key << " missing from ebpfpp probe";
      EXPECT_EQ(mine->kind, Json::Kind::boolean) << group << "." << key;
      EXPECT_EQ(mine->b, value.b) << group << "." << key;
    }
  }

  // Helper names bpftool knows at all (its libbpf may predate the newest helpers).
  const Json* th = theirs->get("helpers");
  const Json* oh = ours->get("helpers");
  ASSERT_TRUE(th && oh);
  std::set<std::string> known;
  for (const auto& [_, list] : th->fields)
    for (const auto& n : list.items) known.insert(n.s);
  int justified = 0;
  for (const auto& [key, list] : th->fields) {
    const Json* mine = oh->get(key);
    ASSERT_TRUE(mine) << "helpers." << key << " missing from ebpfpp probe";
    std::set<std::string> t, o;
    for (const auto& n : list.items) t.insert(n.s);
    for (const auto& n : mine->items) o.insert(n.s);
    const std::string type_name = key.substr(0, key.size() - std::string("_available_helpers").size());
    auto type = program_type_from_string(type_name);
    ASSERT_TRUE(type) << key;
    for (const auto& n : o)
      if (!t.count(n)) {
        EXPECT_FALSE(known.count(n)) << key << ": ebpfpp lists " << n << ", bpftool does not";
      }
    for (const auto& n : t) {
      if (o.count(n)) continue;
      // bpftool says yes, ebpfpp no: only where the kernel's own words say the type may not call it.
      std::int32_t id = -1;
      for (std::int32_t i = 1; i < 512; ++i) {
        std::string_view name = insn::to_string(static_cast<insn::HelperId>(i));
        if (!name.empty() && "bpf_" + std::string(name) == n) {
          id = i;
          break;
        }
      }
      ASSERT_GT(id, 0) << n;
      const std::string log = helper_log(*type, id);
      EXPECT_NE(log.find("cannot use helper"), std::string::npos) << key << ": " << n << ": " << log;
      ++justified;
    }
  }
  RecordProperty("helper_differences_justified", justified);
}

}  // namespace
}  // namespace ebpf
