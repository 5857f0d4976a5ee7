// XDP links on a veth pair in the test's own network namespace: frames sent into veth0 reach veth1's XDP
// program; closing the Link must remove it (the interface reports no program and the counter stops).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "ebpf/link/netlink_attachment.hpp"
#include "ebpf/link/xdp.hpp"
#include "ebpf/sys/netlink.hpp"
#include "net_objects.hpp"

namespace ebpf {
namespace {

using test::kXdp;
using test::kXdpOther;

class NetXdp : public test::NetLinkTest {
 protected:
  sys::XdpAttachment query() {
    auto sock = sys::NetlinkSocket::open();
    EXPECT_TRUE(sock) << sock.error().message();
    if (!sock) return {};
    auto q = sys::netlink_query_xdp(*sock, veth1);
    EXPECT_TRUE(q) << q.error().message();
    return q ? *q : sys::XdpAttachment{};
  }

  // Attaches xdp_count, checks it counts exactly the frames sent, closes, checks it stopped.
  void attach_count_close(link::XdpMode mode, link::AttachMethod method) {
    auto l = link::attach_xdp(prog("xdp_count"), {.ifindex = veth1, .mode = mode, .method = method});
    ASSERT_TRUE(l) << l.error().message();
    const std::uint32_t id = program_id("xdp_count");
    auto q = query();
    if (mode == link::XdpMode::generic) {
      EXPECT_EQ(q.skb_prog_id, id);
    }
    if (mode == link::XdpMode::driver) {
      EXPECT_EQ(q.drv_prog_id, id);
    }
    EXPECT_EQ(q.prog_id, id);
    auto info = l->info();
    ASSERT_TRUE(info) << info.error().message();
    EXPECT_EQ(info->program_id, id);
    EXPECT_EQ(info->ifindex, static_cast<std::uint32_t>(veth1));

    const std::uint64_t before = counter(kXdp);
    send_frames(5);
    EXPECT_EQ(wait_counter(kXdp, before + 5), before + 5);

    ASSERT_TRUE(l->close()) << "close";
    EXPECT_EQ(query().prog_id, 0u) << "closing the link left the program on the interface";
    send_frames(5);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(counter(kXdp), before + 5) << "the program still ran after close";
  }
};

TEST_F(NetXdp, LinkGenericModeCountsAndCloseDetaches) {
  attach_count_close(link::XdpMode::generic, link::AttachMethod::link);
}

TEST_F(NetXdp, LinkDriverModeCountsAndCloseDetaches) {
  attach_count_close(link::XdpMode::driver, link::AttachMethod::link);
}

TEST_F(NetXdp, LinkAutomaticModeIsABpfLink) {
  auto l = link::attach_xdp(prog("xdp_count"), {.interface = "veth1"});
  ASSERT_TRUE(l) << l.error().message();
  EXPECT_GE(l->fd(), 0);
  EXPECT_EQ(l->attachment()->kind(), "bpf_link");
  auto info = l->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->type, LinkType::xdp);
  EXPECT_NE(info->id, 0u);
}

TEST_F(NetXdp, NetlinkGenericModeCountsAndCloseDetaches) {
  attach_count_close(link::XdpMode::generic, link::AttachMethod::legacy);
}

TEST_F(NetXdp, NetlinkDriverModeCountsAndCloseDetaches) {
  attach_count_close(link::XdpMode::driver, link::AttachMethod::legacy);
}

TEST_F(NetXdp, NetlinkAttachmentIsNotABpfLink) {
  auto l = link::attach_xdp(prog("xdp_count"), {.ifindex = veth1, .method = link::AttachMethod::legacy});
  ASSERT_TRUE(l) << l.error().message();
  EXPECT_EQ(l->fd(), -1);
  EXPECT_EQ(l->attachment()->kind(), "netlink xdp");
  auto pinned = l->pin("/sys/fs/bpf/ebpfpp-never");
  ASSERT_FALSE(pinned);
  EXPECT_TRUE(pinned.error().is(errc::not_supported)) << pinned.error().message();
}

TEST_F(NetXdp, SecondProgramIsRefusedWhileOneIsAttached) {
  auto first = link::attach_xdp(prog("xdp_count"), {.ifindex = veth1, .mode = link::XdpMode::generic});
  ASSERT_TRUE(first) << first.error().message();
  auto second = link::attach_xdp(prog("xdp_count_other"), {.ifindex = veth1, .mode = link::XdpMode::generic});
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message().find("program xdp_count_other: attach xdp"), std::string::npos)
      << second.error().message();
  auto legacy = link::attach_xdp(prog("xdp_count_other"),
                                 {.ifindex = veth1, .mode = link::XdpMode::generic, .method = link::AttachMethod::legacy});
  ASSERT_FALSE(legacy) << "netlink attach replaced a program owned by a link";
  EXPECT_EQ(query().prog_id, program_id("xdp_count"));
}

