// Counts what the processes of a cgroup send, receive and open (docs/links-cgroup.md): every program of
// cgroup_counter.bpf.c is attached to the cgroup with the attach type of its section (Program::attach(path)
// would do the same). Ctrl-C or the given number of seconds ends it; the Links detach on the way out.
//
//   sudo example-cgroup_counter build/examples/cgroup_counter.bpfel.o /sys/fs/cgroup/system.slice [seconds]
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "ebpf/collection.hpp"
#include "ebpf/link/cgroup.hpp"
#include "ebpf/map.hpp"

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
    std::fprintf(stderr, "usage: %s cgroup_counter.bpfel.o CGROUP_PATH [SECONDS]\n", argv[0]);
    return 2;
  }
  const char* cgroup = argv[2];
  const int seconds = argc > 3 ? std::atoi(argv[3]) : 0;

  auto spec = ebpf::load_collection_spec(argv[1]);
  if (!spec) return die(spec.error());
  auto coll = ebpf::Collection::load(*spec);
  if (!coll) return die(coll.error());

  std::vector<ebpf::Link> links;
  for (const auto& [name, program] : coll->programs()) {
    // The section ("cgroup_skb/egress", "cgroup/sock_create") gives the attach type; the cgroup is the
    // target. A bpf_link where the kernel has cgroup links (5.7), BPF_PROG_ATTACH with ALLOW_MULTI before.
    auto l = ebpf::link::attach_cgroup(program, {.path = cgroup, .attach_type = program.attach_type()});
    if (!l) return die(l.error());
    std::printf("attached %s to %s as %s\n", name.c_str(), cgroup, std::string(l->attachment()->kind()).c_str());
    links.push_back(std::move(*l));
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  auto cpus = ebpf::possible_cpus();
  if (!cpus) return die(cpus.error());
  std::vector<Counters> per_cpu(*cpus);
  ebpf::Map& stats = **coll->map("cgroup_stats");
  for (int tick = 0; !g_stop && (seconds == 0 || tick < seconds); ++tick) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const char* names[] = {"egress", "ingress", "sockets"};
    for (std::uint32_t i = 0; i < 3; ++i) {
      Counters total{};
      if (stats.lookup_per_cpu<std::uint32_t, Counters>(i, per_cpu)) {
        for (const Counters& c : per_cpu) {
          total.packets += c.packets;
          total.bytes += c.bytes;
        }
      }
      std::printf("%-8s %10llu %12llu bytes\n", names[i], static_cast<unsigned long long>(total.packets),
                  static_cast<unsigned long long>(total.bytes));
    }
  }
  return 0;
}
