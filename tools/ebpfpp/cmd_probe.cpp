// ebpfpp probe [--json] [--full]: what the running kernel supports, grouped as `bpftool feature probe` groups
// it (system configuration, program types, map types, helpers per program type, misc), plus the kernel
// version, BTF availability and ebpfpp's own loader features.
#include <sys/stat.h>
#include <sys/utsname.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "ebpf/asm/helpers.hpp"
#include "ebpf/features/features.hpp"
#include "ebpf/kernel/kconfig.hpp"
#include "ebpf/kernel/version.hpp"
#include "json_writer.hpp"

namespace ebpfpp_cli {
namespace {

using ebpf::features::Support;

// Kernel configuration options that matter for BPF: bpftool's list and the ones ebpfpp's features need.
constexpr const char* kConfigOptions[] = {
    "CONFIG_BPF", "CONFIG_BPF_SYSCALL", "CONFIG_HAVE_EBPF_JIT", "CONFIG_BPF_JIT", "CONFIG_BPF_JIT_ALWAYS_ON",
    "CONFIG_BPF_JIT_DEFAULT_ON", "CONFIG_BPF_UNPRIV_DEFAULT_OFF", "CONFIG_BPF_LSM", "CONFIG_DEBUG_INFO_BTF",
    "CONFIG_DEBUG_INFO_BTF_MODULES", "CONFIG_CGROUPS", "CONFIG_CGROUP_BPF", "CONFIG_CGROUP_NET_CLASSID",
    "CONFIG_SOCK_CGROUP_DATA", "CONFIG_BPF_EVENTS", "CONFIG_KPROBES", "CONFIG_KPROBE_EVENTS", "CONFIG_UPROBES",
    "CONFIG_UPROBE_EVENTS", "CONFIG_FPROBE", "CONFIG_TRACING", "CONFIG_FTRACE_SYSCALLS",
    "CONFIG_FUNCTION_ERROR_INJECTION", "CONFIG_BPF_KPROBE_OVERRIDE", "CONFIG_NET", "CONFIG_XDP_SOCKETS",
    "CONFIG_LWTUNNEL_BPF", "CONFIG_NET_ACT_BPF", "CONFIG_NET_CLS_BPF", "CONFIG_NET_CLS_ACT",
    "CONFIG_NET_SCH_INGRESS", "CONFIG_NET_XGRESS", "CONFIG_NETKIT", "CONFIG_XFRM", "CONFIG_IP_ROUTE_CLASSID",
    "CONFIG_IPV6_SEG6_BPF", "CONFIG_BPF_LIRC_MODE2", "CONFIG_BPF_STREAM_PARSER", "CONFIG_NETFILTER_XT_MATCH_BPF",
    "CONFIG_TEST_BPF", "CONFIG_HZ",
};

// sysctls bpftool reports, by the names it uses.
constexpr std::pair<const char*, const char*> kSysctls[] = {
    {"unprivileged_bpf_disabled", "/proc/sys/kernel/unprivileged_bpf_disabled"},
    {"bpf_jit_enable", "/proc/sys/net/core/bpf_jit_enable"},
    {"bpf_jit_harden", "/proc/sys/net/core/bpf_jit_harden"},
    {"bpf_jit_kallsyms", "/proc/sys/net/core/bpf_jit_kallsyms"},
    {"bpf_jit_limit", "/proc/sys/net/core/bpf_jit_limit"},
};

// Helpers bpftool leaves out unless asked for everything: probing them writes to the kernel log.
bool noisy_helper(std::int32_t id) {
  using ebpf::insn::HelperId;
  return id == static_cast<std::int32_t>(HelperId::trace_printk) ||
         id == static_cast<std::int32_t>(HelperId::probe_write_user) ||
         id == static_cast<std::int32_t>(HelperId::trace_vprintk);
}

std::optional<long long> read_sysctl(const char* path) {
  std::ifstream in(path);
  long long v = 0;
  if (!(in >> v)) return std::nullopt;
  return v;
}

struct Entry {
  std::string key;     // JSON key, bpftool's where bpftool has one
  std::string label;   // text output
  Support answer = false;
};

struct HelperList {
  std::string type;
  std::vector<std::string> names;
  std::optional<std::string> error;  // "could not tell" for the whole type
};

struct Report {
  std::string release;
  std::string version;
  bool btf = false;
  std::vector<std::pair<std::string, std::optional<long long>>> sysctls;
  std::vector<std::pair<std::string, std::optional<std::string>>> config;
  std::optional<std::string> config_error;
  bool have_bpf_syscall = false;
  std::vector<Entry> program_types, map_types, misc, features;
  std::vector<HelperList> helpers;
};

Report gather(bool full) {
  Report r;
  utsname u{};
  if (::uname(&u) == 0) r.release = u.release;
  if (auto v = ebpf::kernel::running_version())
    r.version = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
  struct stat st{};
  r.btf = ::stat("/sys/kernel/btf/vmlinux", &st) == 0;
  for (auto [name, path] : kSysctls) r.sysctls.emplace_back(name, read_sysctl(path));
  auto cfg = ebpf::kernel::KernelConfig::running();
  for (const char* opt : kConfigOptions) {
    std::optional<std::string> v;
    if (cfg)
      if (auto raw = (*cfg)->raw(opt)) v = std::string(*raw);
    r.config.emplace_back(opt, std::move(v));
  }
  if (!cfg) r.config_error = cfg.error().message();

  for (std::uint32_t i = 1; i <= ebpf::kMaxProgramType; ++i) {
    const auto t = static_cast<ebpf::ProgramType>(i);
    const std::string name(ebpf::to_string(t));
    r.program_types.push_back({"have_" + name + "_prog_type", name, ebpf::features::have_program_type(t)});
  }
  for (std::uint32_t i = 1; i <= ebpf::kMaxMapType; ++i) {
    const auto t = static_cast<ebpf::MapType>(i);
    const std::string name(ebpf::to_string(t));
    r.map_types.push_back({"have_" + name + "_map_type", name, ebpf::features::have_map_type(t)});
  }
  // The syscall works when any program type or map type got an answer.
  for (const auto& e : r.map_types) r.have_bpf_syscall = r.have_bpf_syscall || e.answer.has_value();

  for (std::uint32_t i = 1; i <= ebpf::kMaxProgramType; ++i) {
    const auto t = static_cast<ebpf::ProgramType>(i);
    HelperList list{std::string(ebpf::to_string(t)), {}, std::nullopt};
    auto have_type = ebpf::features::have_program_type(t);
    if (have_type && *have_type) {
      for (std::int32_t id = 1;; ++id) {
        const std::string_view helper = ebpf::insn::to_string(static_cast<ebpf::insn::HelperId>(id));
        if (helper.empty()) break;
        if (!full && noisy_helper(id)) continue;
        auto a = ebpf::features::have_program_helper(t, id);
        if (!a) {
          list.error = a.error().message();
          list.names.clear();
          break;
        }
        if (*a) list.names.push_back("bpf_" + std::string(helper));
      }
    }
    r.helpers.push_back(std::move(list));
  }

  using ebpf::features::Feature;
  // bpftool's "misc" group, under its names.
  const std::pair<Feature, const char*> misc[] = {
      {Feature::large_insn_limit, "have_large_insn_limit"},
      {Feature::bounded_loops, "have_bounded_loops"},
      {Feature::v2_isa, "have_v2_isa_extension"},
      {Feature::v3_isa, "have_v3_isa_extension"},
      {Feature::v4_isa, "have_v4_isa_extension"},
  };
  for (auto [f, key] : misc)
    r.misc.push_back({key, std::string(ebpf::features::to_string(f)), ebpf::features::have_bpf_feature(f)});
  for (std::uint16_t i = 0; i < ebpf::features::kFeatureCount; ++i) {
    const auto f = static_cast<Feature>(i);
    const std::string name(ebpf::features::to_string(f));
    r.features.push_back({"have_" + name, name, ebpf::features::have_bpf_feature(f)});
  }
  return r;
}

void json_answer(JsonWriter& j, const Support& s) {
  if (s)
    j.value(*s);
  else
    j.null();
}

void json_group(JsonWriter& j, const char* name, const std::vector<Entry>& entries) {
  j.key(name).begin_object();
  for (const auto& e : entries) {
    j.key(e.key);
    json_answer(j, e.answer);
  }
  j.end_object();
}

std::string to_json(const Report& r) {
  JsonWriter j;
  j.begin_object();
  j.key("kernel").begin_object();
  j.key("release").value(r.release);
  j.key("version").value(r.version);
  j.key("btf").value(r.btf);
  j.end_object();
  j.key("system_config").begin_object();
  for (const auto& [k, v] : r.sysctls) {
    j.key(k);
    if (v && *v >= 0)
      j.value(static_cast<std::uint64_t>(*v));
    else
      j.null();
  }
  for (const auto& [k, v] : r.config) {
    j.key(k);
    if (v)
      j.value(*v);
    else
      j.null();
  }
  j.end_object();
  j.key("syscall_config").begin_object().key("have_bpf_syscall").value(r.have_bpf_syscall).end_object();
  json_group(j, "program_types", r.program_types);
  json_group(j, "map_types", r.map_types);
  j.key("helpers").begin_object();
  for (const auto& h : r.helpers) {
    j.key(h.type + "_available_helpers").begin_array();
    for (const auto& n : h.names) j.value(n);
    j.end_array();
  }
  j.end_object();
  json_group(j, "misc", r.misc);
  json_group(j, "features", r.features);
  // Why some answers are null ("could not tell").
  j.key("errors").begin_object();
  auto errors = [&](const std::vector<Entry>& entries) {
    for (const auto& e : entries)
      if (!e.answer) j.key(e.key).value(e.answer.error().message());
  };
  errors(r.program_types);
  errors(r.map_types);
  for (const auto& h : r.helpers)
    if (h.error) j.key(h.type + "_available_helpers").value(*h.error);
  errors(r.features);
  if (r.config_error) j.key("kconfig").value(*r.config_error);
  j.end_object();
  j.end_object();
  return j.str();
}

const char* word(const Support& s) { return !s ? "could not tell" : *s ? "yes" : "no"; }

void print_group(const char* title, const std::vector<Entry>& entries) {
  std::printf("%s:\n", title);
  for (const auto& e : entries) {
    if (e.answer)
      std::printf("  %-28s %s\n", e.label.c_str(), word(e.answer));
    else
      std::printf("  %-28s %s\n", e.label.c_str(), e.answer.error().message().c_str());
  }
}

void print_text(const Report& r) {
  std::printf("kernel %s (%s), BTF %s\n", r.version.c_str(), r.release.c_str(), r.btf ? "available" : "not available");
  std::printf("system configuration:\n");
  for (const auto& [k, v] : r.sysctls)
    std::printf("  %-28s %s\n", k.c_str(), v ? std::to_string(*v).c_str() : "unknown");
  if (r.config_error) std::printf("  kernel config: %s\n", r.config_error->c_str());
  for (const auto& [k, v] : r.config) std::printf("  %-36s %s\n", k.c_str(), v ? v->c_str() : "is not set");
  std::printf("bpf() syscall: %s\n", r.have_bpf_syscall ? "available" : "not usable");
  print_group("program types", r.program_types);
  print_group("map types", r.map_types);
  std::printf("helpers:\n");
  for (const auto& h : r.helpers) {
    std::printf("  %s:", h.type.c_str());
    if (h.error) std::printf(" %s", h.error->c_str());
    for (const auto& n : h.names) std::printf(" %s", n.c_str());
    std::printf("\n");
  }
  print_group("misc", r.misc);
  print_group("features", r.features);
}

int run(Args args) {
  ArgScanner scan(args, {"--json", "--full"}, {});
  if (!scan.ok()) return usage_error("probe", scan.error());
  if (!scan.positional().empty()) return usage_error("probe", "unexpected argument");
  const Report r = gather(scan.flag("--full"));
  if (scan.flag("--json"))
    std::printf("%s\n", to_json(r).c_str());
  else
    print_text(r);
  return 0;
}

const Registration reg_probe{{"probe", "probe [--json] [--full]",
                              "what the running kernel supports: program and map types, helpers, features, config",
                              &run}};

}  // namespace
}  // namespace ebpfpp_cli
