#include <gtest/gtest.h>

#include <sys/utsname.h>

#include <cstdio>
#include <fstream>

#include "ebpf/kernel/kallsyms.hpp"
#include "ebpf/kernel/kconfig.hpp"
#include "ebpf/kernel/version.hpp"

namespace ebpf::kernel {
namespace {

TEST(KernelConfig, ParsesAllValueKinds) {
  auto cfg = KernelConfig::parse(
      "# comment\nCONFIG_BPF=y\nCONFIG_MOD=m\n# CONFIG_KPROBES is not set\nCONFIG_HZ=250\nCONFIG_HEX=0x1f\n"
      "CONFIG_NEG=-3\nCONFIG_STR=\"a \\\"q\\\" b\"\n");
  ASSERT_TRUE(cfg) << cfg.error().message();
  EXPECT_EQ(*cfg->tristate("CONFIG_BPF"), KernelConfig::Tristate::yes);
  EXPECT_EQ(*cfg->tristate("MOD"), KernelConfig::Tristate::module);
  EXPECT_EQ(*cfg->tristate("CONFIG_KPROBES"), KernelConfig::Tristate::no);
  EXPECT_EQ(*cfg->tristate("CONFIG_NEVER_MENTIONED"), KernelConfig::Tristate::no);
  EXPECT_EQ(*cfg->integer("CONFIG_HZ"), 250);
  EXPECT_EQ(*cfg->integer("CONFIG_HEX"), 31);
  EXPECT_EQ(*cfg->integer("CONFIG_NEG"), -3);
  EXPECT_EQ(*cfg->string("CONFIG_STR"), "a \"q\" b");
  EXPECT_FALSE(cfg->tristate("CONFIG_HZ"));
  EXPECT_FALSE(cfg->integer("CONFIG_STR"));
  EXPECT_TRUE(cfg->integer("CONFIG_MISSING").error().is(errc::not_found));
}

TEST(KernelConfig, RejectsGarbageLines) {
  auto cfg = KernelConfig::parse("CONFIG_A=y\nthis is not config\n");
  ASSERT_FALSE(cfg);
  EXPECT_TRUE(cfg.error().is(errc::malformed));
  EXPECT_NE(cfg.error().message().find("line 2"), std::string::npos);
}

TEST(KernelConfig, RunningKernelConfigIsReadable) {
  auto cfg = KernelConfig::running();
  ASSERT_TRUE(cfg) << cfg.error().message();
  EXPECT_GT((*cfg)->size(), 1000u);
  EXPECT_EQ(*(*cfg)->tristate("CONFIG_BPF"), KernelConfig::Tristate::yes);
  EXPECT_EQ(*(*cfg)->tristate("CONFIG_BPF_SYSCALL"), KernelConfig::Tristate::yes);
}

TEST(Kallsyms, FindsAddressesAndMissing) {
  const char* path = "/tmp/ebpfpp-kallsyms-test";
  {
    std::ofstream out(path);
    out << "ffffffff81000000 T _stext\nffffffff81001000 t local_fn\nffffffffc0001000 t mod_fn\t[mymod]\n"
           "garbage\nffffffff81002000 t dup\nffffffff81003000 t dup\n";
  }
  std::string_view names[] = {"_stext", "mod_fn", "absent"};
  auto r = symbol_addresses(names, path);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ((*r)[0], 0xffffffff81000000ull);
  EXPECT_EQ((*r)[1], 0xffffffffc0001000ull);
  EXPECT_FALSE((*r)[2].has_value());
  std::string_view dup[] = {"dup"};
  auto amb = symbol_addresses(dup, path);
  ASSERT_FALSE(amb);
  EXPECT_NE(amb.error().message().find("dup"), std::string::npos);
  std::remove(path);
}

TEST(Kallsyms, RunningKernelHasSyscallWrapper) {
  auto w = syscall_wrapper();
  ASSERT_TRUE(w) << w.error().message();
#if defined(__x86_64__)
  EXPECT_EQ(w->prefix, "__x64_");
  // Every x86-64 kernel since 4.17 wraps syscalls; this machine's kallsyms lists __x64_sys_bpf.
  std::string_view names[] = {"__x64_sys_bpf"};
  auto r = symbol_addresses(names);
  ASSERT_TRUE(r);
  EXPECT_EQ(w->has_wrapper, (*r)[0].has_value());
#endif
}

TEST(Version, ParsesReleases) {
  EXPECT_EQ(parse_version("6.18.44-fc-v769")->code(), (6u << 16) + (18u << 8) + 44u);
  EXPECT_EQ(parse_version("5.15.0-91-generic")->minor, 15u);
  EXPECT_EQ(parse_version("4.19.300")->code(), (4u << 16) + (19u << 8) + 255u);
  EXPECT_EQ(parse_version("6.1")->patch, 0u);
  EXPECT_FALSE(parse_version("linux"));
  struct utsname u {};
  ASSERT_EQ(::uname(&u), 0);
  auto v = running_version();
  ASSERT_TRUE(v);
  EXPECT_EQ(v->major, static_cast<std::uint32_t>(std::atoi(u.release)));
}

}  // namespace
}  // namespace ebpf::kernel
