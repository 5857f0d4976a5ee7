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

TEST_F(TrampolineLink, TpBtf) {
  auto err = load("link_tp_btf");
  if (err && err->is(errc::not_supported)) EBPF_SKIP_KERNEL_LACKS(err->message());
  ASSERT_FALSE(err) << err->message();
  auto l = prog("on_btf_sys_enter").attach();
  ASSERT_TRUE(l) << l.error().message();
  getpid_n(4);
  EXPECT_GE(count(0), 4u);
  auto info = l->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_TRUE(info->type == LinkType::tracing || info->type == LinkType::raw_tracepoint) << to_string(info->type);
  ASSERT_TRUE(l->close());
  const auto n = count(0);
  getpid_n(4);
  EXPECT_EQ(count(0), n);
}

TEST_F(TrampolineLink, FentryFexit) {
  auto err = load("link_trampoline");
  // The probe is the load itself: kernels without trampolines answer ENOTSUPP, and some machines refuse fentry
  // to root with EPERM (the fixture has already shown that bpf() works for this process).
  if (err && (err->is(errc::not_supported) || err->is(std::errc::operation_not_permitted)))
    EBPF_SKIP_KERNEL_LACKS("fentry/fexit programs: " + err->message());
  ASSERT_FALSE(err) << err->message();
  std::vector<Link> links;
  for (const char* name : {"on_fentry_getpid", "on_fexit_getpid"}) {
    auto l = prog(name).attach();
    if (!l && l.error().is(errc::not_supported)) EBPF_SKIP_KERNEL_LACKS(l.error().message());
    ASSERT_TRUE(l) << l.error().message();
    links.push_back(std::move(*l));
  }
  getpid_n(4);
  EXPECT_EQ(count(1), 4u);
  EXPECT_EQ(count(2), 4u);
  auto info = links[0].info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->type, LinkType::tracing);
  EXPECT_EQ(info->attach_type, AttachType::trace_fentry);
  EXPECT_NE(info->target_btf_id, 0u);
  links.clear();
  getpid_n(4);
  EXPECT_EQ(count(1), 4u);
  EXPECT_EQ(count(2), 4u);
}

}  // namespace
}  // namespace ebpf
