// Auto-attach of networking and cgroup programs from their section names, with the target naming the
// interface, cgroup, hook or map: each attached program must really run.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "ebpf/link/auto_attach.hpp"
#include "ebpf/link/cgroup.hpp"
#include "ebpf/link/link.hpp"
#include "link_test_util.hpp"
#include "net_objects.hpp"

namespace ebpf {
namespace {

class NetAutoAttach : public test::NetLinkTest {};

TEST_F(NetAutoAttach, XdpSectionTakesTheInterfaceAsTarget) {
  EXPECT_FALSE(link::auto_attachable(prog("xdp_count"), false));
  EXPECT_TRUE(link::auto_attachable(prog("xdp_count"), true));
  auto missing = prog("xdp_count").attach();
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is(errc::invalid_argument)) << missing.error().message();

  auto l = prog("xdp_count").attach("veth1");
  ASSERT_TRUE(l) << l.error().message();
  send_frames(2);
  EXPECT_EQ(wait_counter(test::kXdp, 2), 2u);
  auto info = l->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->type, LinkType::xdp);
}

TEST_F(NetAutoAttach, TcxSectionsAndDirectionQualifier) {
  auto ingress = prog("tcx_first").attach("veth1");  // tcx/ingress
  ASSERT_TRUE(ingress) << ingress.error().message();
  auto egress = prog("tc_count").attach("veth0:egress");  // plain "tc" section
  ASSERT_TRUE(egress) << egress.error().message();
  auto info = egress->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->attach_type, AttachType::tcx_egress);
  send_frames(2);
  EXPECT_EQ(wait_counter(test::kTcxFirst, 2), 2u);
  EXPECT_EQ(wait_counter(test::kTc, 2), 2u);
  auto bad = prog("tc_count").attach("veth0:sideways");
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(errc::invalid_argument)) << bad.error().message();
}

TEST_F(NetAutoAttach, NetnsSectionsNeedNoTarget) {
  // Not by attach_all() without a target, but Program::attach() takes the caller's namespace.
  EXPECT_FALSE(link::auto_attachable(prog("steer"), false));
  EXPECT_TRUE(link::auto_attachable(prog("steer"), true));
  auto lookup = prog("steer").attach();
  ASSERT_TRUE(lookup) << lookup.error().message();
  auto dissector = prog("dissect").attach("/proc/thread-self/ns/net");
  ASSERT_TRUE(dissector) << dissector.error().message();
  auto info = lookup->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->attach_type, AttachType::sk_lookup);
}

TEST_F(NetAutoAttach, NetfilterTargetNamesTheHook) {
  auto bad = prog("nf_count").attach("ipv4/nowhere/1");
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(errc::invalid_argument)) << bad.error().message();
  auto l = prog("nf_count").attach("ipv4/local_out/5");
  if (!l && l.error().is(errc::not_supported)) EBPF_SKIP_KERNEL_LACKS(l.error().message());
  ASSERT_TRUE(l) << l.error().message();
  auto info = l->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->netfilter_hooknum, 3u);
  EXPECT_EQ(info->netfilter_priority, 5);
}

TEST_F(NetAutoAttach, SockmapTargetIsAPinnedMap) {
  test::Bpffs fs;
  ASSERT_TRUE(fs.ok());
  const std::string pin = fs.dir() + "/msg_socks";
  ASSERT_TRUE(map("msg_socks").pin(pin));
  {
    auto l = prog("msg_count").attach(pin);
    ASSERT_TRUE(l) << l.error().message();
    auto info = l->info();
    ASSERT_TRUE(info) << info.error().message();
    EXPECT_EQ(info->program_id, program_id("msg_count"));
  }
  ASSERT_TRUE(map("msg_socks").unpin());
}

TEST_F(NetAutoAttach, CgroupSectionTakesThePath) {
  test::TestCgroup cg;
  ASSERT_TRUE(cg.create()) << cg.error();
  auto spec = load_collection_spec(test::bpf_object("link_cgroup"));
  ASSERT_TRUE(spec) << spec.error().message();
  auto coll = Collection::load(*spec);
  ASSERT_TRUE(coll) << coll.error().message();
  {
    // Every cgroup program of the object, each with the attach type of its section.
    std::map<std::string, std::string, std::less<>> targets;
    for (const auto& [name, p] : coll->programs()) targets[name] = cg.path().string();
    auto links = coll->attach_all(targets);
    ASSERT_TRUE(links) << links.error().message();
    EXPECT_EQ(links->size(), coll->programs().size());
    auto ids = link::query_cgroup(cg.path().string(), AttachType::cgroup_inet_egress);
    ASSERT_TRUE(ids) << ids.error().message();
    EXPECT_EQ(ids->size(), 2u);  // skb_egress and skb_egress_other
    // One UDP datagram from inside the cgroup runs both egress programs.
    ASSERT_EQ(cg.run_in([] {
      int s = ::socket(AF_INET, SOCK_DGRAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(9);
      return ::sendto(s, "a", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a) == 1 ? 0 : 1;
    }), 0);
    auto egress = (*coll->map("cg_counts"))->lookup<std::uint32_t, std::uint64_t>(1);
    ASSERT_TRUE(egress);
    EXPECT_GE(*egress, 1u);
  }
  auto ids = link::query_cgroup(cg.path().string(), AttachType::cgroup_inet_egress);
  ASSERT_TRUE(ids) << ids.error().message();
  EXPECT_TRUE(ids->empty());
  coll.value() = Collection();
  cg.destroy();
}

}  // namespace
}  // namespace ebpf
