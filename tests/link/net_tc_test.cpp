// tc attachments on a veth pair in the test's own network namespace: tcx links (ingress on veth1, egress on
// veth0, ordering with anchors and revisions), legacy cls_bpf filters through netlink, and netkit devices.
#include <gtest/gtest.h>

#include <net/if.h>

#include <chrono>
#include <thread>
#include <vector>

#include "ebpf/link/netlink_attachment.hpp"
#include "ebpf/link/tc.hpp"
#include "ebpf/sys/netlink.hpp"
#include "net_objects.hpp"

namespace ebpf {
namespace {

using test::kTc;
using test::kTcOther;
using test::kTcxFirst;
using test::kTcxSecond;

class NetTc : public test::NetLinkTest {
 protected:
  std::uint64_t trace() {
    auto v = map("trace").lookup<std::uint32_t, std::uint64_t>(0);
    EXPECT_TRUE(v) << v.error().message();
    return v ? *v : 0;
  }
  void reset_trace() { ASSERT_TRUE((map("trace").update<std::uint32_t, std::uint64_t>(0, 0))); }

  // Sends one frame to veth1 and returns the order the tcx ingress programs ran in (digits, first = high).
  std::uint64_t run_order() {
    reset_trace();
    const std::uint64_t seen = counter(test::kTcxFirst) + counter(test::kTcxSecond);
    send_frames(1);
    test::wait_until([&] { return counter(test::kTcxFirst) + counter(test::kTcxSecond) > seen; });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return trace();
  }

  std::vector<sys::TcFilterInfo> filters(int ifindex, std::uint32_t parent) {
    std::vector<sys::TcFilterInfo> out;
    auto sock = sys::NetlinkSocket::open();
    EXPECT_TRUE(sock) << sock.error().message();
    if (!sock) return out;
    auto r = sys::netlink_list_tc_filters(*sock, ifindex, parent, [&](const sys::TcFilterInfo& f) { out.push_back(f); });
    // Before any filter exists there is no clsact qdisc to list.
    if (!r && !r.error().is(std::errc::invalid_argument)) ADD_FAILURE() << r.error().message();
    return out;
  }
};

TEST_F(NetTc, TcxIngressCountsAndCloseDetaches) {
  auto l = link::attach_tcx(prog("tc_count"), {.ifindex = veth1, .direction = link::TcDirection::ingress});
  ASSERT_TRUE(l) << l.error().message();
  auto info = l->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->type, LinkType::tcx);
  EXPECT_EQ(info->attach_type, AttachType::tcx_ingress);
  EXPECT_EQ(info->ifindex, static_cast<std::uint32_t>(veth1));
  EXPECT_EQ(info->program_id, program_id("tc_count"));

  send_frames(4);
  EXPECT_EQ(wait_counter(kTc, 4), 4u);
  ASSERT_TRUE(l->close());
  send_frames(4);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(counter(kTc), 4u) << "the program still ran after close";
}

TEST_F(NetTc, TcxEgressCountsFramesLeavingTheInterface) {
  auto l = link::attach_tcx(prog("tc_count"), {.interface = "veth0", .direction = link::TcDirection::egress});
  ASSERT_TRUE(l) << l.error().message();
  auto info = l->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->attach_type, AttachType::tcx_egress);
  send_frames(3);
  EXPECT_EQ(wait_counter(kTc, 3), 3u);
  l->close();
  send_frames(3);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(counter(kTc), 3u);
}

