// Tracing links in the kernel of this machine: every test fires its program, checks the count, closes the link
// and checks that the program stopped counting (and, through KernelTest, that no descriptor leaked).
#include <gtest/gtest.h>

#include <linux/perf_event.h>

#include <chrono>
#include <ctime>

#include "ebpf/link/auto_attach.hpp"
#include "ebpf/link/tracing.hpp"
#include "ebpf/link/uprobe.hpp"
#include "ebpf/program.hpp"
#include "link_test_util.hpp"

// Functions of this binary to put uprobes on: not inlined, not folded together.
extern "C" __attribute__((noinline, used)) int ebpfpp_link_probe_target(int x) {
  asm volatile("" ::: "memory");
  return x + 1;
}
extern "C" __attribute__((noinline, used)) int ebpfpp_link_probe_other(int x) {
  asm volatile("" ::: "memory");
  return x * 3;
}

namespace ebpf {
namespace {

enum Slot : std::uint32_t { kTp = 0, kRawTp = 1, kUprobe = 2, kUretprobe = 3, kPerf = 4, kKprobe = 6, kTp2 = 7 };

std::uint32_t program_id(const Program& p) {
  auto info = p.info();
  EXPECT_TRUE(info) << info.error().message();
  return info ? info->id : 0;
}

// Calls the probed function through a volatile pointer so the compiler keeps every call.
int call_target(int x) {
  int (*volatile f)(int) = ebpfpp_link_probe_target;
  return f(x);
}

class TracingLink : public test::LinkTest {
 protected:
  void SetUp() override {
    test::LinkTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto err = load("link_tracing");
    ASSERT_FALSE(err) << err->message();
  }
};

TEST_F(TracingLink, TracepointFiresAndCloseDetaches) {
  auto l = link::attach_tracepoint(prog("on_getpid"), {.category = "syscalls", .name = "sys_enter_getpid"});
  ASSERT_TRUE(l) << l.error().message();
  getpid_n(5);
  EXPECT_EQ(count(kTp), 5u);

  auto info = l->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->program_id, program_id(prog("on_getpid")));
  if (info->type == LinkType::perf_event) {  // perf links (5.15+); the ioctl fallback has no kernel link
    EXPECT_NE(info->id, 0u);
    EXPECT_EQ(info->perf_event, PerfEventKind::tracepoint);
    EXPECT_EQ(info->name, "sys_enter_getpid");
  }

  ASSERT_TRUE(l->close());
  EXPECT_FALSE(l->valid());
  getpid_n(3);
  EXPECT_EQ(count(kTp), 5u) << "the program still runs after the link was closed";
}

TEST_F(TracingLink, TracepointDestructorDetaches) {
  {
    auto l = link::attach_tracepoint(prog("on_getpid"), {.category = "syscalls", .name = "sys_enter_getpid"});
    ASSERT_TRUE(l) << l.error().message();
    getpid_n(2);
  }
  getpid_n(2);
  EXPECT_EQ(count(kTp), 2u);
}

TEST_F(TracingLink, TracepointThroughThePerfIoctl) {
  auto l = link::attach_tracepoint(prog("on_getpid"),
                                   {.category = "syscalls", .name = "sys_enter_getpid", .legacy_ioctl = true});
  ASSERT_TRUE(l) << l.error().message();
  EXPECT_EQ(l->attachment()->kind(), "perf event ioctl");
  EXPECT_EQ(l->fd(), -1);
  getpid_n(3);
  EXPECT_EQ(count(kTp), 3u);
  auto info = l->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->program_id, program_id(prog("on_getpid")));
  auto pin = l->pin("/sys/fs/bpf/ebpfpp-never");
  ASSERT_FALSE(pin);
  EXPECT_TRUE(pin.error().is(errc::not_supported)) << pin.error().message();
  auto cookie = link::attach_tracepoint(
      prog("on_getpid"), {.category = "syscalls", .name = "sys_enter_getpid", .cookie = 1, .legacy_ioctl = true});
  ASSERT_FALSE(cookie);
  EXPECT_TRUE(cookie.error().is(errc::not_supported));
  ASSERT_TRUE(l->close());
  getpid_n(3);
  EXPECT_EQ(count(kTp), 3u);
}

TEST_F(TracingLink, TracepointErrors) {
  auto l = link::attach_tracepoint(prog("on_getpid"), {.category = "syscalls", .name = "no_such_event_xyz"});
  ASSERT_FALSE(l);
  EXPECT_TRUE(l.error().is(errc::not_found)) << l.error().message();
  EXPECT_NE(l.error().message().find("program on_getpid: attach tracepoint syscalls/no_such_event_xyz"), std::string::npos)
      << l.error().message();
  auto empty = link::attach_tracepoint(prog("on_getpid"), {});
  ASSERT_FALSE(empty);
  EXPECT_TRUE(empty.error().is(errc::invalid_argument));
}

