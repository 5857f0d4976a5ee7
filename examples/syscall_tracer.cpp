// Tracing example (docs/links-tracing.md): attaches every program of syscall_tracer.bpfel.o from its section
// (a tracepoint, and a uprobe whose target is given here: this program's own function `work`), does some work,
// reads the counts, and detaches by letting the links go out of scope.
//
//   example-syscall_tracer build/examples/syscall_tracer.bpfel.o
// Needs root, and tracefs (mount -t tracefs nodev /sys/kernel/tracing).
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "ebpf/collection.hpp"
#include "ebpf/link/link.hpp"

extern "C" __attribute__((noinline)) int work(int i) {
  int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);  // one openat() per call
  if (fd >= 0) ::close(fd);
  return i;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s syscall_tracer.bpfel.o\n", argv[0]);
    return 2;
  }
  auto fail = [](const ebpf::Error& e) {
    std::fprintf(stderr, "%s\n", e.message().c_str());
    return 1;
  };
  auto spec = ebpf::load_collection_spec(argv[1]);
  if (!spec) return fail(spec.error());
  auto coll = ebpf::Collection::load(*spec);
  if (!coll) return fail(coll.error());

  // Sections name the tracepoint; the uprobe needs "path:function". All or nothing: on error nothing is attached.
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  auto links = coll->attach_all({{"count_calls", self + ":work"}});
  if (!links) return fail(links.error());
  for (const ebpf::Link& l : *links) {
    auto info = l.info();
    if (info) std::printf("link %u: %s %s\n", info->id, std::string(ebpf::to_string(info->type)).c_str(), info->name.c_str());
  }

  int (*volatile call)(int) = work;  // keep every call
  for (int i = 0; i < 10; ++i) call(i);

  const std::uint32_t me = static_cast<std::uint32_t>(::getpid());
  auto opens = (*coll->map("opens"))->lookup<std::uint32_t, std::uint64_t>(me);
  auto hits = (*coll->map("probe_hits"))->lookup<std::uint32_t, std::uint64_t>(0);
  std::printf("openat() calls by this process: %llu\n", opens ? static_cast<unsigned long long>(*opens) : 0ULL);
  std::printf("calls of work(): %llu\n", hits ? static_cast<unsigned long long>(*hits) : 0ULL);
  links->clear();  // detaches both programs
  return hits && *hits == 10 ? 0 : 1;
}
