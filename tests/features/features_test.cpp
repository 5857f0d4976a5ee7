// The feature probes on the running kernel: supported features say yes, what the kernel lacks says no without an
// error, probes without the capabilities they need cannot tell, and answers are cached.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <string>
#include <thread>
#include <vector>

#include "ebpf/asm/helpers.hpp"
#include "ebpf/program.hpp"
#include "ebpf/features/features.hpp"
#include "ebpf/kernel/kconfig.hpp"
#include "ebpf/kernel/version.hpp"
#include "ebpf/map.hpp"
#include "ebpf/sys/bpf.hpp"
#include "support/kernel_test.hpp"

namespace ebpf {
namespace {

using features::Feature;
using test::KernelTest;

class Features : public KernelTest {};

// "5.13" -> Version; nullopt for configuration notes.
std::optional<kernel::Version> min_version(std::string_view s) {
  kernel::Version v;
  auto dot = s.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto end = s.find(' ');
  std::string_view minor = s.substr(dot + 1, end == std::string_view::npos ? std::string_view::npos : end - dot - 1);
  if (std::from_chars(s.data(), s.data() + dot, v.major).ec != std::errc{}) return std::nullopt;
  if (std::from_chars(minor.data(), minor.data() + minor.size(), v.minor).ec != std::errc{}) return std::nullopt;
  return v;
}

// y/m/n of a kernel config option; nullopt when the config cannot be read.
std::optional<std::string> config(std::string_view name) {
  auto cfg = kernel::KernelConfig::running();
  if (!cfg) return std::nullopt;
  auto v = (*cfg)->raw(name);
  return v ? std::string(*v) : std::string("n");
}

// Features whose answer depends on kernel configuration, with the option that decides it.
std::optional<std::string_view> deciding_option(Feature f) {
  switch (f) {
    case Feature::kprobe_events: return "CONFIG_KPROBE_EVENTS";
    case Feature::uprobe_events: return "CONFIG_UPROBE_EVENTS";
    case Feature::kprobe_multi_link: return "CONFIG_FPROBE";
    case Feature::uprobe_multi_link: return "CONFIG_UPROBES";
    case Feature::netkit_link: return "CONFIG_NETKIT";
    default: return std::nullopt;
  }
}

TEST_F(Features, LoaderFeaturesMatchTheKernelVersionAndConfig) {
  auto running = kernel::running_version();
  ASSERT_TRUE(running) << running.error().message();
  for (std::uint16_t i = 0; i < features::kFeatureCount; ++i) {
    const auto f = static_cast<Feature>(i);
    const std::string name(features::to_string(f));
    auto have = features::have_bpf_feature(f);
    ASSERT_TRUE(have) << name << ": " << have.error().message();
    if (f == Feature::arena) {
      // Machine-dependent (some refuse arena maps with EPERM): it must agree with the map type probe.
      EXPECT_EQ(*have, features::have_map_type(MapType::arena).value_or(!*have)) << name;
      continue;
    }
    if (auto opt = deciding_option(f)) {
      auto v = config(*opt);
      if (!v || *v == "m") continue;  // unknown, or a module that may not be loaded
      const bool new_enough = !min_version(features::minimum_kernel(f)) || *running >= *min_version(features::minimum_kernel(f));
      EXPECT_EQ(*have, *v == "y" && new_enough) << name << " with " << *opt << "=" << *v;
      continue;
    }
    auto min = min_version(features::minimum_kernel(f));
    ASSERT_TRUE(min) << name << ": " << features::minimum_kernel(f);
    if (*running >= *min) {
      EXPECT_TRUE(*have) << name << " (Linux " << features::minimum_kernel(f) << ")";
    }
  }
}

// This kernel has no CONFIG_KPROBES: kprobes are "no", with no error. On a kernel with them, "yes".
TEST_F(Features, KprobesAnswerFromTheKernelWithoutError) {
  auto kprobes = config("CONFIG_KPROBE_EVENTS");
  ASSERT_TRUE(kprobes) << "kernel config not readable";
  auto have = features::have_bpf_feature(Feature::kprobe_events);
  ASSERT_TRUE(have) << have.error().message();
  EXPECT_EQ(*have, *kprobes == "y");
  auto multi = features::have_bpf_feature(Feature::kprobe_multi_link);
  ASSERT_TRUE(multi) << multi.error().message();
  if (config("CONFIG_FPROBE") != "y") {
    EXPECT_FALSE(*multi);
  }
  auto attach = features::have_attach_type(ProgramType::kprobe, AttachType::trace_kprobe_multi);
  ASSERT_TRUE(attach) << attach.error().message();
  EXPECT_EQ(*attach, *multi);
  // Required, it is errc::not_supported naming the feature.
  if (!*have) {
    auto r = features::require(Feature::kprobe_events);
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().is(errc::not_supported));
    EXPECT_NE(r.error().message().find("kprobe_events not supported by the kernel"), std::string::npos)
        << r.error().message();
  }
}

TEST_F(Features, ProgramTypes) {
  for (ProgramType t : {ProgramType::socket_filter, ProgramType::kprobe, ProgramType::sched_cls, ProgramType::sched_act,
                        ProgramType::tracepoint, ProgramType::xdp, ProgramType::perf_event, ProgramType::cgroup_skb,
                        ProgramType::cgroup_sock, ProgramType::cgroup_sock_addr, ProgramType::cgroup_sockopt,
                        ProgramType::sk_lookup, ProgramType::raw_tracepoint, ProgramType::syscall,
                        ProgramType::flow_dissector, ProgramType::sk_msg}) {
    auto have = features::have_program_type(t);
    ASSERT_TRUE(have) << to_string(t) << ": " << have.error().message();
    EXPECT_TRUE(*have) << to_string(t);
  }
  for (std::uint32_t i = 1; i <= kMaxProgramType; ++i) {
    auto have = features::have_program_type(static_cast<ProgramType>(i));
    EXPECT_TRUE(have) << to_string(static_cast<ProgramType>(i)) << ": " << have.error().message();
  }
  EXPECT_FALSE(features::have_program_type(ProgramType::unspec).value_or(true));
  // A type number no kernel has: no, with no error.
  auto future = features::have_program_type(static_cast<ProgramType>(1000));
  ASSERT_TRUE(future) << future.error().message();
  EXPECT_FALSE(*future);
  if (auto lirc = config("CONFIG_BPF_LIRC_MODE2"); lirc && *lirc != "m") {
    EXPECT_EQ(features::have_program_type(ProgramType::lirc_mode2).value_or(true), *lirc == "y");
  }
  if (auto lsm = config("CONFIG_BPF_LSM"); lsm && *lsm == "n") {
    EXPECT_FALSE(features::have_program_type(ProgramType::lsm).value_or(true));
  }
}

TEST_F(Features, MapTypes) {
  for (MapType t : {MapType::hash, MapType::array, MapType::prog_array, MapType::perf_event_array,
                    MapType::percpu_hash, MapType::lru_hash, MapType::lpm_trie, MapType::array_of_maps,
                    MapType::hash_of_maps, MapType::devmap, MapType::sockmap, MapType::cpumap, MapType::queue,
                    MapType::stack, MapType::sk_storage, MapType::struct_ops, MapType::ringbuf,
                    MapType::bloom_filter, MapType::user_ringbuf, MapType::cgroup_storage, MapType::task_storage}) {
    auto have = features::have_map_type(t);
    ASSERT_TRUE(have) << to_string(t) << ": " << have.error().message();
    EXPECT_TRUE(*have) << to_string(t);
  }
  for (std::uint32_t i = 1; i <= kMaxMapType; ++i) {
    auto have = features::have_map_type(static_cast<MapType>(i));
    EXPECT_TRUE(have) << to_string(static_cast<MapType>(i)) << ": " << have.error().message();
  }
  auto future = features::have_map_type(static_cast<MapType>(1000));
  ASSERT_TRUE(future) << future.error().message();
  EXPECT_FALSE(*future);
}

TEST_F(Features, HelpersPerProgramType) {
  using insn::HelperId;
  auto h = [](ProgramType t, HelperId id) { return features::have_program_helper(t, static_cast<std::int32_t>(id)); };
  auto lookup = h(ProgramType::socket_filter, HelperId::map_lookup_elem);
  ASSERT_TRUE(lookup) << lookup.error().message();
  EXPECT_TRUE(*lookup);
  auto adjust_sk = h(ProgramType::socket_filter, HelperId::xdp_adjust_head);
  ASSERT_TRUE(adjust_sk) << adjust_sk.error().message();
  EXPECT_FALSE(*adjust_sk);  // an XDP helper: refused to socket filters
  auto adjust_xdp = h(ProgramType::xdp, HelperId::xdp_adjust_head);
  ASSERT_TRUE(adjust_xdp) << adjust_xdp.error().message();
  EXPECT_TRUE(*adjust_xdp);
  auto unknown = features::have_program_helper(ProgramType::xdp, 100000);  // past the cache and every kernel
  ASSERT_TRUE(unknown) << unknown.error().message();
  EXPECT_FALSE(*unknown);
  // A type the kernel lacks has no helpers.
  if (!features::have_program_type(ProgramType::lirc_mode2).value_or(true)) {
    EXPECT_FALSE(h(ProgramType::lirc_mode2, HelperId::map_lookup_elem).value_or(true));
  }
}

TEST_F(Features, AttachTypes) {
  auto connect = features::have_attach_type(ProgramType::cgroup_sock_addr, AttachType::cgroup_inet4_connect);
  ASSERT_TRUE(connect) << connect.error().message();
  EXPECT_TRUE(*connect);
  auto tcx = features::have_attach_type(ProgramType::sched_cls, AttachType::tcx_ingress);
  ASSERT_TRUE(tcx) << tcx.error().message();
  EXPECT_EQ(*tcx, features::have_bpf_feature(Feature::tcx_link).value_or(!*tcx));
  auto wrong = features::have_attach_type(ProgramType::xdp, AttachType::tcx_ingress);
  ASSERT_TRUE(wrong);
  EXPECT_FALSE(*wrong);
}

TEST_F(Features, Kfuncs) {
  if (::access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
    EXPECT_FALSE(features::have_kfunc("bpf_cast_to_kern_ctx", ProgramType::xdp)) << "without kernel BTF: could not tell";
    EBPF_SKIP_KERNEL_LACKS("kernel BTF");
  }
  auto missing = features::have_kfunc("ebpfpp_no_such_kfunc", ProgramType::xdp);
  ASSERT_TRUE(missing) << missing.error().message();
  EXPECT_FALSE(*missing);
  auto running = kernel::running_version();
  ASSERT_TRUE(running);
  auto cast = features::have_kfunc("bpf_cast_to_kern_ctx", ProgramType::xdp);  // Linux 6.2
  ASSERT_TRUE(cast) << cast.error().message();
  if (*running >= kernel::Version{6, 2, 0}) {
    EXPECT_TRUE(*cast);
  }
}

// A second call answers from the cache: no syscall at all (the fault hook sees every bpf() call).
TEST_F(Features, SecondCallMakesNoSyscall) {
  auto ask = [] {
    std::vector<features::Support> r;
    r.push_back(features::have_program_type(ProgramType::xdp));
    r.push_back(features::have_map_type(MapType::hash));
    r.push_back(features::have_program_helper(ProgramType::xdp, 1));
    r.push_back(features::have_attach_type(ProgramType::cgroup_sock_addr, AttachType::cgroup_inet6_connect));
    r.push_back(features::have_bpf_feature(Feature::btf_func));
    r.push_back(features::have_bpf_feature(Feature::tcx_link));
    r.push_back(features::have_bpf_feature(Feature::arena));
    r.push_back(features::have_kfunc("bpf_cast_to_kern_ctx", ProgramType::xdp));
    return r;
  };
  const auto first = ask();
  static std::atomic<int> calls;
  calls = 0;
  sys::set_fault_hook([](sys::Cmd, void*) {
    ++calls;
    return 0;
  });
  const auto second = ask();
  const int cached_calls = calls.load();
  calls = 0;
  auto uncached = features::uncached::program_type(ProgramType::xdp);
  const int uncached_calls = calls.load();
  sys::set_fault_hook(nullptr);
  EXPECT_EQ(cached_calls, 0);
  EXPECT_GE(uncached_calls, 1);
  ASSERT_EQ(first.size(), second.size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    ASSERT_TRUE(first[i]) << i << ": " << first[i].error().message();
    ASSERT_TRUE(second[i]) << i;
    EXPECT_EQ(*first[i], *second[i]) << i;
  }
  ASSERT_TRUE(uncached);
  EXPECT_EQ(*uncached, *first[0]);
}

// Failures injected by a fault hook are not remembered: the next call asks the kernel again.
TEST_F(Features, InjectedFailuresAreNotCached) {
  // EINVAL before the verifier would mean "no": injected, it must not stick.
  sys::set_fault_hook([](sys::Cmd cmd, void*) { return cmd == sys::Cmd::prog_load ? EINVAL : 0; });
  auto during = features::have_attach_type(ProgramType::cgroup_sock_addr, AttachType::cgroup_inet6_bind);
  sys::set_fault_hook(nullptr);
  ASSERT_TRUE(during) << during.error().message();
  EXPECT_FALSE(*during);
  auto after = features::have_attach_type(ProgramType::cgroup_sock_addr, AttachType::cgroup_inet6_bind);
  ASSERT_TRUE(after) << after.error().message();
  EXPECT_TRUE(*after);
}

TEST_F(Features, ConcurrentFirstCallsAgree) {
  std::vector<std::thread> threads;
  std::atomic<int> yes{0}, errors{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      auto r = features::have_program_helper(ProgramType::cgroup_skb, static_cast<std::int32_t>(insn::HelperId::get_socket_uid));
      if (!r)
        ++errors;
      else if (*r)
        ++yes;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_TRUE(yes.load() == 0 || yes.load() == 4);
}

// Without CAP_BPF and CAP_SYS_ADMIN (dropped in a child process), probes that need them cannot tell: errors,
// not "no".
TEST_F(Features, WithoutCapabilitiesProbesCannotTell) {
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    if (::syscall(SYS_capget, &hdr, data) != 0) ::_exit(100);
    for (unsigned cap : {unsigned{CAP_SYS_ADMIN}, 39u /* CAP_BPF */, 38u /* CAP_PERFMON */, unsigned{CAP_NET_ADMIN}}) {
      data[cap / 32].effective &= ~(1u << (cap % 32));
      data[cap / 32].permitted &= ~(1u << (cap % 32));
    }
    if (::syscall(SYS_capset, &hdr, data) != 0) ::_exit(101);
    int failed = 0;
    auto cannot_tell = [](const features::Support& s) { return !s && s.error().is(std::errc::operation_not_permitted); };
    if (!cannot_tell(features::uncached::program_type(ProgramType::xdp))) failed |= 1;
    if (!cannot_tell(features::uncached::map_type(MapType::devmap))) failed |= 2;
    if (!cannot_tell(features::uncached::map_type(MapType::arena))) failed |= 4;
    if (!cannot_tell(features::uncached::bpf_feature(Feature::btf_func))) failed |= 8;
    if (!cannot_tell(features::uncached::bpf_feature(Feature::tcx_link))) failed |= 16;
    if (!cannot_tell(features::uncached::program_type(ProgramType::tracing))) failed |= 32;
    ::_exit(failed);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "bit mask of probes that did not report 'could not tell' (100/101: capget/capset)";
}

// A program of a type the kernel refuses loads as errc::not_supported, decided by the probe.
TEST_F(Features, RefusedProgramTypeIsNotSupported) {
  auto have = features::have_program_type(ProgramType::lirc_mode2);
  ASSERT_TRUE(have) << have.error().message();
  // r0 = 0; exit (host order; the fields of struct bpf_insn laid out by hand).
  const std::uint64_t insns[] = {0xb7, 0x95};
  auto prog = Program::load({.name = "refused", .type = ProgramType::lirc_mode2,
                             .instructions = std::as_bytes(std::span(insns))});
  if (*have) {
    // lirc_mode2 exists here: the load is the verifier's business, not "not supported".
    if (!prog) {
      EXPECT_FALSE(prog.error().is(errc::not_supported)) << prog.error().message();
    }
    return;
  }
  ASSERT_FALSE(prog);
  EXPECT_TRUE(prog.error().is(errc::not_supported)) << prog.error().message();
  EXPECT_NE(prog.error().message().find("program type lirc_mode2 not supported"), std::string::npos)
      << prog.error().message();
}

}  // namespace
}  // namespace ebpf
