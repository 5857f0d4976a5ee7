// Reading a global variable of a loaded object: through the skeleton's mapping of .bss (a memory read) against
// a BPF_MAP_LOOKUP_ELEM of the whole section (what a string API without mmap costs).
#include <benchmark/benchmark.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "alloc_counter.hpp"
#include "skel_vars.skel.hpp"

namespace {

using Vars = bpfel::skel_vars;

// A loaded skel_vars whose .bss counter the program has set, or an error for SkipWithError.
ebpf::Result<Vars> loaded() {
  EBPF_TRY(Vars skel, Vars::open());
  EBPF_TRY_VOID(skel.load());
  struct {
    std::uint32_t value, mode;
  } args{1, 1};
  EBPF_TRY(auto r, skel.progs.compute.run({.context = std::as_bytes(std::span(&args, 1))}));
  (void)r;
  if (skel.bss() == nullptr) return ebpf::fail(ebpf::errc::not_supported, "bss not mmapable");
  return skel;
}

void var_read_ebpfpp(benchmark::State& state) {
  auto skel = loaded();
  if (!skel) return state.SkipWithError(skel.error().message().c_str());
  const std::uint64_t before = ebpf::bench::allocation_count();
  for (auto _ : state) {
    std::uint64_t v = skel->bss()->counter;
    benchmark::DoNotOptimize(v);
    benchmark::ClobberMemory();  // read again next time: the kernel may have changed it
  }
  state.counters["allocs_per_op"] = benchmark::Counter(
      static_cast<double>(ebpf::bench::allocation_count() - before) / static_cast<double>(state.iterations()));
}

void var_read_syscall(benchmark::State& state) {
  auto skel = loaded();
  if (!skel) return state.SkipWithError(skel.error().message().c_str());
  const std::uint32_t key = 0;
  alignas(8) std::array<unsigned char, sizeof(Vars::bss_section)> value{};
  union {
    struct {
      std::uint32_t map_fd, pad;
      std::uint64_t key, value, flags;
    } elem;
    unsigned char bytes[32];
  } attr{};
  attr.elem.map_fd = static_cast<std::uint32_t>(skel->maps.bss.fd());
  attr.elem.key = reinterpret_cast<std::uintptr_t>(&key);
  attr.elem.value = reinterpret_cast<std::uintptr_t>(value.data());
  for (auto _ : state) {
    if (::syscall(SYS_bpf, 1 /* BPF_MAP_LOOKUP_ELEM */, &attr, sizeof attr) != 0) return state.SkipWithError("lookup");
    std::uint64_t v;
    std::memcpy(&v, value.data() + offsetof(Vars::bss_section, counter), sizeof v);
    benchmark::DoNotOptimize(v);
  }
}

[[maybe_unused]] const bool registered = [] {
  benchmark::RegisterBenchmark("SkeletonVarRead/ebpfpp", var_read_ebpfpp);
  benchmark::RegisterBenchmark("SkeletonVarRead/syscall", var_read_syscall);
  return true;
}();

}  // namespace
