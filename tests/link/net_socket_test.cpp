// Socket and stack attachments in the test's own network namespace: sk_lookup steering connections to a
// socket in a sockmap, sk_msg/sk_skb programs on a sockmap/sockhash, a netfilter hook, the flow dissector,
// and lirc devices where the machine has one.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <linux/if_packet.h>
#include <sched.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "ebpf/link/lirc.hpp"
#include "ebpf/link/netfilter.hpp"
#include "ebpf/link/netns.hpp"
#include "ebpf/link/sockmap.hpp"
#include "net_objects.hpp"

namespace ebpf {
namespace {

using test::kFlowDissector;
using test::kNetfilter;
using test::kSkLookup;
using test::kSkMsg;
using test::kSkSkb;

constexpr std::uint16_t kSteerPort = 7007;  // STEER_PORT in link_net.bpf.c

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

// A listening TCP socket on 127.0.0.1 (ephemeral port).
sys::Fd listener() {
  sys::Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_TRUE(s.valid());
  sockaddr_in a = loopback(0);
  EXPECT_EQ(::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << strerror(errno);
  EXPECT_EQ(::listen(s.get(), 8), 0);
  return s;
}

std::uint16_t port_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// connect() to 127.0.0.1:port; returns the fd or -errno.
int connect_to(std::uint16_t port, sys::Fd& out) {
  out.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a = loopback(port);
  if (::connect(out.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -errno;
  return out.get();
}

class NetSocket : public test::NetLinkTest {};

TEST_F(NetSocket, SkLookupSteersConnectionsAndCloseStops) {
  sys::Fd target = listener();
  ASSERT_TRUE((map("steer_to").update<std::uint32_t, std::uint64_t>(0, static_cast<std::uint64_t>(target.get()))));
  sys::Fd conn;
  ASSERT_EQ(connect_to(kSteerPort, conn), -ECONNREFUSED) << "nothing listens on the steered port yet";

  auto l = link::attach_sk_lookup(prog("steer"));
  ASSERT_TRUE(l) << l.error().message();
  auto info = l->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->type, LinkType::netns);
  EXPECT_EQ(info->attach_type, AttachType::sk_lookup);
  EXPECT_NE(info->netns_ino, 0u);

  ASSERT_GE(connect_to(kSteerPort, conn), 0) << "sk_lookup did not steer the connection";
  sys::Fd accepted(::accept4(target.get(), nullptr, nullptr, SOCK_CLOEXEC));
  EXPECT_TRUE(accepted.valid()) << "the connection did not reach the socket in the sockmap";
  EXPECT_EQ(counter(kSkLookup), 1u);

  ASSERT_TRUE(l->close());
  EXPECT_EQ(connect_to(kSteerPort, conn), -ECONNREFUSED) << "still steered after close";
  EXPECT_EQ(counter(kSkLookup), 1u);
  ASSERT_TRUE(map("steer_to").erase<std::uint32_t>(0));
}

TEST_F(NetSocket, SkLookupOnANamespaceByPath) {
  auto l = link::attach_sk_lookup(prog("steer"), {.path = "/proc/thread-self/ns/net"});
  ASSERT_TRUE(l) << l.error().message();
  auto missing = link::attach_sk_lookup(prog("steer"), {.path = "/nonexistent"});
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is(errc::not_found)) << missing.error().message();
}

// A connected TCP pair on loopback.
struct TcpPair {
  sys::Fd client;
  sys::Fd server;
};
TcpPair tcp_pair() {
  TcpPair p;
  sys::Fd l = listener();
  EXPECT_GE(connect_to(port_of(l.get()), p.client), 0);
  p.server.reset(::accept4(l.get(), nullptr, nullptr, SOCK_CLOEXEC));
  EXPECT_TRUE(p.server.valid());
  return p;
}

TEST_F(NetSocket, SkMsgOnSockmapCountsSendsAndDetachStopsNewSockets) {
  for (auto method : {link::AttachMethod::automatic, link::AttachMethod::legacy}) {
    ASSERT_TRUE((map("counts").update<std::uint32_t, std::uint64_t>(kSkMsg, 0)));
    auto l = link::attach_sockmap(prog("msg_count"), map("msg_socks"), {.method = method});
    ASSERT_TRUE(l) << l.error().message();
    {
      TcpPair p = tcp_pair();
      ASSERT_TRUE((map("msg_socks").update<std::uint32_t, std::uint64_t>(0, static_cast<std::uint64_t>(p.client.get()))));
      for (int i = 0; i < 3; ++i) ASSERT_EQ(::send(p.client.get(), "abc", 3, 0), 3);
      char buf[16];
      std::size_t got = 0;
      while (got < 9) {
        ssize_t n = ::recv(p.server.get(), buf, sizeof buf, 0);
        ASSERT_GT(n, 0);
        got += static_cast<std::size_t>(n);
      }
      EXPECT_EQ(counter(kSkMsg), 3u);
      ASSERT_TRUE(map("msg_socks").erase<std::uint32_t>(0));
    }
    ASSERT_TRUE(l->close());
    // A socket added after the detach does not get the program.
    TcpPair p = tcp_pair();
    ASSERT_TRUE((map("msg_socks").update<std::uint32_t, std::uint64_t>(0, static_cast<std::uint64_t>(p.client.get()))));
    ASSERT_EQ(::send(p.client.get(), "abc", 3, 0), 3);
    EXPECT_EQ(counter(kSkMsg), 3u) << "sk_msg ran after the detach";
    ASSERT_TRUE(map("msg_socks").erase<std::uint32_t>(0));
  }
}

TEST_F(NetSocket, SkSkbVerdictOnSockhashCountsReceives) {
  auto l = link::attach_sockmap(prog("skb_verdict"), map("skb_socks"));
  ASSERT_TRUE(l) << l.error().message();
  TcpPair p = tcp_pair();
  ASSERT_TRUE((map("skb_socks").update<std::uint32_t, std::uint64_t>(1, static_cast<std::uint64_t>(p.server.get()))));
  ASSERT_EQ(::send(p.client.get(), "hello", 5, 0), 5);
  char buf[16];
  ASSERT_EQ(::recv(p.server.get(), buf, sizeof buf, 0), 5);
  EXPECT_GE(counter(kSkSkb), 1u);
  ASSERT_TRUE(map("skb_socks").erase<std::uint32_t>(1));
  ASSERT_TRUE(l->close());
}

TEST_F(NetSocket, SockmapAttachRejectsOtherMaps) {
  auto l = link::attach_sockmap(prog("msg_count"), map("counts"));
  ASSERT_FALSE(l);
  EXPECT_TRUE(l.error().is(errc::invalid_argument)) << l.error().message();
}

TEST_F(NetSocket, NetfilterLocalOutCountsAndCloseDetaches) {
  auto l = link::attach_netfilter(prog("nf_count"), {.family = link::netfilter::ipv4, .hook = link::netfilter::local_out, .priority = 10});
  if (!l && l.error().is(errc::not_supported)) EBPF_SKIP_KERNEL_LACKS(l.error().message());
  ASSERT_TRUE(l) << l.error().message();
  auto info = l->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->type, LinkType::netfilter);
  EXPECT_EQ(info->netfilter_pf, link::netfilter::ipv4);
  EXPECT_EQ(info->netfilter_hooknum, link::netfilter::local_out);
  EXPECT_EQ(info->netfilter_priority, 10);

  // A bound receiver: no ICMP port-unreachable (which LOCAL_OUT would count too).
  sys::Fd rx(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in a = loopback(0);
  ASSERT_EQ(::bind(rx.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  a = loopback(port_of(rx.get()));
  sys::Fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  for (int i = 0; i < 4; ++i) ASSERT_EQ(::sendto(s.get(), "n", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a), 1);
  EXPECT_EQ(counter(kNetfilter), 4u);
  ASSERT_TRUE(l->close());
  ASSERT_EQ(::sendto(s.get(), "n", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a), 1);
  EXPECT_EQ(counter(kNetfilter), 4u) << "the hook ran after close";
}

TEST_F(NetSocket, NetfilterRejectsReservedPriority) {
  auto l = link::attach_netfilter(prog("nf_count"), {.hook = link::netfilter::local_out, .priority = INT32_MIN});
  if (!l && l.error().is(errc::not_supported)) EBPF_SKIP_KERNEL_LACKS(l.error().message());
  EXPECT_FALSE(l);
}

// The flow dissector runs where the kernel hashes a packet's flow: a PACKET_FANOUT_HASH socket on veth1
// hashes every frame it receives.
TEST_F(NetSocket, FlowDissectorRunsForHashedFramesAndCloseDetaches) {
  sys::Fd rx(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(0x88b5)));
  ASSERT_TRUE(rx.valid());
  sockaddr_ll ll{};
  ll.sll_family = AF_PACKET;
  ll.sll_protocol = htons(0x88b5);
  ll.sll_ifindex = veth1;
  ASSERT_EQ(::bind(rx.get(), reinterpret_cast<sockaddr*>(&ll), sizeof ll), 0) << strerror(errno);
  const int fanout = 4242 | (PACKET_FANOUT_HASH << 16);
  ASSERT_EQ(::setsockopt(rx.get(), SOL_PACKET, PACKET_FANOUT, &fanout, sizeof fanout), 0) << strerror(errno);

  for (auto method : {link::AttachMethod::link, link::AttachMethod::legacy}) {
    SCOPED_TRACE(method == link::AttachMethod::link ? "link" : "legacy");
    auto l = link::attach_flow_dissector(prog("dissect"), {.method = method});
    ASSERT_TRUE(l) << l.error().message();
    auto info = l->info();
    ASSERT_TRUE(info) << info.error().message();
    EXPECT_EQ(info->attach_type, AttachType::flow_dissector);
    EXPECT_EQ(info->program_id, program_id("dissect"));
    if (method == link::AttachMethod::legacy) {
      EXPECT_EQ(l->attachment()->kind(), "prog_attach netns");
      // A link cannot join a program attached the old way.
      EXPECT_FALSE(link::attach_flow_dissector(prog("dissect"), {.method = link::AttachMethod::link}));
    }

    const std::uint64_t before = counter(kFlowDissector);
    send_frames(3);
    EXPECT_GE(wait_counter(kFlowDissector, before + 3), before + 3);
    ASSERT_TRUE(l->close());
    const std::uint64_t after = counter(kFlowDissector);
    send_frames(3);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(counter(kFlowDissector), after) << "the dissector ran after close";
  }
}

TEST_F(NetSocket, LegacyFlowDissectorOnAnotherNamespaceFromThisThread) {
  const auto inode = [](int fd) {
    struct stat st {};
    ::fstat(fd, &st);
    return st.st_ino;
  };
  sys::Fd test_ns(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(test_ns.valid());
  sys::Fd rx(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(0x88b5)));
  sockaddr_ll ll{};
  ll.sll_family = AF_PACKET;
  ll.sll_protocol = htons(0x88b5);
  ll.sll_ifindex = veth1;
  ASSERT_EQ(::bind(rx.get(), reinterpret_cast<sockaddr*>(&ll), sizeof ll), 0);
  const int fanout = 4243 | (PACKET_FANOUT_HASH << 16);
  ASSERT_EQ(::setsockopt(rx.get(), SOL_PACKET, PACKET_FANOUT, &fanout, sizeof fanout), 0);

  // Move this thread to a second namespace, then attach to the test's one by fd.
  ASSERT_EQ(::unshare(CLONE_NEWNET), 0);
  sys::Fd other_ns(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  auto l = link::attach_flow_dissector(prog("dissect"), {.fd = test_ns.get(), .method = link::AttachMethod::legacy});
  ASSERT_TRUE(l) << l.error().message();
  sys::Fd here(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  EXPECT_EQ(inode(here.get()), inode(other_ns.get())) << "the thread did not return to its namespace";
  EXPECT_NE(inode(here.get()), inode(test_ns.get()));

  // The dissector runs in the test's namespace.
  ASSERT_EQ(::setns(test_ns.get(), CLONE_NEWNET), 0);
  send_frames(2);
  EXPECT_GE(wait_counter(kFlowDissector, 2), 2u);
  // Detach from the other namespace: the Link enters the right one.
  ASSERT_EQ(::setns(other_ns.get(), CLONE_NEWNET), 0);
  ASSERT_TRUE(l->close());
  ASSERT_EQ(::setns(test_ns.get(), CLONE_NEWNET), 0);
  const std::uint64_t after = counter(kFlowDissector);
  send_frames(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(counter(kFlowDissector), after) << "the dissector ran after close";

  auto sk_lookup = link::attach_sk_lookup(prog("steer"), {.method = link::AttachMethod::legacy});
  ASSERT_FALSE(sk_lookup);
  EXPECT_TRUE(sk_lookup.error().is(errc::invalid_argument)) << sk_lookup.error().message();
}

TEST_F(NetSocket, FlowDissectorIsOnePerNamespace) {
  auto l = link::attach_flow_dissector(prog("dissect"));
  ASSERT_TRUE(l) << l.error().message();
  auto again = link::attach_flow_dissector(prog("dissect"));
  EXPECT_FALSE(again);
}

TEST_F(NetSocket, LircWherePresent) {
  std::string device;
  if (DIR* d = ::opendir("/dev")) {
    while (dirent* e = ::readdir(d)) {
      if (std::strncmp(e->d_name, "lirc", 4) == 0) {
        device = std::string("/dev/") + e->d_name;
        break;
      }
    }
    ::closedir(d);
  }
  if (device.empty()) EBPF_SKIP_KERNEL_LACKS("a /dev/lirc* device (no IR receiver on this machine)");
  auto spec = load_collection_spec(test::bpf_object("link_lirc"));
  ASSERT_TRUE(spec) << spec.error().message();
  auto coll = Collection::load(*spec);
  if (!coll && coll.error().is(std::errc::invalid_argument)) EBPF_SKIP_KERNEL_LACKS("lirc_mode2 programs");
  ASSERT_TRUE(coll) << coll.error().message();
  auto l = link::attach_lirc(**coll->program("lirc_count"), {.device = device});
  ASSERT_TRUE(l) << l.error().message();
  EXPECT_EQ(l->attachment()->kind(), "prog_attach");
  auto info = l->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_NE(info->program_id, 0u);
  ASSERT_TRUE(l->close());
}

TEST_F(NetSocket, LircMissingDeviceIsNotFound) {
  auto l = link::attach_lirc(prog("msg_count"), {.device = "/dev/lirc-does-not-exist"});
  ASSERT_FALSE(l);
  EXPECT_TRUE(l.error().is(errc::not_found)) << l.error().message();
}

}  // namespace
}  // namespace ebpf
