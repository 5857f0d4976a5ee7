// Networking attach + detach: a tcx ingress link made and closed per iteration, through ebpfpp's
// link::attach_tcx and through Debian's libbpf (bpf_link_create + close; libbpf 1.1 has no tcx-specific
// call, and bpf_program__attach_tcx of newer libbpf issues the same BPF_LINK_CREATE).
// Runs on the loopback device of a private network namespace so the host's interfaces are untouched.
#include <benchmark/benchmark.h>
#include <bpf/bpf.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "ebpf/collection.hpp"
#include "ebpf/link/tc.hpp"

namespace {

constexpr int kLoopback = 1;         // ifindex of lo in a fresh namespace
constexpr int kBpfTcxIngress = 46;   // BPF_TCX_INGRESS (Debian's libbpf headers predate it)

// Enters a new network namespace for the benchmark's lifetime (the calling thread only).
class PrivateNetns {
 public:
  PrivateNetns() {
    saved_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    ok_ = saved_ >= 0 && ::unshare(CLONE_NEWNET) == 0;
  }
  ~PrivateNetns() {
    if (saved_ >= 0) {
      if (ok_) (void)::setns(saved_, CLONE_NEWNET);
      ::close(saved_);
    }
  }
  PrivateNetns(const PrivateNetns&) = delete;
  PrivateNetns& operator=(const PrivateNetns&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }

 private:
  int saved_ = -1;
  bool ok_ = false;
};

std::optional<ebpf::Collection> load_objects(benchmark::State& state) {
  auto spec = ebpf::load_collection_spec(std::string(EBPFPP_TEST_BPF_DIR) + "/link_net.bpfel.o");
  if (!spec) {
    state.SkipWithError(spec.error().message().c_str());
    return std::nullopt;
  }
  auto coll = ebpf::Collection::load(*spec);
  if (!coll) {
    state.SkipWithError(coll.error().message().c_str());
    return std::nullopt;
  }
  return std::move(*coll);
}

void BM_LinkAttachTcx_ebpfpp(benchmark::State& state) {
  PrivateNetns ns;
  if (!ns.ok()) return state.SkipWithError("unshare(CLONE_NEWNET) failed (not root?)");
  auto coll = load_objects(state);
  if (!coll) return;
  const ebpf::Program& prog = **coll->program("tc_count");
  for (auto _ : state) {
    auto link = ebpf::link::attach_tcx(prog, {.ifindex = kLoopback});
    if (!link) return state.SkipWithError(link.error().message().c_str());
    benchmark::DoNotOptimize(link->fd());
    // The Link's destructor detaches.
  }
}
BENCHMARK(BM_LinkAttachTcx_ebpfpp)->Name("LinkAttach/tcx/ebpfpp");

void BM_LinkAttachTcx_libbpf(benchmark::State& state) {
  PrivateNetns ns;
  if (!ns.ok()) return state.SkipWithError("unshare(CLONE_NEWNET) failed (not root?)");
  auto coll = load_objects(state);
  if (!coll) return;
  const int prog_fd = (*coll->program("tc_count"))->fd();
  for (auto _ : state) {
    const int fd = bpf_link_create(prog_fd, kLoopback, static_cast<enum bpf_attach_type>(kBpfTcxIngress), nullptr);
    if (fd < 0) return state.SkipWithError("bpf_link_create failed");
    benchmark::DoNotOptimize(fd);
    ::close(fd);
  }
}
BENCHMARK(BM_LinkAttachTcx_libbpf)->Name("LinkAttach/tcx/libbpf");

}  // namespace
