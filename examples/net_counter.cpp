// Counts the packets an interface receives and sends, with XDP and tcx programs attached by ebpfpp
// (docs/links-networking.md). Prints the counters every second; Ctrl-C detaches everything and exits.
//
//   sudo example-net_counter build/examples/net_counter.bpfel.o eth0 [seconds] [--legacy]
//
// --legacy attaches XDP through netlink and the tc program as a cls_bpf filter instead of bpf_links.
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ebpf/collection.hpp"
#include "ebpf/map.hpp"
#include "ebpf/link/tc.hpp"
#include "ebpf/link/xdp.hpp"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct Counters {
  std::uint64_t packets;
  std::uint64_t bytes;
};

int die(const ebpf::Error& e) {
  std::fprintf(stderr, "%s\n", e.message().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s net_counter.bpfel.o IFNAME [SECONDS] [--legacy]\n", argv[0]);
    return 2;
  }
  const std::string ifname = argv[2];
  int seconds = 0;
  bool legacy = false;
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "--legacy") == 0) legacy = true;
    else seconds = std::atoi(argv[i]);
  }

  auto spec = ebpf::load_collection_spec(argv[1]);
  if (!spec) return die(spec.error());
  auto coll = ebpf::Collection::load(*spec);
  if (!coll) return die(coll.error());

  // Each Link owns its attachment: leaving main (or an early return) detaches all of them.
  std::vector<ebpf::Link> links;
  const auto method = legacy ? ebpf::link::AttachMethod::legacy : ebpf::link::AttachMethod::automatic;
  auto xdp = ebpf::link::attach_xdp(**coll->program("count_xdp"), {.interface = ifname, .method = method});
  if (!xdp) return die(xdp.error());
  links.push_back(std::move(*xdp));
  for (auto [name, dir] : {std::pair{"count_ingress", ebpf::link::TcDirection::ingress},
                           std::pair{"count_egress", ebpf::link::TcDirection::egress}}) {
    const ebpf::Program& prog = **coll->program(name);
    auto l = legacy ? ebpf::link::attach_tc(prog, {.interface = ifname, .direction = dir})
                    : ebpf::link::attach_tcx(prog, {.interface = ifname, .direction = dir});
    if (!l) return die(l.error());
    links.push_back(std::move(*l));
  }
  for (const ebpf::Link& l : links) {
    auto info = l.info();
    std::printf("attached %s (link id %u, program id %u)\n", std::string(l.attachment()->kind()).c_str(),
                info ? info->id : 0u, info ? info->program_id : 0u);
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  ebpf::Map& stats = **coll->map("stats");
  auto cpus = ebpf::possible_cpus();
  if (!cpus) return die(cpus.error());
  std::vector<Counters> per_cpu(*cpus);
  for (int tick = 0; !g_stop && (seconds == 0 || tick < seconds); ++tick) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const char* names[] = {"xdp", "tc ingress", "tc egress"};
    for (std::uint32_t hook = 0; hook < 3; ++hook) {
      Counters total{};
      if (stats.lookup_per_cpu<std::uint32_t, Counters>(hook, per_cpu)) {
        for (const Counters& c : per_cpu) {
          total.packets += c.packets;
          total.bytes += c.bytes;
        }
      }
      std::printf("%-10s %10llu packets %12llu bytes\n", names[hook], static_cast<unsigned long long>(total.packets),
                  static_cast<unsigned long long>(total.bytes));
    }
  }
  return 0;  // the Links detach here
}