TEST_F(TracingLink, TracepointAutoAttachFromSection) {
  EXPECT_EQ(prog("on_getppid").section_name(), "tp/syscalls/sys_enter_getppid");
  auto l = prog("on_getppid").attach();
  ASSERT_TRUE(l) << l.error().message();
  for (int i = 0; i < 4; ++i) ::syscall(SYS_getppid);
  EXPECT_EQ(count(kTp2), 4u);
  *l = Link();  // move-assigning an empty link detaches the old one
  ::syscall(SYS_getppid);
  EXPECT_EQ(count(kTp2), 4u);
}

TEST_F(TracingLink, RawTracepoint) {
  auto l = link::attach_raw_tracepoint(prog("on_sys_enter"), {.name = "sys_enter"});
  ASSERT_TRUE(l) << l.error().message();
  getpid_n(10);
  const auto n = count(kRawTp);
  EXPECT_GE(n, 10u);
  auto info = l->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->type, LinkType::raw_tracepoint);
  EXPECT_EQ(info->name, "sys_enter");
  EXPECT_EQ(info->program_id, program_id(prog("on_sys_enter")));
  auto id = l->id();
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, info->id);

  ASSERT_TRUE(l->close());
  const auto after_close = count(kRawTp);  // the lookups above are syscalls too
  getpid_n(10);
  EXPECT_EQ(count(kRawTp), after_close);
}

TEST_F(TracingLink, LinkDetachStopsTheProgramOrIsRefused) {
  auto l = prog("on_sys_enter").attach();  // raw_tp/sys_enter
  ASSERT_TRUE(l) << l.error().message();
  getpid_n(3);
  EXPECT_GE(count(kRawTp), 3u);
  auto d = l->detach();
  const auto before = count(kRawTp);
  getpid_n(5);
  if (d) {
    EXPECT_EQ(count(kRawTp), before) << "detached link still runs its program";
  } else {
    // Raw tracepoint links have no detach operation in the kernel: refused, and still attached.
    EXPECT_TRUE(d.error().is(std::errc::operation_not_supported)) << d.error().message();
    EXPECT_GE(count(kRawTp), before + 5);
  }
  EXPECT_TRUE(l->valid());
  EXPECT_TRUE(l->info());
}

TEST_F(TracingLink, LinkIdAndFromId) {
  auto l = prog("on_sys_enter").attach();
  ASSERT_TRUE(l) << l.error().message();
  auto id = l->id();
  ASSERT_TRUE(id) << id.error().message();
  bool listed = false;
  for (std::uint32_t cur = 0;;) {
    auto next = Link::next_id(cur);
    if (!next) {
      EXPECT_TRUE(next.error().is(errc::not_found)) << next.error().message();
      break;
    }
    if (*next == *id) listed = true;
    cur = *next;
  }
  EXPECT_TRUE(listed);
  auto again = Link::from_id(*id);
  ASSERT_TRUE(again) << again.error().message();
  auto info = again->info();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->id, *id);
}

TEST_F(TracingLink, PinOutlivesTheLinkUntilUnpinned) {
  test::Bpffs fs;
  ASSERT_TRUE(fs.ok());
  const std::string path = fs.dir() + "/tp";
  {
    auto l = link::attach_tracepoint(prog("on_getpid"), {.category = "syscalls", .name = "sys_enter_getpid"});
    ASSERT_TRUE(l) << l.error().message();
    auto pinned = l->pin(path);
    if (!pinned && pinned.error().is(errc::not_supported)) GTEST_SKIP() << "no perf links: " << pinned.error().message();
    ASSERT_TRUE(pinned) << pinned.error().message();
    EXPECT_EQ(l->pinned_path(), path);
  }  // closed, still pinned
  getpid_n(2);
  EXPECT_EQ(count(kTp), 2u);

  auto again = Link::load_pinned(path);
  ASSERT_TRUE(again) << again.error().message();
  auto info = again->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->program_id, program_id(prog("on_getpid")));
  ASSERT_TRUE(again->unpin());
  EXPECT_FALSE(std::filesystem::exists(path));
  ASSERT_TRUE(again->close());
  getpid_n(2);
  EXPECT_EQ(count(kTp), 2u);

  auto missing = Link::load_pinned(path);
  EXPECT_FALSE(missing);
}

