// Feature probes: one uncached ebpfpp probe against the same question asked through Debian's libbpf
// (libbpf_probe_bpf_prog_type, libbpf_probe_bpf_map_type, libbpf_probe_bpf_helper), and the cached call.
#include <benchmark/benchmark.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <cstdio>
#include <cstdlib>

#include "ebpf/features/features.hpp"

namespace {

using ebpf::features::Support;

void check(const Support& s, const char* what) {
  if (!s || !*s) {
    std::fprintf(stderr, "%s: %s\n", what, s ? "not supported" : s.error().message().c_str());
    std::abort();
  }
}

void FeatureProbe_ProgramType_ebpfpp(benchmark::State& state) {
  for (auto _ : state) {
    Support s = ebpf::features::uncached::program_type(ebpf::ProgramType::xdp);
    check(s, "program type xdp");
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(FeatureProbe_ProgramType_ebpfpp)->Name("FeatureProbe/ProgramType/ebpfpp");

void FeatureProbe_ProgramType_libbpf(benchmark::State& state) {
  for (auto _ : state) {
    int r = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, nullptr);
    if (r != 1) std::abort();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(FeatureProbe_ProgramType_libbpf)->Name("FeatureProbe/ProgramType/libbpf");

void FeatureProbe_MapType_ebpfpp(benchmark::State& state) {
  for (auto _ : state) {
    Support s = ebpf::features::uncached::map_type(ebpf::MapType::hash);
    check(s, "map type hash");
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(FeatureProbe_MapType_ebpfpp)->Name("FeatureProbe/MapType/ebpfpp");

void FeatureProbe_MapType_libbpf(benchmark::State& state) {
  for (auto _ : state) {
    int r = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_HASH, nullptr);
    if (r != 1) std::abort();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(FeatureProbe_MapType_libbpf)->Name("FeatureProbe/MapType/libbpf");

void FeatureProbe_Helper_ebpfpp(benchmark::State& state) {
  for (auto _ : state) {
    Support s = ebpf::features::uncached::program_helper(ebpf::ProgramType::xdp, BPF_FUNC_xdp_adjust_head);
    check(s, "helper xdp_adjust_head for xdp");
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(FeatureProbe_Helper_ebpfpp)->Name("FeatureProbe/Helper/ebpfpp");

void FeatureProbe_Helper_libbpf(benchmark::State& state) {
  for (auto _ : state) {
    int r = libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_adjust_head, nullptr);
    if (r != 1) std::abort();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(FeatureProbe_Helper_libbpf)->Name("FeatureProbe/Helper/libbpf");

// The cached answer: no syscall.
void FeatureProbe_Cached_ebpfpp(benchmark::State& state) {
  check(ebpf::features::have_program_helper(ebpf::ProgramType::xdp, BPF_FUNC_xdp_adjust_head), "cached helper");
  for (auto _ : state) {
    Support s = ebpf::features::have_program_helper(ebpf::ProgramType::xdp, BPF_FUNC_xdp_adjust_head);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(FeatureProbe_Cached_ebpfpp)->Name("FeatureProbe/Cached/ebpfpp");

}  // namespace
