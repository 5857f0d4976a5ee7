// Cgroup links: every cgroup attach type, as bpf_links and as legacy BPF_PROG_ATTACH (ALLOW_MULTI), on a
// cgroup the test makes in a cgroup2 hierarchy it mounts. A forked process moved into the cgroup does one of
// everything the programs watch (in the test's own network namespace); the counters show each program ran,
// and after the links are closed, that none runs any more.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "ebpf/collection.hpp"
#include "ebpf/link/cgroup.hpp"
#include "net_fixture.hpp"

namespace ebpf {
namespace {

// Counter indexes of tests/bpf/link_cgroup.bpf.c.
enum : std::uint32_t {
  G_SKB_INGRESS, G_SKB_EGRESS, G_SOCK_CREATE, G_SOCK_RELEASE, G_POST_BIND4, G_BIND4, G_CONNECT4, G_SENDMSG4,
  G_RECVMSG4, G_GETPEERNAME4, G_GETSOCKNAME4, G_SYSCTL, G_GETSOCKOPT, G_SETSOCKOPT, G_DEVICE, G_SOCK_OPS,
  G_BIND6, G_CONNECT6, G_CONNECT_UNIX, G_SKB_EGRESS_OTHER, G_POST_BIND6, G_SENDMSG6, G_RECVMSG6, G_GETPEERNAME6,
  G_GETSOCKNAME6, G_SENDMSG_UNIX, G_RECVMSG_UNIX, G_GETPEERNAME_UNIX, G_GETSOCKNAME_UNIX, G_MAX
};

struct Hook {
  const char* program;
  AttachType type;
  std::uint32_t counter;
};

constexpr Hook kHooks[] = {
    {"skb_ingress", AttachType::cgroup_inet_ingress, G_SKB_INGRESS},
    {"skb_egress", AttachType::cgroup_inet_egress, G_SKB_EGRESS},
    {"sock_create", AttachType::cgroup_inet_sock_create, G_SOCK_CREATE},
    {"sock_release", AttachType::cgroup_inet_sock_release, G_SOCK_RELEASE},
    {"post_bind4", AttachType::cgroup_inet4_post_bind, G_POST_BIND4},
    {"bind4", AttachType::cgroup_inet4_bind, G_BIND4},
    {"connect4", AttachType::cgroup_inet4_connect, G_CONNECT4},
    {"sendmsg4", AttachType::cgroup_udp4_sendmsg, G_SENDMSG4},
    {"recvmsg4", AttachType::cgroup_udp4_recvmsg, G_RECVMSG4},
    {"getpeername4", AttachType::cgroup_inet4_getpeername, G_GETPEERNAME4},
    {"getsockname4", AttachType::cgroup_inet4_getsockname, G_GETSOCKNAME4},
    {"sysctl", AttachType::cgroup_sysctl, G_SYSCTL},
    {"getsockopt", AttachType::cgroup_getsockopt, G_GETSOCKOPT},
    {"setsockopt", AttachType::cgroup_setsockopt, G_SETSOCKOPT},
    {"device", AttachType::cgroup_device, G_DEVICE},
    {"sock_ops", AttachType::cgroup_sock_ops, G_SOCK_OPS},
    {"bind6", AttachType::cgroup_inet6_bind, G_BIND6},
    {"connect6", AttachType::cgroup_inet6_connect, G_CONNECT6},
    {"connect_unix", AttachType::cgroup_unix_connect, G_CONNECT_UNIX},
    {"post_bind6", AttachType::cgroup_inet6_post_bind, G_POST_BIND6},
    {"sendmsg6", AttachType::cgroup_udp6_sendmsg, G_SENDMSG6},
    {"recvmsg6", AttachType::cgroup_udp6_recvmsg, G_RECVMSG6},
    {"getpeername6", AttachType::cgroup_inet6_getpeername, G_GETPEERNAME6},
    {"getsockname6", AttachType::cgroup_inet6_getsockname, G_GETSOCKNAME6},
    {"sendmsg_unix", AttachType::cgroup_unix_sendmsg, G_SENDMSG_UNIX},
    {"recvmsg_unix", AttachType::cgroup_unix_recvmsg, G_RECVMSG_UNIX},
    {"getpeername_unix", AttachType::cgroup_unix_getpeername, G_GETPEERNAME_UNIX},
    {"getsockname_unix", AttachType::cgroup_unix_getsockname, G_GETSOCKNAME_UNIX},
};

constexpr int kDatagrams = 5;

// Runs in the forked child inside the cgroup: one of everything. Returns a bit per step that failed. Uses
// only system calls (the child of a possibly multi-threaded process).
int workload() {
  int failed = 0;
  int fd = ::open("/dev/null", O_RDONLY);  // device
  if (fd < 0) failed |= 1 << 0; else ::close(fd);
  fd = ::open("/proc/sys/kernel/ostype", O_RDONLY);  // sysctl
  char buf[64];
  if (fd < 0 || ::read(fd, buf, sizeof buf) <= 0) failed |= 1 << 1;
  if (fd >= 0) ::close(fd);

  // UDP over loopback: create, bind, getsockname, socket options, sendto (unconnected), connect,
  // getpeername, send, recvfrom.
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rx = ::socket(AF_INET, SOCK_DGRAM, 0);
  socklen_t len = sizeof addr;
  if (rx < 0 || ::bind(rx, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(rx, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    failed |= 1 << 2;
  int one = 1;
  if (::setsockopt(rx, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) failed |= 1 << 3;
  int rcvbuf = 0;
  len = sizeof rcvbuf;
  if (::getsockopt(rx, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len) != 0) failed |= 1 << 4;
  int tx = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (tx < 0 || ::sendto(tx, "x", 1, 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 1) failed |= 1 << 5;
  if (::connect(tx, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) failed |= 1 << 6;
  sockaddr_in peer{};
  len = sizeof peer;
  if (::getpeername(tx, reinterpret_cast<sockaddr*>(&peer), &len) != 0) failed |= 1 << 7;
  for (int i = 0; i < kDatagrams; ++i) {
    if (::send(tx, "y", 1, 0) != 1) failed |= 1 << 8;
  }
  for (int i = 0; i < kDatagrams + 1; ++i) {
    sockaddr_in from{};
    len = sizeof from;
    if (::recvfrom(rx, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len) != 1) failed |= 1 << 9;
  }
  ::close(tx);
  ::close(rx);

  // TCP (sock_ops): listen, connect, accept.
  int lst = ::socket(AF_INET, SOCK_STREAM, 0);
  addr.sin_port = 0;
  len = sizeof addr;
  if (lst < 0 || ::bind(lst, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lst, 1) != 0 ||
      ::getsockname(lst, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    failed |= 1 << 10;
  int cli = ::socket(AF_INET, SOCK_STREAM, 0);
  if (cli < 0 || ::connect(cli, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) failed |= 1 << 11;
  int acc = ::accept(lst, nullptr, nullptr);
  if (acc < 0) failed |= 1 << 12; else ::close(acc);
  ::close(cli);
  ::close(lst);

  // IPv6 over loopback: bind (bind6, post_bind6), getsockname, sendto, connect, getpeername, recvfrom.
  sockaddr_in6 a6{};
  a6.sin6_family = AF_INET6;
  a6.sin6_addr = in6addr_loopback;
  int rx6 = ::socket(AF_INET6, SOCK_DGRAM, 0);
  len = sizeof a6;
  if (rx6 < 0 || ::bind(rx6, reinterpret_cast<sockaddr*>(&a6), sizeof a6) != 0 ||
      ::getsockname(rx6, reinterpret_cast<sockaddr*>(&a6), &len) != 0)
    failed |= 1 << 13;
  int tx6 = ::socket(AF_INET6, SOCK_DGRAM, 0);
  if (tx6 < 0 || ::sendto(tx6, "6", 1, 0, reinterpret_cast<sockaddr*>(&a6), sizeof a6) != 1 ||
      ::connect(tx6, reinterpret_cast<sockaddr*>(&a6), sizeof a6) != 0)
    failed |= 1 << 14;
  sockaddr_in6 p6{};
  len = sizeof p6;
  if (::getpeername(tx6, reinterpret_cast<sockaddr*>(&p6), &len) != 0) failed |= 1 << 15;
  len = sizeof p6;
  if (::recvfrom(rx6, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&p6), &len) != 1) failed |= 1 << 16;
  if (tx6 >= 0) ::close(tx6);
  if (rx6 >= 0) ::close(rx6);

  // Unix datagrams on an abstract address: sendto, connect, getpeername, getsockname, recvfrom.
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  const char name[] = "ebpfpp-cgroup-link-test";
  std::memcpy(un.sun_path + 1, name, sizeof name - 1);
  const auto un_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + sizeof name - 1);
  int us = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  int uc = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  if (us < 0 || uc < 0 || ::bind(us, reinterpret_cast<sockaddr*>(&un), un_len) != 0 ||
      ::sendto(uc, "u", 1, 0, reinterpret_cast<sockaddr*>(&un), un_len) != 1 ||
      ::connect(uc, reinterpret_cast<sockaddr*>(&un), un_len) != 0)
    failed |= 1 << 17;
  sockaddr_un got{};
  len = sizeof got;
  if (::getpeername(uc, reinterpret_cast<sockaddr*>(&got), &len) != 0) failed |= 1 << 18;
  len = sizeof got;
  if (::getsockname(us, reinterpret_cast<sockaddr*>(&got), &len) != 0) failed |= 1 << 19;
  len = sizeof got;
  if (::recvfrom(us, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&got), &len) != 1) failed |= 1 << 20;
  if (uc >= 0) ::close(uc);
  if (us >= 0) ::close(us);
  return failed;
}

class CgroupLink : public test::NetnsTest {
 protected:
  void SetUp() override {
    test::NetnsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(cgroup_.create()) << cgroup_.error();
    auto spec = load_collection_spec(test::bpf_object("link_cgroup"));
    ASSERT_TRUE(spec) << spec.error().message();
    auto coll = Collection::load(*spec);
    ASSERT_TRUE(coll) << coll.error().message();
    coll_.emplace(std::move(*coll));
  }
  void TearDown() override {
    coll_.reset();
    cgroup_.destroy();
    test::NetnsTest::TearDown();
  }

  Program& prog(std::string_view name) { return **coll_->program(name); }

  std::uint64_t counter(std::uint32_t which) {
    auto v = (*coll_->map("cg_counts"))->lookup<std::uint32_t, std::uint64_t>(which);
    EXPECT_TRUE(v) << v.error().message();
    return v ? *v : 0;
  }
  void reset_counters() {
    for (std::uint32_t i = 0; i < G_MAX; ++i) {
      ASSERT_TRUE(((*coll_->map("cg_counts"))->update<std::uint32_t, std::uint64_t>(i, 0)));
    }
  }
  void run_workload() { ASSERT_EQ(cgroup_.run_in(workload), 0) << "workload step failed (bit mask)"; }

  // Attaches every hook, checks each program ran, closes, checks none runs.
  void attach_all_and_check(link::AttachMethod method) {
    std::vector<Link> links;
    for (const Hook& h : kHooks) {
      auto l = link::attach_cgroup(prog(h.program), {.fd = cgroup_.fd(), .attach_type = h.type, .method = method});
      ASSERT_TRUE(l) << l.error().message();
      if (method == link::AttachMethod::link) {
        auto info = l->info();
        ASSERT_TRUE(info) << info.error().message();
        EXPECT_EQ(info->type, LinkType::cgroup) << h.program;
        EXPECT_EQ(info->attach_type, h.type) << h.program;
        EXPECT_NE(info->cgroup_id, 0u) << h.program;
      } else {
        EXPECT_EQ(l->attachment()->kind(), "prog_attach");
      }
      links.push_back(std::move(*l));
    }
    run_workload();
    for (const Hook& h : kHooks) EXPECT_GT(counter(h.counter), 0u) << h.program << " did not run";
    EXPECT_GE(counter(G_SKB_EGRESS), static_cast<std::uint64_t>(kDatagrams + 1));
    EXPECT_GE(counter(G_SKB_INGRESS), static_cast<std::uint64_t>(kDatagrams + 1));

    for (Link& l : links) ASSERT_TRUE(l.close());
    for (const Hook& h : kHooks) {
      auto ids = link::query_cgroup(cgroup_.path().string(), h.type);
      ASSERT_TRUE(ids) << ids.error().message();
      EXPECT_TRUE(ids->empty()) << h.program << " still attached after close";
    }
    reset_counters();
    run_workload();
    for (const Hook& h : kHooks) EXPECT_EQ(counter(h.counter), 0u) << h.program << " ran after close";
  }

  test::TestCgroup cgroup_;
  std::optional<Collection> coll_;
};

TEST_F(CgroupLink, EveryAttachTypeAsLinkRunsAndCloseDetaches) { attach_all_and_check(link::AttachMethod::link); }

TEST_F(CgroupLink, EveryAttachTypeAsLegacyMultiRunsAndCloseDetaches) {
  attach_all_and_check(link::AttachMethod::legacy);
}

TEST_F(CgroupLink, SkbEgressCountsPacketsOfAProcessMovedIntoTheCgroup) {
  auto l = link::attach_cgroup(prog("skb_egress"),
                               {.path = cgroup_.path().string(), .attach_type = AttachType::cgroup_inet_egress});
  ASSERT_TRUE(l) << l.error().message();
  // The test process itself is not in the cgroup: its packets are not counted.
  {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(s, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(9);
    EXPECT_EQ(::sendto(s, "z", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a), 1);
    ::close(s);
  }
  EXPECT_EQ(counter(G_SKB_EGRESS), 0u);
  run_workload();
  EXPECT_GE(counter(G_SKB_EGRESS), static_cast<std::uint64_t>(kDatagrams + 1));
}

TEST_F(CgroupLink, LegacyAllowMultiRunsBothProgramsAndDetachesEachAlone) {
  const auto type = AttachType::cgroup_inet_egress;
  auto a = link::attach_cgroup(prog("skb_egress"), {.fd = cgroup_.fd(), .attach_type = type, .method = link::AttachMethod::legacy});
  ASSERT_TRUE(a) << a.error().message();
  auto b = link::attach_cgroup(prog("skb_egress_other"),
                               {.fd = cgroup_.fd(), .attach_type = type, .method = link::AttachMethod::legacy});
  ASSERT_TRUE(b) << b.error().message();
  // A bpf_link joins programs attached with ALLOW_MULTI.
  auto c = link::attach_cgroup(prog("skb_ingress"), {.fd = cgroup_.fd(), .attach_type = AttachType::cgroup_inet_ingress});
  ASSERT_TRUE(c) << c.error().message();
  auto ids = link::query_cgroup(cgroup_.path().string(), type);
  ASSERT_TRUE(ids) << ids.error().message();
  ASSERT_EQ(ids->size(), 2u);
  run_workload();
  EXPECT_GT(counter(G_SKB_EGRESS), 0u);
  EXPECT_GT(counter(G_SKB_EGRESS_OTHER), 0u);

  ASSERT_TRUE(a->close());
  ids = link::query_cgroup(cgroup_.path().string(), type);
  ASSERT_TRUE(ids) << ids.error().message();
  ASSERT_EQ(ids->size(), 1u);
  auto other = prog("skb_egress_other").info();
  ASSERT_TRUE(other);
  EXPECT_EQ((*ids)[0], other->id);
  reset_counters();
  run_workload();
  EXPECT_EQ(counter(G_SKB_EGRESS), 0u);
  EXPECT_GT(counter(G_SKB_EGRESS_OTHER), 0u);
}

TEST_F(CgroupLink, AnchorsOrderLinkedPrograms) {
  const auto type = AttachType::cgroup_inet_egress;
  auto first = link::attach_cgroup(prog("skb_egress"), {.fd = cgroup_.fd(), .attach_type = type});
  ASSERT_TRUE(first) << first.error().message();
  auto second = link::attach_cgroup(prog("skb_egress_other"),
                                    {.fd = cgroup_.fd(), .attach_type = type, .anchor = link::Anchor::before(*first)});
  if (!second && second.error().is(std::errc::invalid_argument)) {
    // Kernels before 6.16 refuse ordering flags on cgroup links; an unordered attach still works there.
    auto plain = link::attach_cgroup(prog("skb_egress_other"), {.fd = cgroup_.fd(), .attach_type = type});
    ASSERT_TRUE(plain) << plain.error().message();
    EBPF_SKIP_KERNEL_LACKS("ordered cgroup links (Linux 6.16): " + second.error().message());
  }
  ASSERT_TRUE(second) << second.error().message();
  const auto one_datagram = [] {
    int s = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(9);
    return ::sendto(s, "o", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a) == 1 ? 0 : 1;
  };
  ASSERT_EQ(cgroup_.run_in(one_datagram), 0);
  auto trace = (*coll_->map("cg_trace"))->lookup<std::uint32_t, std::uint64_t>(0);
  ASSERT_TRUE(trace);
  EXPECT_EQ(*trace, 0x21u) << "skb_egress_other was anchored before skb_egress";
  auto ids = link::query_cgroup(cgroup_.path().string(), type);
  ASSERT_TRUE(ids) << ids.error().message();
  ASSERT_EQ(ids->size(), 2u);
  EXPECT_EQ((*ids)[0], prog("skb_egress_other").info()->id);

  auto legacy = link::attach_cgroup(prog("skb_egress_other"), {.fd = cgroup_.fd(),
                                                               .attach_type = type,
                                                               .method = link::AttachMethod::legacy,
                                                               .anchor = link::Anchor::first()});
  ASSERT_FALSE(legacy);
  EXPECT_TRUE(legacy.error().is(errc::invalid_argument)) << legacy.error().message();
}

TEST_F(CgroupLink, ExclusiveLegacyAttachRefusesALink) {
  const auto type = AttachType::cgroup_inet_egress;
  auto a = link::attach_cgroup(prog("skb_egress"),
                               {.fd = cgroup_.fd(), .attach_type = type, .method = link::AttachMethod::legacy, .legacy_flags = 0});
  ASSERT_TRUE(a) << a.error().message();
  auto b = link::attach_cgroup(prog("skb_egress_other"), {.fd = cgroup_.fd(), .attach_type = type, .method = link::AttachMethod::link});
  EXPECT_FALSE(b) << "a link joined an exclusive attachment";
}

TEST_F(CgroupLink, RejectsNonCgroupAttachTypes) {
  auto l = link::attach_cgroup(prog("skb_egress"), {.fd = cgroup_.fd(), .attach_type = AttachType::xdp});
  ASSERT_FALSE(l);
  EXPECT_TRUE(l.error().is(errc::invalid_argument)) << l.error().message();
  // No type given: the section's (cgroup_skb/egress).
  auto from_section = link::attach_cgroup(prog("skb_egress"), {.fd = cgroup_.fd()});
  ASSERT_TRUE(from_section) << from_section.error().message();
  auto info = from_section->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->attach_type, AttachType::cgroup_inet_egress);
  auto missing = link::attach_cgroup(prog("skb_egress"),
                                     {.path = "/nonexistent/cgroup", .attach_type = AttachType::cgroup_inet_egress});
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is(errc::not_found)) << missing.error().message();
}

}  // namespace
}  // namespace ebpf