TEST_F(TracingLink, LoadPinnedRefusesAProgramPin) {
  test::Bpffs fs;
  ASSERT_TRUE(fs.ok());
  const std::string path = fs.dir() + "/prog";
  ASSERT_TRUE(prog("on_getpid").pin(path));
  auto l = Link::load_pinned(path);
  ASSERT_FALSE(l);
  EXPECT_TRUE(l.error().is(errc::invalid_argument)) << l.error().message();
  ASSERT_TRUE(prog("on_getpid").unpin());
}

TEST_F(TracingLink, UpdateIsRefusedByPerfLinks) {
  auto l = link::attach_tracepoint(prog("on_getpid"), {.category = "syscalls", .name = "sys_enter_getpid"});
  ASSERT_TRUE(l) << l.error().message();
  auto u = l->update(prog("on_getppid"));
  EXPECT_FALSE(u);  // neither perf links nor the ioctl backend can swap programs
  getpid_n(1);
  EXPECT_EQ(count(kTp), 1u);
  EXPECT_EQ(count(kTp2), 0u);
}

TEST_F(TracingLink, UprobeOnAFunctionOfThisBinary) {
  const std::string exe = test::self_exe();
  auto off = link::symbol_file_offset(exe, "ebpfpp_link_probe_target");
  ASSERT_TRUE(off) << off.error().message();
  EXPECT_NE(*off, 0u);

  auto up = link::attach_uprobe(prog("on_uprobe"), {.path = exe, .symbol = "ebpfpp_link_probe_target"});
  ASSERT_TRUE(up) << up.error().message();
  auto ret = link::attach_uprobe(prog("on_uretprobe"), {.path = exe, .symbol = "ebpfpp_link_probe_target", .retprobe = true});
  ASSERT_TRUE(ret) << ret.error().message();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call_target(41), 42);
  EXPECT_EQ(count(kUprobe), 3u);
  EXPECT_EQ(count(kUretprobe), 3u);
  EXPECT_EQ(count(0, "seen"), 41u);  // first argument
  EXPECT_EQ(count(1, "seen"), 42u);  // return value

  auto info = up->info();
  ASSERT_TRUE(info) << info.error().message();
  if (info->type == LinkType::perf_event) {
    EXPECT_EQ(info->perf_event, PerfEventKind::uprobe);
    EXPECT_EQ(info->offset, *off);
    EXPECT_EQ(info->name, exe);
  }

  ASSERT_TRUE(up->close());
  ASSERT_TRUE(ret->close());
  call_target(1);
  EXPECT_EQ(count(kUprobe), 3u);
  EXPECT_EQ(count(kUretprobe), 3u);
}

TEST_F(TracingLink, UprobeByOffsetAndPidFilter) {
  const std::string exe = test::self_exe();
  auto off = link::symbol_file_offset(exe, "ebpfpp_link_probe_target");
  ASSERT_TRUE(off) << off.error().message();
  {
    // Another pid: this process's calls are not seen.
    auto other = link::attach_uprobe(prog("on_uprobe"), {.path = exe, .offset = *off, .pid = 1});
    ASSERT_TRUE(other) << other.error().message();
    call_target(1);
    EXPECT_EQ(count(kUprobe), 0u);
  }
  auto mine = link::attach_uprobe(prog("on_uprobe"), {.path = exe, .offset = *off, .pid = ::getpid()});
  ASSERT_TRUE(mine) << mine.error().message();
  call_target(7);
  EXPECT_EQ(count(kUprobe), 1u);
  EXPECT_EQ(count(0, "seen"), 7u);
}

TEST_F(TracingLink, UprobeAutoAttachWithTarget) {
  const std::string target = test::self_exe() + ":ebpfpp_link_probe_target";
  auto bare = prog("on_uprobe").attach();
  ASSERT_FALSE(bare);
  EXPECT_TRUE(bare.error().is(errc::invalid_argument)) << bare.error().message();
  EXPECT_FALSE(link::auto_attachable(prog("on_uprobe"), false));
  EXPECT_TRUE(link::auto_attachable(prog("on_uprobe"), true));

  auto l = prog("on_uprobe").attach(target);
  ASSERT_TRUE(l) << l.error().message();
  call_target(5);
  EXPECT_EQ(count(kUprobe), 1u);
  ASSERT_TRUE(l->close());
  call_target(5);
  EXPECT_EQ(count(kUprobe), 1u);
}

TEST_F(TracingLink, UprobeErrors) {
  auto l = link::attach_uprobe(prog("on_uprobe"), {.path = test::self_exe(), .symbol = "ebpfpp_no_such_function"});
  ASSERT_FALSE(l);
  EXPECT_TRUE(l.error().is(errc::not_found)) << l.error().message();
  EXPECT_NE(l.error().message().find("ebpfpp_no_such_function"), std::string::npos);
  auto nofile = link::attach_uprobe(prog("on_uprobe"), {.path = "/nonexistent/bin", .symbol = "main"});
  EXPECT_FALSE(nofile);
  auto notelf = link::symbol_file_offset("/proc/self/status", "main");
  EXPECT_FALSE(notelf);
}

