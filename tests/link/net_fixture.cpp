#include "net_fixture.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <thread>

#include "ebpf/sys/netlink.hpp"

namespace ebpf::test {

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

namespace {

// Netkit attributes (linux/if_link.h of Linux 6.7; Debian's headers predate them).
constexpr std::uint16_t kIflaNetkitPeerInfo = 1;
constexpr std::uint16_t kIflaNetkitMode = 5;
constexpr std::uint32_t kNetkitL2 = 0;

int transact(sys::NetlinkRequest& req) {
  auto sock = sys::NetlinkSocket::open();
  if (!sock) return sock.error().sys_errno() != 0 ? sock.error().sys_errno() : EIO;
  auto r = sock->transact(req);
  if (!r) return r.error().sys_errno() != 0 ? r.error().sys_errno() : EIO;
  return 0;
}

}  // namespace

int create_link_pair(const std::string& kind, const std::string& name, const std::string& peer) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  sys::NetlinkRequest req(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, ifi);
  req.put_string(IFLA_IFNAME, name);
  const auto info = req.begin_nested(IFLA_LINKINFO);
  req.put_string(IFLA_INFO_KIND, kind);
  const auto data = req.begin_nested(IFLA_INFO_DATA);
  if (kind == "netkit") req.put_u32(kIflaNetkitMode, kNetkitL2);
  // Both kinds describe the peer as an ifinfomsg followed by its attributes.
  const auto peer_nest = req.begin_nested(kind == "netkit" ? kIflaNetkitPeerInfo : static_cast<std::uint16_t>(VETH_INFO_PEER));
  ifinfomsg peer_ifi{};
  peer_ifi.ifi_family = AF_UNSPEC;
  req.append(&peer_ifi, sizeof peer_ifi);
  req.put_string(IFLA_IFNAME, peer);
  req.end_nested(peer_nest);
  req.end_nested(data);
  req.end_nested(info);
  return transact(req);
}

int set_link_up(int ifindex) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = ifindex;
  ifi.ifi_flags = IFF_UP;
  ifi.ifi_change = IFF_UP;
  sys::NetlinkRequest req(RTM_NEWLINK, 0, ifi);
  return transact(req);
}

bool link_is_operational(int ifindex) {
  auto sock = sys::NetlinkSocket::open();
  if (!sock) return false;
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = ifindex;
  sys::NetlinkRequest req(RTM_GETLINK, 0, ifi);
  std::uint8_t state = 0;
  auto r = sock->transact(req, [&](const sys::NetlinkMessage& m) {
    if (m.type != RTM_NEWLINK) return;
    sys::for_each_attribute(m.attributes(sizeof(ifinfomsg)), [&](std::uint16_t type, std::span<const std::byte> p) {
      if (type == IFLA_OPERSTATE) state = sys::attribute_value<std::uint8_t>(p);
    });
  });
  return r && state == 6;  // IF_OPER_UP (linux/if.h, which clashes with <net/if.h>)
}

void NetnsTest::SetUp() {
  KernelTest::SetUp();
  if (IsSkipped() || HasFatalFailure()) return;
  saved_netns_.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(saved_netns_.valid()) << "open /proc/thread-self/ns/net: " << std::strerror(errno);
  ASSERT_EQ(::unshare(CLONE_NEWNET), 0) << "unshare(CLONE_NEWNET): " << std::strerror(errno);
  netns_.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(netns_.valid()) << std::strerror(errno);
  ASSERT_EQ(set_link_up(1), 0) << "loopback up";
  ASSERT_EQ(create_link_pair("veth", "veth0", "veth1"), 0) << "create veth pair";
  veth0 = static_cast<int>(if_nametoindex("veth0"));
  veth1 = static_cast<int>(if_nametoindex("veth1"));
  ASSERT_NE(veth0, 0);
  ASSERT_NE(veth1, 0);
  ASSERT_EQ(set_link_up(veth0), 0);
  ASSERT_EQ(set_link_up(veth1), 0);
  // Until linkwatch activates the qdisc (asynchronously, up to a second after carrier on) the device
  // transmits into noop_qdisc, which drops: wait for both ends to be operational.
  ASSERT_TRUE(wait_until([&] { return link_is_operational(veth0) && link_is_operational(veth1); }))
      << "veth pair did not come up";
}