TEST_F(NetTc, TcxAnchorsOrderPrograms) {
  auto first = link::attach_tcx(prog("tcx_first"), {.ifindex = veth1});
  ASSERT_TRUE(first) << first.error().message();
  {
    // Appended by default: first runs, then second.
    auto second = link::attach_tcx(prog("tcx_second"), {.ifindex = veth1});
    ASSERT_TRUE(second) << second.error().message();
    EXPECT_EQ(run_order(), 0x12u);
  }
  {
    auto second = link::attach_tcx(prog("tcx_second"), {.ifindex = veth1, .anchor = link::Anchor::before(*first)});
    ASSERT_TRUE(second) << second.error().message();
    EXPECT_EQ(run_order(), 0x21u);
  }
  {
    auto second = link::attach_tcx(prog("tcx_second"), {.ifindex = veth1, .anchor = link::Anchor::first()});
    ASSERT_TRUE(second) << second.error().message();
    EXPECT_EQ(run_order(), 0x21u);
  }
  {
    auto second = link::attach_tcx(prog("tcx_second"), {.ifindex = veth1, .anchor = link::Anchor::after(prog("tcx_first"))});
    ASSERT_TRUE(second) << second.error().message();
    EXPECT_EQ(run_order(), 0x12u);
  }
  {
    auto id = first->id();
    ASSERT_TRUE(id) << id.error().message();
    auto second = link::attach_tcx(prog("tcx_second"), {.ifindex = veth1, .anchor = link::Anchor::before_link_id(*id)});
    ASSERT_TRUE(second) << second.error().message();
    EXPECT_EQ(run_order(), 0x21u);
  }
  // Every second link was closed: only the first program runs.
  EXPECT_EQ(run_order(), 0x1u);
}

TEST_F(NetTc, AnchorOnALinkWithoutFdIsRefused) {
  auto legacy = link::attach_tc(prog("tc_count"), {.ifindex = veth1});
  ASSERT_TRUE(legacy) << legacy.error().message();
  auto l = link::attach_tcx(prog("tcx_first"), {.ifindex = veth1, .anchor = link::Anchor::before(*legacy)});
  ASSERT_FALSE(l);
  EXPECT_TRUE(l.error().is(errc::invalid_argument)) << l.error().message();
}

TEST_F(NetTc, TcxStaleRevisionIsRefused) {
  auto first = link::attach_tcx(prog("tcx_first"), {.ifindex = veth1});
  ASSERT_TRUE(first) << first.error().message();
  // One attach so far: the revision is 2 (it starts at 1). Expecting 1 is stale.
  auto stale = link::attach_tcx(prog("tcx_second"), {.ifindex = veth1, .expected_revision = 1});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().sys_errno(), ESTALE) << stale.error().message();
  auto fresh = link::attach_tcx(prog("tcx_second"), {.ifindex = veth1, .expected_revision = 2});
  EXPECT_TRUE(fresh) << fresh.error().message();
}

TEST_F(NetTc, LegacyFilterCountsAndCloseDeletesIt) {
  for (auto direction : {link::TcDirection::ingress, link::TcDirection::egress}) {
    const int ifindex = direction == link::TcDirection::ingress ? veth1 : veth0;
    const std::uint32_t parent = direction == link::TcDirection::ingress ? sys::kTcParentIngress : sys::kTcParentEgress;
    const std::uint64_t before = counter(kTc);
    auto l = link::attach_tc(prog("tc_count"), {.ifindex = ifindex, .direction = direction});
    ASSERT_TRUE(l) << l.error().message();
    EXPECT_EQ(l->attachment()->kind(), "netlink tc filter");
    auto listed = filters(ifindex, parent);
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].prog_id, program_id("tc_count"));
    EXPECT_TRUE(listed[0].direct_action);
    auto info = l->info();
    ASSERT_TRUE(info) << info.error().message();
    EXPECT_EQ(info->program_id, program_id("tc_count"));

    send_frames(4);
    EXPECT_EQ(wait_counter(kTc, before + 4), before + 4);
    ASSERT_TRUE(l->close());
    EXPECT_TRUE(filters(ifindex, parent).empty()) << "closing the link left the filter";
    send_frames(4);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(counter(kTc), before + 4);
  }
}

TEST_F(NetTc, LegacyFiltersWithPrioritiesBothRunAndCloseIndependently) {
  auto a = link::attach_tc(prog("tc_count"), {.ifindex = veth1, .priority = 1, .handle = 1});
  ASSERT_TRUE(a) << a.error().message();
  auto b = link::attach_tc(prog("tc_count_other"), {.ifindex = veth1, .priority = 2, .handle = 1});
  ASSERT_TRUE(b) << b.error().message();
  auto dup = link::attach_tc(prog("tc_count_other"), {.ifindex = veth1, .priority = 2, .handle = 1});
  EXPECT_FALSE(dup) << "a second filter with the same priority and handle";
  EXPECT_EQ(filters(veth1, sys::kTcParentIngress).size(), 2u);
  send_frames(2);
  EXPECT_EQ(wait_counter(kTc, 2), 2u);
  EXPECT_EQ(wait_counter(kTcOther, 2), 2u);
  ASSERT_TRUE(a->close());
  auto left = filters(veth1, sys::kTcParentIngress);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].prog_id, program_id("tc_count_other"));
  EXPECT_EQ(left[0].id.priority, 2u);
}

