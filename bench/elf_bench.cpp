// ELF loader: opening an object into a spec (no kernel work), side by side with libbpf's
// bpf_object__open_file + bpf_object__close. Objects: the ELF loader's test objects that libbpf can open.
#include <benchmark/benchmark.h>
#include <bpf/libbpf.h>

#include <string>

#include "alloc_counter.hpp"
#include "ebpf/collection_spec.hpp"

namespace {

std::string object_path(const char* stem) { return std::string(EBPFPP_TEST_BPF_DIR) + "/" + stem + ".bpfel.o"; }

void open_ebpfpp(benchmark::State& state, const char* stem) {
  const std::filesystem::path path = object_path(stem);
  const auto allocs_before = ebpf::bench::allocation_count();
  for (auto _ : state) {
    auto spec = ebpf::load_collection_spec(path);
    if (!spec) {
      state.SkipWithError(spec.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(spec->programs.size());
  }
  state.counters["allocs/op"] = benchmark::Counter(
      static_cast<double>(ebpf::bench::allocation_count() - allocs_before), benchmark::Counter::kAvgIterations);
}

void open_libbpf(benchmark::State& state, const char* stem) {
  const std::string path = object_path(stem);
  libbpf_set_print(nullptr);
  const auto allocs_before = ebpf::bench::allocation_count();
  for (auto _ : state) {
    bpf_object* obj = bpf_object__open_file(path.c_str(), nullptr);
    if (obj == nullptr) {
      state.SkipWithError("bpf_object__open_file failed");
      return;
    }
    benchmark::DoNotOptimize(obj);
    bpf_object__close(obj);
  }
  state.counters["allocs/op"] = benchmark::Counter(
      static_cast<double>(ebpf::bench::allocation_count() - allocs_before), benchmark::Counter::kAvgIterations);
}

const bool registered = [] {
  for (const char* stem : {"elf_data", "elf_btf", "coll_many", "coll_mixed"}) {
    benchmark::RegisterBenchmark((std::string("Open/") + stem + "/ebpfpp").c_str(), open_ebpfpp, stem)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark((std::string("Open/") + stem + "/libbpf").c_str(), open_libbpf, stem)
        ->Unit(benchmark::kMicrosecond);
  }
  // libbpf (>= 1.0) cannot open legacy map sections: ebpfpp alone.
  benchmark::RegisterBenchmark("Open/elf_legacy/ebpfpp", open_ebpfpp, "elf_legacy")->Unit(benchmark::kMicrosecond);
  return true;
}();

}  // namespace