TEST_F(NetXdp, NetlinkErrorCarriesTheKernelsExplanation) {
  auto generic = link::attach_xdp(prog("xdp_count"),
                                  {.ifindex = veth1, .mode = link::XdpMode::generic, .method = link::AttachMethod::legacy});
  ASSERT_TRUE(generic) << generic.error().message();
  auto driver = link::attach_xdp(prog("xdp_count_other"),
                                 {.ifindex = veth1, .mode = link::XdpMode::driver, .method = link::AttachMethod::legacy});
  ASSERT_FALSE(driver);
  // The extended ack: "native and generic XDP can't be active at the same time".
  EXPECT_NE(driver.error().message().find("at the same time"), std::string::npos) << driver.error().message();
  EXPECT_NE(driver.error().message().find("RTM_SETLINK"), std::string::npos) << driver.error().message();
}

TEST_F(NetXdp, OffloadOnVethFailsAndLeavesNothing) {
  for (auto method : {link::AttachMethod::link, link::AttachMethod::legacy}) {
    auto l = link::attach_xdp(prog("xdp_count"), {.ifindex = veth1, .mode = link::XdpMode::offload, .method = method});
    EXPECT_FALSE(l) << "veth cannot offload XDP";
    EXPECT_EQ(query().prog_id, 0u);
  }
}

TEST_F(NetXdp, LinkUpdateSwapsTheProgram) {
  auto l = link::attach_xdp(prog("xdp_count"), {.ifindex = veth1, .mode = link::XdpMode::generic});
  ASSERT_TRUE(l) << l.error().message();
  ASSERT_TRUE(l->update(prog("xdp_count_other"), &prog("xdp_count")));
  send_frames(3);
  EXPECT_EQ(wait_counter(kXdpOther, 3), 3u);
  EXPECT_EQ(counter(kXdp), 0u);
  EXPECT_EQ(query().prog_id, program_id("xdp_count_other"));
}

TEST_F(NetXdp, NetlinkUpdateSwapsTheProgram) {
  auto l = link::attach_xdp(prog("xdp_count"),
                            {.ifindex = veth1, .mode = link::XdpMode::generic, .method = link::AttachMethod::legacy});
  ASSERT_TRUE(l) << l.error().message();
  auto r = l->update(prog("xdp_count_other"), &prog("xdp_count"));
  ASSERT_TRUE(r) << r.error().message();
  send_frames(3);
  EXPECT_EQ(wait_counter(kXdpOther, 3), 3u);
  EXPECT_EQ(query().prog_id, program_id("xdp_count_other"));
  ASSERT_TRUE(l->close());
  EXPECT_EQ(query().prog_id, 0u);
}

TEST_F(NetXdp, NetlinkReplaceTakesOverAndLeavesTheOtherProgramAlone) {
  auto first = link::attach_xdp(prog("xdp_count"),
                                {.ifindex = veth1, .mode = link::XdpMode::generic, .method = link::AttachMethod::legacy});
  ASSERT_TRUE(first) << first.error().message();
  auto second = link::attach_xdp(prog("xdp_count_other"), {.ifindex = veth1,
                                                           .mode = link::XdpMode::generic,
                                                           .method = link::AttachMethod::legacy,
                                                           .replace = true});
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(query().prog_id, program_id("xdp_count_other"));
  // The first Link's program was replaced: closing it must not remove the second one.
  ASSERT_TRUE(first->close());
  EXPECT_EQ(query().prog_id, program_id("xdp_count_other"));
  ASSERT_TRUE(second->close());
  EXPECT_EQ(query().prog_id, 0u);
}

TEST_F(NetXdp, LinkOutlivesTheProgramObject) {
  auto spec = load_collection_spec(test::bpf_object("link_net"));
  ASSERT_TRUE(spec);
  std::optional<Link> l;
  {
    auto coll = Collection::load(*spec);
    ASSERT_TRUE(coll) << coll.error().message();
    auto made = link::attach_xdp(**coll->program("xdp_count"),
                                 {.ifindex = veth1, .mode = link::XdpMode::generic, .method = link::AttachMethod::legacy});
    ASSERT_TRUE(made) << made.error().message();
    l.emplace(std::move(*made));
  }
  EXPECT_NE(query().prog_id, 0u);
  l.reset();  // the destructor detaches
  EXPECT_EQ(query().prog_id, 0u);
}

TEST_F(NetXdp, UnknownInterfaceIsNotFound) {
  auto l = link::attach_xdp(prog("xdp_count"), {.interface = "nope0"});
  ASSERT_FALSE(l);
  EXPECT_TRUE(l.error().is(errc::not_found)) << l.error().message();
}

}  // namespace
}  // namespace ebpf
