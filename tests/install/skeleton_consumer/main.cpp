// Loads the embedded objects: runs the filter three times and prints what the typed members read; attaches the
// vmlinux.h-based syscall counter and checks that it counted this process's syscalls.
#include <unistd.h>

#include <array>
#include <cstdio>

#include "counter.skel.hpp"
#include "syscalls.skel.hpp"

int main() {
  auto skel = counter::open();
  if (!skel) return std::printf("open: %s\n", skel.error().message().c_str()), 1;
  skel->rodata()->limit = 2;
  if (auto r = skel->load(); !r) return std::printf("load: %s\n", r.error().message().c_str()), 1;
  std::array<std::byte, 64> packet{};
  std::uint32_t kept = 0;
  for (int i = 0; i < 3; ++i) {
    auto r = skel->progs.count.run({.data = packet});
    if (!r) return std::printf("run: %s\n", r.error().message().c_str()), 1;
    kept += r->retval != 0;
  }
  auto last = skel->maps.last_len.lookup(0);
  if (!last) return std::printf("lookup: %s\n", last.error().message().c_str()), 1;
  std::printf("packets=%llu bytes=%llu kept=%u last=%llu\n", static_cast<unsigned long long>(skel->bss()->packets),
              static_cast<unsigned long long>(skel->bss()->bytes), kept, static_cast<unsigned long long>(*last));

  auto probe = probes::syscalls::open();
  if (!probe) return std::printf("open: %s\n", probe.error().message().c_str()), 1;
  if (auto r = probe->load(); !r) return std::printf("load: %s\n", r.error().message().c_str()), 1;
  probe->bss()->target_tgid = static_cast<std::uint32_t>(::getpid());
  if (auto r = probe->attach(); !r) return std::printf("attach: %s\n", r.error().message().c_str()), 1;
  for (int i = 0; i < 3; ++i) (void)::getppid();
  std::printf("syscalls counted: %s\n", probe->bss()->calls >= 3 ? "yes" : "no");
  return 0;
}
