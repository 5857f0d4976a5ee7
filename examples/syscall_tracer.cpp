// Tracing example (docs/links-tracing.md), through the generated skeleton syscall_tracer.skel.hpp: attaches
// every program from its section (a tracepoint, and a uprobe whose target is given here: this program's own
// function `work`), does some work, reads the counts, and detaches.
//
//   example-syscall_tracer
// Needs root, and tracefs (mount -t tracefs nodev /sys/kernel/tracing).
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "syscall_tracer.skel.hpp"

extern "C" __attribute__((noinline)) int work(int i) {
  int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);  // one openat() per call
  if (fd >= 0) ::close(fd);
  return i;
}

int main() {
  auto fail = [](const ebpf::Error& e) {
    std::fprintf(stderr, "%s\n", e.message().c_str());
    return 1;
  };
  auto skel = syscall_tracer::open();
  if (!skel) return fail(skel.error());
  if (auto r = skel->load(); !r) return fail(r.error());

  // Sections name the tracepoint; the uprobe needs "path:function". All or nothing: on error nothing is attached.
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  if (auto r = skel->attach({{"count_calls", self + ":work"}}); !r) return fail(r.error());
  for (const ebpf::Link& l : skel->core().links()) {
    auto info = l.info();
    if (info) std::printf("link %u: %s %s\n", info->id, std::string(ebpf::to_string(info->type)).c_str(), info->name.c_str());
  }

  int (*volatile call)(int) = work;  // keep every call
  for (int i = 0; i < 10; ++i) call(i);

  auto opens = skel->maps.opens.lookup(static_cast<std::uint32_t>(::getpid()));
  auto hits = skel->maps.probe_hits.lookup(0);
  std::printf("openat() calls by this process: %llu\n", opens ? static_cast<unsigned long long>(*opens) : 0ULL);
  std::printf("calls of work(): %llu\n", hits ? static_cast<unsigned long long>(*hits) : 0ULL);
  skel->detach();  // detaches both programs (as destroying the skeleton would)
  return hits && *hits == 10 ? 0 : 1;
}