TEST_F(NetTc, LegacyFilterUpdateReplacesTheProgramInPlace) {
  auto l = link::attach_tc(prog("tc_count"), {.ifindex = veth1});
  ASSERT_TRUE(l) << l.error().message();
  auto wrong = l->update(prog("tc_count_other"), &prog("tcx_first"));
  ASSERT_FALSE(wrong) << "update with the wrong expected program";
  auto r = l->update(prog("tc_count_other"), &prog("tc_count"));
  ASSERT_TRUE(r) << r.error().message();
  auto listed = filters(veth1, sys::kTcParentIngress);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].prog_id, program_id("tc_count_other"));
  auto info = l->info();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->program_id, program_id("tc_count_other"));
  send_frames(2);
  EXPECT_EQ(wait_counter(kTcOther, 2), 2u);
  EXPECT_EQ(counter(kTc), 0u);
  ASSERT_TRUE(l->close());
  EXPECT_TRUE(filters(veth1, sys::kTcParentIngress).empty());
}

TEST_F(NetTc, LegacyFilterReplacedByAnotherOwnerIsLeftAloneOnClose) {
  auto a = link::attach_tc(prog("tc_count"), {.ifindex = veth1, .priority = 1, .handle = 1});
  ASSERT_TRUE(a) << a.error().message();
  auto b = link::attach_tc(prog("tc_count_other"), {.ifindex = veth1, .priority = 1, .handle = 1, .replace = true});
  ASSERT_TRUE(b) << b.error().message();
  ASSERT_TRUE(a->close());
  auto left = filters(veth1, sys::kTcParentIngress);
  ASSERT_EQ(left.size(), 1u) << "closing the replaced link deleted the replacement";
  EXPECT_EQ(left[0].prog_id, program_id("tc_count_other"));
  ASSERT_TRUE(b->close());
  EXPECT_TRUE(filters(veth1, sys::kTcParentIngress).empty());
}

TEST_F(NetTc, TcxAndLegacyFilterCoexist) {
  auto tcx = link::attach_tcx(prog("tc_count"), {.ifindex = veth1});
  ASSERT_TRUE(tcx) << tcx.error().message();
  auto legacy = link::attach_tc(prog("tc_count_other"), {.ifindex = veth1});
  ASSERT_TRUE(legacy) << legacy.error().message();
  send_frames(2);
  EXPECT_EQ(wait_counter(kTc, 2), 2u);
  // tcx returned TCX_NEXT: the clsact filters run after it.
  EXPECT_EQ(wait_counter(kTcOther, 2), 2u);
}

TEST_F(NetTc, NetkitPrimaryCountsAndCloseDetaches) {
  const int e = test::create_link_pair("netkit", "nk0", "nk1");
  if (e == EOPNOTSUPP || e == EINVAL) EBPF_SKIP_KERNEL_LACKS("netkit devices (RTM_NEWLINK kind netkit: " + std::string(strerror(e)) + ")");
  ASSERT_EQ(e, 0) << strerror(e);
  const int nk0 = static_cast<int>(if_nametoindex("nk0"));
  const int nk1 = static_cast<int>(if_nametoindex("nk1"));
  ASSERT_EQ(test::set_link_up(nk0), 0);
  ASSERT_EQ(test::set_link_up(nk1), 0);
  ASSERT_TRUE(test::wait_until([&] { return test::link_is_operational(nk0) && test::link_is_operational(nk1); }));
  auto l = link::attach_netkit(prog("tc_count"), {.ifindex = nk0});
  if (!l && l.error().is(errc::not_supported)) EBPF_SKIP_KERNEL_LACKS(l.error().message());
  ASSERT_TRUE(l) << l.error().message();
  auto info = l->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->type, LinkType::netkit);
  EXPECT_EQ(info->attach_type, AttachType::netkit_primary);
  send_frames(3, nk0);
  EXPECT_EQ(wait_counter(kTc, 3), 3u);
  ASSERT_TRUE(l->close());
  send_frames(3, nk0);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(counter(kTc), 3u);
}

}  // namespace
}  // namespace ebpf
