// Scaffolding for the networking and cgroup link tests.
//
//   * NetnsTest: each test runs in a fresh network namespace (the test thread unshares CLONE_NEWNET and goes
//     back on TearDown), with loopback up and a veth pair "veth0" <-> "veth1" made through netlink.
//     send_frames() writes raw ethernet frames of the test ethertype into veth0 (AF_PACKET): veth0's egress
//     and veth1's XDP and ingress hooks see them.
//   * TestCgroup: a cgroup2 hierarchy mounted by the test in a temporary directory and a child cgroup in it;
//     run_in() forks a process, moves it into the cgroup and runs a function there.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "ebpf/sys/fd.hpp"
#include "support/kernel_test.hpp"

namespace ebpf::test {

inline constexpr std::uint16_t kTestEthertype = 0x88b5;

// Polls `done` until it is true or `timeout` passes; returns its last value.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(3));

class NetnsTest : public KernelTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Sends `n` frames of kTestEthertype out of `ifindex` (default: veth0).
  void send_frames(int n, int ifindex = 0);

  // An fd of the test's network namespace (owned by the fixture).
  [[nodiscard]] int netns_fd() const { return netns_.get(); }

  int veth0 = 0;  // ifindex
  int veth1 = 0;

 private:
  sys::Fd saved_netns_;
  sys::Fd netns_;
};

// Creates a network device pair with netlink (RTM_NEWLINK): kind "veth" or "netkit" (`netkit_l2`: L2 mode).
// Returns an errno (0 on success).
int create_link_pair(const std::string& kind, const std::string& name, const std::string& peer);
// Sets IFF_UP on `ifindex`; returns an errno.
int set_link_up(int ifindex);
// Whether the interface's operational state is up (its qdisc is active and it can transmit).
bool link_is_operational(int ifindex);

class TestCgroup {
 public:
  TestCgroup() = default;
  TestCgroup(const TestCgroup&) = delete;
  TestCgroup& operator=(const TestCgroup&) = delete;
  ~TestCgroup() { destroy(); }

  // Removes the child cgroup and the mount (also done by the destructor).
  void destroy();

  // Mounts cgroup2 and makes a child cgroup; false with a message in error() if that fails.
  bool create();
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] const std::filesystem::path& path() const { return child_; }
  [[nodiscard]] int fd() const { return fd_.get(); }

  // Forks, moves the child process into the cgroup, runs `fn` there and returns its result (the exit status;
  // -1 if the child could not be run or moved).
  int run_in(const std::function<int()>& fn) const;

 private:
  std::filesystem::path mount_;
  std::filesystem::path child_;
  sys::Fd fd_;
  std::string error_;
  bool mounted_ = false;
};

}  // namespace ebpf::test