TEST_F(TracingLink, UprobeOnLibcDynamicSymbol) {
  // libc has no .symtab in Debian: the symbol comes from .dynsym, the path from the library search.
  auto path = link::resolve_binary_path("libc.so.6");
  ASSERT_TRUE(path) << path.error().message();
  auto off = link::symbol_file_offset(*path, "getpid");
  ASSERT_TRUE(off) << off.error().message();
  auto versioned = link::symbol_file_offset(*path, "getpid@GLIBC_2.2.5");
  ASSERT_TRUE(versioned) << versioned.error().message();
  EXPECT_EQ(*versioned, *off);
  auto l = link::attach_uprobe(prog("on_uprobe"), {.path = "libc.so.6", .symbol = "getpid"});
  ASSERT_TRUE(l) << l.error().message();
  (void)::getpid();
  (void)::getpid();
  EXPECT_GE(count(kUprobe), 2u);
}

TEST_F(TracingLink, PerfEventSoftwareClock) {
  auto l = link::attach_perf_event(prog("on_perf_event"),
                                   {.type = PERF_TYPE_SOFTWARE, .config = PERF_COUNT_SW_TASK_CLOCK,
                                    .sample_period = 100'000, .pid = 0, .cpu = -1});
  ASSERT_TRUE(l) << l.error().message();
  auto spin = [] {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
    volatile std::uint64_t x = 0;
    while (std::chrono::steady_clock::now() < end) x = x + 1;
  };
  spin();
  EXPECT_GT(count(kPerf), 10u) << "50 ms of task clock sampled every 100 us";
  auto info = l->info();
  ASSERT_TRUE(info) << info.error().message();
  if (info->type == LinkType::perf_event) {
    EXPECT_EQ(info->perf_event, PerfEventKind::event);
    // perf_type: the kernel reports the PMU that took the event (task-clock has a PMU of its own).
    EXPECT_EQ(info->perf_config, static_cast<std::uint64_t>(PERF_COUNT_SW_TASK_CLOCK));
  }
  ASSERT_TRUE(l->close());
  const auto n = count(kPerf);
  spin();
  EXPECT_EQ(count(kPerf), n);
  auto bad = link::attach_perf_event(prog("on_perf_event"), {.pid = -1, .cpu = -1});
  EXPECT_FALSE(bad);
}

TEST_F(TracingLink, Kprobe) {
  auto l = link::attach_kprobe(prog("on_kprobe"), {.symbol = "do_nanosleep"});
  if (!l && l.error().is(errc::not_supported)) EBPF_SKIP_KERNEL_LACKS(l.error().message());
  ASSERT_TRUE(l) << l.error().message();
  timespec ts{0, 1000};
  ::nanosleep(&ts, nullptr);
  EXPECT_GE(count(kKprobe), 1u);
  ASSERT_TRUE(l->close());
  const auto n = count(kKprobe);
  ::nanosleep(&ts, nullptr);
  EXPECT_EQ(count(kKprobe), n);
}

TEST_F(TracingLink, StructOpsRefusesOtherMaps) {
  auto l = link::attach_struct_ops(map("counts"));
  ASSERT_FALSE(l);
  EXPECT_TRUE(l.error().is(errc::invalid_argument)) << l.error().message();
  EXPECT_NE(l.error().message().find("struct_ops map counts"), std::string::npos) << l.error().message();
}

TEST_F(TracingLink, ClosedProgramAndEmptyLink) {
  Program closed;
  auto l = link::attach_tracepoint(closed, {.category = "syscalls", .name = "sys_enter_getpid"});
  ASSERT_FALSE(l);
  EXPECT_TRUE(l.error().is(errc::closed));
  Link empty;
  EXPECT_EQ(empty.fd(), -1);
  EXPECT_FALSE(empty.info());
  EXPECT_TRUE(empty.info().error().is(errc::closed));
  EXPECT_FALSE(empty.pin("/sys/fs/bpf/never"));
  EXPECT_TRUE(empty.close());
}

TEST_F(TracingLink, KprobeNotSupportedIsClear) {
  auto l = link::attach_kprobe(prog("on_kprobe"), {.symbol = "do_nanosleep", .retprobe = true});
  if (l) GTEST_SKIP() << "this kernel has kprobes";
  if (!l.error().is(errc::not_supported)) FAIL() << l.error().message();
  EXPECT_NE(l.error().message().find("kprobe"), std::string::npos) << l.error().message();
}

}  // namespace
}  // namespace ebpf
