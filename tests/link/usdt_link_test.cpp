// USDT probes of this test binary (built with <sys/sdt.h>, with a semaphore) fire a program written with libbpf's
// usdt.bpf.h: its arguments and cookie come through the spec map, the semaphore counts the attachment.
#include <gtest/gtest.h>

#define _SDT_HAS_SEMAPHORES 1
#if __has_include(<sys/sdt.h>)
#include <sys/sdt.h>
#define EBPFPP_HAVE_SDT 1
#endif

#include <algorithm>

#include "ebpf/collection_spec.hpp"
#include "ebpf/link/usdt.hpp"
#include "link_test_util.hpp"

#ifdef EBPFPP_HAVE_SDT
// The semaphore of probe ebpfpp_test:tick (sdt.h names it <provider>_<name>_semaphore).
extern "C" {
__extension__ unsigned short ebpfpp_test_tick_semaphore __attribute__((unused)) __attribute__((section(".probes")));
}

extern "C" __attribute__((noinline, used)) void ebpfpp_usdt_tick(long a, int b, short c) {
  DTRACE_PROBE3(ebpfpp_test, tick, a, b, c);
}
#endif

namespace ebpf {
namespace {

TEST(UsdtArguments, ParsesX86Specs) {
#ifndef __x86_64__
  GTEST_SKIP() << "x86-64 argument specs";
#endif
  auto args = link::parse_usdt_arguments("-4@%edi 8@-16(%rbp) 4@$5 1@%al 8@(%rax) -2@0x10(%r12)");
  ASSERT_TRUE(args) << args.error().message();
  ASSERT_EQ(args->size(), 6u);
  const auto& a = *args;
  EXPECT_EQ(a[0].kind, link::UsdtArgument::Kind::reg);
  EXPECT_EQ(a[0].size, 4);
  EXPECT_TRUE(a[0].is_signed);
  EXPECT_EQ(a[0].reg_offset, 112);  // di
  EXPECT_EQ(a[1].kind, link::UsdtArgument::Kind::reg_deref);
  EXPECT_EQ(a[1].value, -16);
  EXPECT_EQ(a[1].reg_offset, 32);  // bp
  EXPECT_EQ(a[2].kind, link::UsdtArgument::Kind::constant);
  EXPECT_EQ(a[2].value, 5);
  EXPECT_FALSE(a[2].is_signed);
  EXPECT_EQ(a[3].reg_offset, 80);  // ax
  EXPECT_EQ(a[3].size, 1);
  EXPECT_EQ(a[4].kind, link::UsdtArgument::Kind::reg_deref);
  EXPECT_EQ(a[4].value, 0);
  EXPECT_EQ(a[5].value, 16);
  EXPECT_EQ(a[5].reg_offset, 24);  // r12

  EXPECT_TRUE(link::parse_usdt_arguments("")->empty());
  auto bad = link::parse_usdt_arguments("4@%nosuchreg");
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(errc::malformed));
  auto rip = link::parse_usdt_arguments("8@counter(%rip)");
  ASSERT_FALSE(rip);
  EXPECT_TRUE(rip.error().is(errc::not_supported) || rip.error().is(errc::malformed)) << rip.error().message();
  auto size = link::parse_usdt_arguments("3@%eax");
  EXPECT_FALSE(size);
}

TEST(UsdtObject, HiddenHelperIsLinkedAsStatic) {
  // usdt.bpf.h's bpf_usdt_arg() is a __weak __hidden global function: recorded to be loaded with static linkage.
  auto spec = load_collection_spec(test::bpf_object("link_usdt"));
  ASSERT_TRUE(spec) << spec.error().message();
  const auto& hidden = spec->programs.at("on_usdt").hidden_functions;
  EXPECT_NE(std::find(hidden.begin(), hidden.end(), "bpf_usdt_arg"), hidden.end());
  EXPECT_TRUE(spec->maps.contains("__bpf_usdt_specs"));  // a weak map
}

#ifdef EBPFPP_HAVE_SDT

TEST(UsdtNotes, ReadsTheProbesOfThisBinary) {
  auto probes = link::read_usdt_probes(test::self_exe());
  ASSERT_TRUE(probes) << probes.error().message();
  const link::UsdtProbe* tick = nullptr;
  for (const auto& p : *probes)
    if (p.provider == "ebpfpp_test" && p.name == "tick") tick = &p;
  ASSERT_NE(tick, nullptr);
  EXPECT_NE(tick->file_offset, 0u);
  EXPECT_NE(tick->semaphore, 0u);
  EXPECT_NE(tick->semaphore_offset, 0u);
  auto args = link::parse_usdt_arguments(tick->arguments);
  ASSERT_TRUE(args) << tick->arguments << ": " << args.error().message();
  ASSERT_EQ(args->size(), 3u);
  EXPECT_EQ((*args)[0].size, 8);
  EXPECT_EQ((*args)[1].size, 4);
  EXPECT_EQ((*args)[2].size, 2);
  EXPECT_TRUE((*args)[2].is_signed);
}

class UsdtLink : public test::LinkTest {
 protected:
  void SetUp() override {
    test::LinkTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto err = load("link_usdt");
    ASSERT_FALSE(err) << err->message();
  }
  std::uint64_t out(std::uint32_t k) { return count(k, "out"); }
};

TEST_F(UsdtLink, FiresWithArgumentsCookieAndSemaphore) {
  EXPECT_EQ(ebpfpp_test_tick_semaphore, 0);
  auto l = link::attach_usdt(prog("on_usdt"),
                             {.path = test::self_exe(), .provider = "ebpfpp_test", .name = "tick", .cookie = 0xc0ffee});
  ASSERT_TRUE(l) << l.error().message();
  EXPECT_GT(ebpfpp_test_tick_semaphore, 0) << "the kernel bumps the semaphore while a probe is attached";
  ebpfpp_usdt_tick(-5000000000L, 123456, -7);
  ebpfpp_usdt_tick(1, 2, 3);
  EXPECT_EQ(out(0), 2u);
  EXPECT_EQ(out(1), 1u);
  EXPECT_EQ(out(2), 2u);
  EXPECT_EQ(out(3), 3u);
  EXPECT_EQ(out(4), 0xc0ffeeu);
  EXPECT_EQ(out(5), 3u);
  ebpfpp_usdt_tick(-5000000000L, -1, -7);
  EXPECT_EQ(static_cast<std::int64_t>(out(1)), -5000000000L);
  EXPECT_EQ(static_cast<std::int64_t>(out(2)), -1);
  EXPECT_EQ(static_cast<std::int64_t>(out(3)), -7);

  ASSERT_TRUE(l->close());
  EXPECT_EQ(ebpfpp_test_tick_semaphore, 0);
  ebpfpp_usdt_tick(9, 9, 9);
  EXPECT_EQ(out(0), 3u);
}

TEST_F(UsdtLink, AutoAttachFromTarget) {
  auto l = prog("on_usdt").attach(test::self_exe() + ":ebpfpp_test:tick");
  ASSERT_TRUE(l) << l.error().message();
  EXPECT_EQ(ebpfpp_test_tick_semaphore, 1);
  ebpfpp_usdt_tick(4, 5, 6);
  EXPECT_EQ(out(0), 1u);
  EXPECT_EQ(out(1), 4u);
  // Reading this binary's notes again while its probe is attached must not bump the semaphore (a mapping of the
  // file would: the kernel installs the probe in every new mapping of the file).
  auto probes = link::read_usdt_probes(test::self_exe());
  ASSERT_TRUE(probes) << probes.error().message();
  EXPECT_EQ(ebpfpp_test_tick_semaphore, 1);
  ASSERT_TRUE(l->close());
  EXPECT_EQ(ebpfpp_test_tick_semaphore, 0);
  auto missing = link::attach_usdt(prog("on_usdt"), {.path = test::self_exe(), .provider = "ebpfpp_test", .name = "nope"});
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is(errc::not_found)) << missing.error().message();
}

#endif

}  // namespace
}  // namespace ebpf