void NetnsTest::TearDown() {
  // Leaving the namespace drops the last user reference of it: the kernel deletes it with its devices.
  netns_.reset();
  if (saved_netns_.valid()) {
    EXPECT_EQ(::setns(saved_netns_.get(), CLONE_NEWNET), 0) << std::strerror(errno);
    saved_netns_.reset();
  }
  KernelTest::TearDown();
}

void NetnsTest::send_frames(int n, int ifindex) {
  if (ifindex == 0) ifindex = veth0;
  sys::Fd s(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(s.valid()) << "AF_PACKET socket: " << std::strerror(errno);
  std::array<std::uint8_t, 64> frame{};
  std::memset(frame.data(), 0xff, 6);                          // broadcast destination
  const std::uint8_t src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};  // locally administered
  std::memcpy(frame.data() + 6, src, 6);
  frame[12] = kTestEthertype >> 8;
  frame[13] = kTestEthertype & 0xff;
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = ifindex;
  to.sll_halen = 6;
  std::memset(to.sll_addr, 0xff, 6);
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(::sendto(s.get(), frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
              static_cast<ssize_t>(frame.size()))
        << "send frame: " << std::strerror(errno);
  }
}

// ---- TestCgroup ----

bool TestCgroup::create() {
  char tmpl[] = "/tmp/ebpfpp-cgroup-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    error_ = std::string("mkdtemp: ") + std::strerror(errno);
    return false;
  }
  mount_ = tmpl;
  if (::mount("cgroup2", tmpl, "cgroup2", 0, nullptr) != 0) {
    error_ = std::string("mount cgroup2: ") + std::strerror(errno);
    return false;
  }
  mounted_ = true;
  child_ = mount_ / ("ebpfpp-link-test-" + std::to_string(::getpid()));
  if (::mkdir(child_.c_str(), 0755) != 0) {
    error_ = "mkdir " + child_.string() + ": " + std::strerror(errno);
    child_.clear();
    return false;
  }
  fd_.reset(::open(child_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd_) {
    error_ = "open " + child_.string() + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

void TestCgroup::destroy() {
  fd_.reset();
  if (!child_.empty()) {
    // The last member may still be on its way out after waitpid(): retry briefly.
    for (int i = 0; i < 200 && ::rmdir(child_.c_str()) != 0 && errno == EBUSY; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  child_.clear();
  if (mounted_) ::umount2(mount_.c_str(), MNT_DETACH);
  mounted_ = false;
  if (!mount_.empty()) ::rmdir(mount_.c_str());
  mount_.clear();
}

int TestCgroup::run_in(const std::function<int()>& fn) const {
  const std::string procs = (child_ / "cgroup.procs").string();
  // The result travels through a pipe: an exit status keeps only 8 bits.
  int result_pipe[2];
  if (::pipe2(result_pipe, O_CLOEXEC) != 0) return -1;
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(result_pipe[0]);
    ::close(result_pipe[1]);
    return -1;
  }
  if (pid == 0) {
    // Child: join the cgroup ("0" is the writing process), then run.
    ::close(result_pipe[0]);
    int fd = ::open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, "0", 1) != 1) ::_exit(126);
    ::close(fd);
    const int r = fn();
    ::_exit(::write(result_pipe[1], &r, sizeof r) == sizeof r ? 0 : 125);
  }
  ::close(result_pipe[1]);
  int result = -1;
  if (::read(result_pipe[0], &result, sizeof result) != sizeof result) result = -1;
  ::close(result_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? result : -1;
}

}  // namespace ebpf::test
