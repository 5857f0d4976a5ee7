// Fault injection for the networking and cgroup attach paths: every bpf() and netlink call of an attach is
// failed in turn (sys::set_fault_hook); each failure must leave no descriptor and no attachment behind, and
// the attach must succeed once no call fails.
#include <gtest/gtest.h>

#include <functional>

#include "ebpf/link/cgroup.hpp"
#include "ebpf/link/tc.hpp"
#include "ebpf/link/xdp.hpp"
#include "ebpf/sys/bpf.hpp"
#include "ebpf/sys/netlink.hpp"
#include "net_objects.hpp"

namespace ebpf {
namespace {

struct FaultPlan {
  int fail_at = -1;  // index of the call to fail
  int calls = 0;
};

int fail_nth(sys::Cmd, void* context) {
  auto* plan = static_cast<FaultPlan*>(context);
  return plan->calls++ == plan->fail_at ? EPERM : 0;
}

class NetFault : public test::NetLinkTest {
 protected:
  // Runs `attach` with call 0, 1, 2, ... failed until it succeeds without a fault; after each failure
  // `nothing_attached` must hold and the fd count must be back where it was.
  void fail_each_call(const std::function<Result<Link>()>& attach, const std::function<bool()>& nothing_attached) {
    for (int n = 0; n < 64; ++n) {
      const int fds = test::open_fd_count();
      FaultPlan plan{.fail_at = n};
      sys::set_fault_hook(fail_nth, &plan);
      auto l = attach();
      sys::set_fault_hook(nullptr);
      if (plan.calls <= n) {  // no call was failed: the attach ran to completion
        ASSERT_TRUE(l) << l.error().message();
        EXPECT_FALSE(nothing_attached());
        l->close();
        EXPECT_TRUE(nothing_attached());
        EXPECT_GE(n, 1) << "the attach made no call the hook could fail";
        return;
      }
      EXPECT_FALSE(l) << "call " << n << " was failed but the attach succeeded";
      if (l) l->close();
      EXPECT_TRUE(nothing_attached()) << "failing call " << n << " left an attachment";
      EXPECT_EQ(test::open_fd_count(), fds) << "failing call " << n << " leaked a descriptor";
    }
    FAIL() << "the attach never completed";
  }

  bool no_xdp() {
    auto sock = sys::NetlinkSocket::open();
    if (!sock) return false;
    auto q = sys::netlink_query_xdp(*sock, veth1);
    return q && q->prog_id == 0;
  }
  bool no_filter() {
    auto sock = sys::NetlinkSocket::open();
    if (!sock) return false;
    int n = 0;
    auto r = sys::netlink_list_tc_filters(*sock, veth1, sys::kTcParentIngress, [&](const sys::TcFilterInfo&) { ++n; });
    return n == 0 && (r || r.error().is(std::errc::invalid_argument));
  }
};

TEST_F(NetFault, XdpNetlinkAttach) {
  fail_each_call([&] { return link::attach_xdp(prog("xdp_count"), {.ifindex = veth1, .method = link::AttachMethod::legacy}); },
                 [&] { return no_xdp(); });
}

TEST_F(NetFault, XdpLinkAttach) {
  fail_each_call([&] { return link::attach_xdp(prog("xdp_count"), {.ifindex = veth1, .method = link::AttachMethod::link}); },
                 [&] { return no_xdp(); });
}

TEST_F(NetFault, LegacyTcAttach) {
  fail_each_call([&] { return link::attach_tc(prog("tc_count"), {.ifindex = veth1}); }, [&] { return no_filter(); });
}

TEST_F(NetFault, TcxAttach) {
  fail_each_call([&] { return link::attach_tcx(prog("tc_count"), {.ifindex = veth1}); },
                 [&] {
                   // A leftover tcx program would count the frame.
                   const auto before = counter(test::kTc);
                   send_frames(1);
                   test::wait_until([&] { return counter(test::kTc) > before; }, std::chrono::milliseconds(100));
                   return counter(test::kTc) == before;
                 });
}

}  // namespace
}  // namespace ebpf
