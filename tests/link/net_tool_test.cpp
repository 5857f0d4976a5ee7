// `ebpfpp attach ... --target` for networking and cgroup programs, run in the test's network namespace (the
// tool inherits it): the XDP program must be on veth1 while the tool runs and gone after it exits.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "ebpf/sys/netlink.hpp"
#include "net_objects.hpp"

namespace ebpf {
namespace {

std::string shell(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

class NetTool : public test::NetLinkTest {
 protected:
  std::uint32_t xdp_prog_id() {
    auto sock = sys::NetlinkSocket::open();
    if (!sock) return 0;
    auto q = sys::netlink_query_xdp(*sock, veth1);
    return q ? q->prog_id : 0;
  }
};

TEST_F(NetTool, AttachWithTargetsUntilItExits) {
  const std::string tool = test::tool_path().string();
  const std::string obj = test::bpf_object("link_net").string();
  const std::string out = shell("(" + tool + " attach " + obj +
                                " xdp_count tc_count --target xdp_count=veth1 --target tc_count=veth0:egress --duration 1.5 "
                                "> /tmp/ebpfpp-net-attach-test.out 2>&1 &"
                                " sleep 0.7; " +
                                tool + " link list; wait); cat /tmp/ebpfpp-net-attach-test.out; rm -f /tmp/ebpfpp-net-attach-test.out");
  // While it ran, `link list` showed an xdp and a tcx link; the attach lines name both programs.
  EXPECT_NE(out.find("program xdp_count"), std::string::npos) << out;
  EXPECT_NE(out.find("program tc_count"), std::string::npos) << out;
  // `link list` lines: "<id>: xdp  prog <id>  ifindex <veth1>", "<id>: tcx  prog <id>  attach_type tcx_egress ...".
  EXPECT_NE(out.find(": xdp  prog "), std::string::npos) << out;
  EXPECT_NE(out.find("ifindex " + std::to_string(veth1)), std::string::npos) << out;
  EXPECT_NE(out.find("attach_type tcx_egress  ifindex " + std::to_string(veth0)), std::string::npos) << out;
  EXPECT_NE(out.find("detached"), std::string::npos) << out;
  EXPECT_EQ(xdp_prog_id(), 0u) << "the tool left its XDP program on veth1";
}

TEST_F(NetTool, AttachWithoutTargetExplainsWhatIsMissing) {
  const std::string tool = test::tool_path().string();
  const std::string obj = test::bpf_object("link_net").string();
  const std::string out = shell(tool + " attach " + obj + " xdp_count --duration 0 2>&1");
  EXPECT_NE(out.find("an interface"), std::string::npos) << out;
  EXPECT_EQ(xdp_prog_id(), 0u);
}

}  // namespace
}  // namespace ebpf
