// Collection::attach_all: every program attached from its section (targets for the uprobes), all or nothing, and
// under fault injection (every syscall of the attach failed in turn) nothing attached and no fd left behind.
#include <gtest/gtest.h>

#include <set>

#include "ebpf/link/tracing.hpp"
#include "ebpf/sys/bpf.hpp"
#include "link_test_util.hpp"

namespace ebpf {
namespace {

enum Slot : std::uint32_t { kTp = 0, kRawTp = 1, kUprobe = 2, kUretprobe = 3, kTp2 = 7 };

int call_target(int x) {
  int (*volatile f)(int) = ebpfpp_link_probe_target;
  return f(x);
}

class AttachAll : public test::LinkTest {
 protected:
  void SetUp() override {
    test::LinkTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto err = load("link_tracing");
    ASSERT_FALSE(err) << err->message();
    const std::string target = test::self_exe() + ":ebpfpp_link_probe_target";
    targets_ = {{"on_uprobe", target}, {"on_uretprobe", target}};
    auto k = link::attach_kprobe(prog("on_kprobe"), {.symbol = "do_nanosleep"});
    kprobes_ = k.has_value();
    if (!kprobes_) {
      ASSERT_TRUE(k.error().is(errc::not_supported)) << k.error().message();
      skip_ = {"on_kprobe"};
    }
  }

  // Fires every attach point once.
  static void fire() {
    ::syscall(SYS_getpid);
    ::syscall(SYS_getppid);
    call_target(1);
  }

  // Ids of the links in the kernel whose program is one of ours.
  std::vector<std::uint32_t> our_links() {
    std::set<std::uint32_t> ours;
    for (const auto& [name, p] : coll_->programs()) {
      auto info = p.info();
      if (info) ours.insert(info->id);
    }
    std::vector<std::uint32_t> found;
    for (std::uint32_t cur = 0;;) {
      auto next = Link::next_id(cur);
      if (!next) break;
      cur = *next;
      auto l = Link::from_id(cur);
      if (!l) continue;  // gone meanwhile
      auto info = l->info();
      if (info && ours.contains(info->program_id)) found.push_back(cur);
    }
    return found;
  }

  std::uint64_t total() {
    std::uint64_t n = 0;
    for (std::uint32_t s : {kTp, kRawTp, kUprobe, kUretprobe, kTp2}) n += count(s);
    return n;
  }

  std::map<std::string, std::string, std::less<>> targets_;
  std::vector<std::string> skip_;
  bool kprobes_ = false;
};

TEST_F(AttachAll, AttachesEveryProgramFromItsSection) {
  auto links = coll_->attach_all(targets_, skip_);
  ASSERT_TRUE(links) << links.error().message();
  // on_getpid, on_getppid, on_sys_enter, on_uprobe, on_uretprobe (+ on_kprobe); on_perf_event has no attach point.
  EXPECT_EQ(links->size(), kprobes_ ? 6u : 5u);
  fire();
  EXPECT_EQ(count(kTp), 1u);
  EXPECT_EQ(count(kTp2), 1u);
  EXPECT_GE(count(kRawTp), 3u);
  EXPECT_EQ(count(kUprobe), 1u);
  EXPECT_EQ(count(kUretprobe), 1u);
  links->clear();
  const auto before = total();
  fire();
  EXPECT_EQ(total(), before);
  EXPECT_TRUE(our_links().empty());
}

TEST_F(AttachAll, WithoutTargetsUprobesAreSkipped) {
  auto links = coll_->attach_all({}, skip_);
  ASSERT_TRUE(links) << links.error().message();
  EXPECT_EQ(links->size(), kprobes_ ? 4u : 3u);
  fire();
  EXPECT_EQ(count(kUprobe), 0u);
  EXPECT_EQ(count(kTp), 1u);
}

TEST_F(AttachAll, AllOrNothing) {
  // A bad target fails the last program in name order (on_uretprobe): everything before it is undone.
  auto bad = targets_;
  bad["on_uretprobe"] = test::self_exe() + ":ebpfpp_no_such_function";
  auto links = coll_->attach_all(bad, skip_);
  ASSERT_FALSE(links);
  EXPECT_TRUE(links.error().is(errc::not_found)) << links.error().message();
  EXPECT_NE(links.error().message().find("program on_uretprobe"), std::string::npos) << links.error().message();
  // The raw tracepoint counted syscalls while it was attached: from now on nothing may count.
  auto before = total();
  fire();
  EXPECT_EQ(total(), before);
  EXPECT_TRUE(our_links().empty());
  if (!kprobes_) {
    // Without kprobes the kprobe program fails the whole attach, with the library's not_supported.
    auto all = coll_->attach_all(targets_);
    ASSERT_FALSE(all);
    EXPECT_TRUE(all.error().is(errc::not_supported)) << all.error().message();
    before = total();
    fire();
    EXPECT_EQ(total(), before);
    EXPECT_TRUE(our_links().empty());
  }
}

struct Faults {
  int calls = 0;
  int fail_at = -1;
  int failed = 0;
  std::vector<sys::Cmd> seen;
};

int fail_nth(sys::Cmd cmd, void* context) {
  auto* f = static_cast<Faults*>(context);
  f->seen.push_back(cmd);
  if (f->calls++ == f->fail_at) {
    ++f->failed;
    return ENOMEM;
  }
  return 0;
}

TEST_F(AttachAll, EverySyscallFailedInTurnLeavesNothing) {
  const int fds = test::open_fd_count();
  int points = 0;
  for (int i = 0; i < 200; ++i) {
    Faults f{.fail_at = i};
    sys::set_fault_hook(fail_nth, &f);
    auto links = coll_->attach_all(targets_, skip_);
    sys::set_fault_hook(nullptr);
    if (f.failed == 0) {
      // Past the last syscall: the attach went through.
      ASSERT_TRUE(links) << links.error().message();
      points = i;
      break;
    }
    ASSERT_FALSE(links) << "syscall " << i << " (" << sys::to_string(f.seen[static_cast<std::size_t>(i)])
                        << ") failed but attach_all succeeded";
    EXPECT_EQ(test::open_fd_count(), fds) << "fd leaked when syscall " << i << " failed";
    const auto before = total();
    fire();
    EXPECT_EQ(total(), before) << "a program stayed attached when syscall " << i << " ("
                           << sys::to_string(f.seen[static_cast<std::size_t>(i)]) << ") failed";
    EXPECT_TRUE(our_links().empty()) << "a link stayed when syscall " << i << " failed";
  }
  // Two tracepoints (perf_event_open + link), a raw tracepoint, two uprobes (perf_event_open + link).
  EXPECT_GE(points, 9);
}

}  // namespace
}  // namespace ebpf
