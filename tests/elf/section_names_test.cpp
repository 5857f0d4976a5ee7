#include <gtest/gtest.h>

#include <set>
#include <string>

#include "ebpf/elf/section_names.hpp"

using ebpf::AttachType;
using ebpf::ProgramType;
using ebpf::elf::classify_program_section;

TEST(SectionNames, TableCoversLibbpfDefinitions) {
  auto defs = ebpf::elf::section_definitions();
  EXPECT_GE(defs.size(), 116u);
  std::set<std::string_view> seen;
  for (const auto& d : defs) EXPECT_TRUE(seen.insert(d.pattern).second) << "duplicate pattern " << d.pattern;
  for (const char* must : {"kprobe.multi+", "uprobe.multi+", "usdt+", "tcx/ingress", "tcx/egress", "netkit/primary",
                           "netkit/peer", "netfilter", "struct_ops+", "struct_ops.s+", "iter+", "iter.s+",
                           "lsm_cgroup+", "xdp.frags/devmap", "xdp.frags/cpumap", "sk_reuseport/migrate",
                           "socket/", "sk_lookup/", "fentry.s+", "lsm.s+", "uprobe.s+"})
    EXPECT_TRUE(seen.contains(must)) << must;
}

TEST(SectionNames, ExactAndPlusPatterns) {
  auto k = classify_program_section("xdp");
  EXPECT_EQ(k.type, ProgramType::xdp);
  EXPECT_EQ(k.attach_type, AttachType::xdp);
  k = classify_program_section("kprobe");  // '+' also matches the bare name
  EXPECT_EQ(k.type, ProgramType::kprobe);
  EXPECT_EQ(k.attach_to, "");
  k = classify_program_section("kprobe/do_unlinkat");
  EXPECT_EQ(k.type, ProgramType::kprobe);
  EXPECT_EQ(k.attach_to, "do_unlinkat");
  k = classify_program_section("kprobe.multi/vfs_*");
  EXPECT_EQ(k.attach_type, AttachType::trace_kprobe_multi);
  EXPECT_EQ(k.attach_to, "vfs_*");
  k = classify_program_section("uprobe.multi.s/lib:fn");
  EXPECT_EQ(k.attach_type, AttachType::trace_uprobe_multi);
  EXPECT_EQ(k.flags, ebpf::prog_flags::sleepable);
  k = classify_program_section("kprobeX");  // not a prefix match
  EXPECT_EQ(k.type, ProgramType::unspec);
  EXPECT_FALSE(k.known);
}

TEST(SectionNames, SlashPatternsNeedTheSlash) {
  EXPECT_EQ(classify_program_section("socket/anything").type, ProgramType::socket_filter);
  EXPECT_EQ(classify_program_section("socket").type, ProgramType::socket_filter);
  EXPECT_EQ(classify_program_section("sk_lookup/lookup").type, ProgramType::sk_lookup);
  EXPECT_EQ(classify_program_section("sk_lookup/lookup").attach_type, AttachType::sk_lookup);
  EXPECT_EQ(classify_program_section("xdp_devmap").type, ProgramType::unspec);
  EXPECT_EQ(classify_program_section("xdp_devmap/x").attach_type, AttachType::xdp_devmap);
}

TEST(SectionNames, SleepableAndFrags) {
  auto k = classify_program_section("fentry.s/do_unlinkat");
  EXPECT_EQ(k.type, ProgramType::tracing);
  EXPECT_EQ(k.attach_type, AttachType::trace_fentry);
  EXPECT_EQ(k.flags, ebpf::prog_flags::sleepable);
  EXPECT_EQ(k.attach_to, "do_unlinkat");
  EXPECT_EQ(classify_program_section("fentry/do_unlinkat").flags, 0u);
  EXPECT_EQ(classify_program_section("lsm.s/file_open").flags, ebpf::prog_flags::sleepable);
  EXPECT_EQ(classify_program_section("iter.s/task").attach_type, AttachType::trace_iter);
  EXPECT_EQ(classify_program_section("struct_ops.s/init").type, ProgramType::struct_ops);
  EXPECT_EQ(classify_program_section("struct_ops.s/init").flags, ebpf::prog_flags::sleepable);
  EXPECT_EQ(classify_program_section("syscall").flags, ebpf::prog_flags::sleepable);
  k = classify_program_section("xdp.frags");
  EXPECT_EQ(k.flags, ebpf::prog_flags::xdp_has_frags);
  EXPECT_EQ(k.attach_type, AttachType::xdp);
  k = classify_program_section("xdp.frags/cpumap");
  EXPECT_EQ(k.attach_type, AttachType::xdp_cpumap);
  EXPECT_EQ(k.flags, ebpf::prog_flags::xdp_has_frags);
}

TEST(SectionNames, AttachTypes) {
  struct Case {
    const char* section;
    ProgramType type;
    AttachType attach;
  } cases[] = {
      {"tcx/ingress", ProgramType::sched_cls, AttachType::tcx_ingress},
      {"tcx/egress", ProgramType::sched_cls, AttachType::tcx_egress},
      {"netkit/primary", ProgramType::sched_cls, AttachType::netkit_primary},
      {"netkit/peer", ProgramType::sched_cls, AttachType::netkit_peer},
      {"netfilter", ProgramType::netfilter, AttachType::netfilter},
      {"tc", ProgramType::sched_cls, AttachType::unspec},
      {"classifier", ProgramType::sched_cls, AttachType::unspec},
      {"sk_reuseport/migrate", ProgramType::sk_reuseport, AttachType::sk_reuseport_select_or_migrate},
      {"sk_reuseport", ProgramType::sk_reuseport, AttachType::sk_reuseport_select},
      {"lsm_cgroup/socket_bind", ProgramType::lsm, AttachType::lsm_cgroup},
      {"lsm/file_open", ProgramType::lsm, AttachType::lsm_mac},
      {"cgroup/connect_unix", ProgramType::cgroup_sock_addr, AttachType::cgroup_unix_connect},
      {"cgroup_skb/egress", ProgramType::cgroup_skb, AttachType::cgroup_inet_egress},
      {"cgroup/sock", ProgramType::cgroup_sock, AttachType::cgroup_inet_sock_create},
      {"sk_skb/stream_verdict", ProgramType::sk_skb, AttachType::sk_skb_stream_verdict},
      {"tp_btf/sched_switch", ProgramType::tracing, AttachType::trace_raw_tp},
      {"raw_tp.w/foo", ProgramType::raw_tracepoint_writable, AttachType::unspec},
      {"freplace/fn", ProgramType::ext, AttachType::unspec},
      {"usdt/lib:prov:name", ProgramType::kprobe, AttachType::unspec},
      {"seccomp", ProgramType::socket_filter, AttachType::unspec},
      {"my_custom", ProgramType::unspec, AttachType::unspec},
  };
  for (const auto& c : cases) {
    auto k = classify_program_section(c.section);
    EXPECT_EQ(k.type, c.type) << c.section;
    EXPECT_EQ(k.attach_type, c.attach) << c.section;
  }
}
