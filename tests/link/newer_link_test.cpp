// Link types that some kernels refuse: trampolines (tp_btf, fentry, fexit), uprobe multi, kprobe multi. Each test
// probes with the library's own load or attach and skips only on errc::not_supported.
#include <gtest/gtest.h>

#include <ctime>

#include "ebpf/link/tracing.hpp"
#include "ebpf/link/uprobe.hpp"
#include "link_test_util.hpp"

namespace ebpf {
namespace {

int call_target(int x) {
  int (*volatile f)(int) = ebpfpp_link_probe_target;
  return f(x);
}
int call_other(int x) {
  int (*volatile f)(int) = ebpfpp_link_probe_other;
  return f(x);
}

class MultiLink : public test::LinkTest {
 protected:
  void SetUp() override {
    test::LinkTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto err = load("link_multi");
    ASSERT_FALSE(err) << err->message();
  }
};

TEST_F(MultiLink, UprobeMultiOnTwoFunctions) {
  auto l = link::attach_uprobe_multi(
      prog("on_uprobe_multi"),
      {.path = test::self_exe(), .symbols = {"ebpfpp_link_probe_target", "ebpfpp_link_probe_other"}});
  if (!l && l.error().is(errc::not_supported)) EBPF_SKIP_KERNEL_LACKS(l.error().message());
  ASSERT_TRUE(l) << l.error().message();
  call_target(1);
  call_other(1);
  call_other(2);
  EXPECT_EQ(count(0), 3u);
  auto info = l->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->type, LinkType::uprobe_multi);
  EXPECT_EQ(info->count, 2u);
  EXPECT_EQ(info->name, test::self_exe());
  ASSERT_TRUE(l->close());
  call_target(1);
  EXPECT_EQ(count(0), 3u);
}

TEST_F(MultiLink, UprobeMultiPatternFromSectionTarget) {
  auto l = prog("on_uprobe_multi").attach(test::self_exe() + ":ebpfpp_link_probe_*");
  if (!l && l.error().is(errc::not_supported)) EBPF_SKIP_KERNEL_LACKS(l.error().message());
  ASSERT_TRUE(l) << l.error().message();
  call_target(1);
  call_other(1);
  EXPECT_EQ(count(0), 2u);
}

TEST_F(MultiLink, KprobeMulti) {
  auto l = link::attach_kprobe_multi(prog("on_kprobe_multi"), {.symbols = {"do_nanosleep"}});
  if (!l && l.error().is(errc::not_supported)) EBPF_SKIP_KERNEL_LACKS(l.error().message());
  ASSERT_TRUE(l) << l.error().message();
  timespec ts{0, 1000};
  ::nanosleep(&ts, nullptr);
  EXPECT_GE(count(1), 1u);
  auto info = l->info();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->type, LinkType::kprobe_multi);
  ASSERT_TRUE(l->close());
  const auto n = count(1);
  ::nanosleep(&ts, nullptr);
  EXPECT_EQ(count(1), n);
}

class TrampolineLink : public test::LinkTest {};

TEST_F(TrampolineLink, TpBtfFentryFexit) {
  auto err = load("link_trampoline");
  // The probe: machines without trampolines (or without BTF for these functions) refuse the load.
  if (err && err->is(errc::not_supported)) EBPF_SKIP_KERNEL_LACKS(err->message());
  ASSERT_FALSE(err) << err->message();
  std::vector<Link> links;
  for (const char* name : {"on_btf_sys_enter", "on_fentry_getpid", "on_fexit_getpid"}) {
    auto l = prog(name).attach();
    if (!l && l.error().is(errc::not_supported)) EBPF_SKIP_KERNEL_LACKS(l.error().message());
    ASSERT_TRUE(l) << l.error().message();
    links.push_back(std::move(*l));
  }
  getpid_n(4);
  EXPECT_GE(count(0), 4u);
  EXPECT_EQ(count(1), 4u);
  EXPECT_EQ(count(2), 4u);
  auto info = links[1].info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->type, LinkType::tracing);
  EXPECT_EQ(info->attach_type, AttachType::trace_fentry);
  EXPECT_NE(info->target_btf_id, 0u);
  links.clear();
  const auto a = count(0), b = count(1), c = count(2);
  getpid_n(4);
  EXPECT_EQ(count(0), a);
  EXPECT_EQ(count(1), b);
  EXPECT_EQ(count(2), c);
}

}  // namespace
}  // namespace ebpf
