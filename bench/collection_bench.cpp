// Loading a whole object: ELF parse + maps + programs + close, ebpfpp against libbpf
// (bpf_object__open_file + bpf_object__load + bpf_object__close) on the same file.
//
//   LoadCollection/coll_many/*   64 small socket filters sharing one map
//   LoadCollection/coll_mixed/*  BTF maps, a map of maps with static contents, data sections, subprograms
#include <benchmark/benchmark.h>
#include <bpf/libbpf.h>

#include <cstdarg>
#include <string>

#include "ebpf/collection.hpp"

namespace {

std::string object_path(const char* stem) { return std::string(EBPFPP_TEST_BPF_DIR) + "/" + stem + ".bpfel.o"; }

int quiet(enum libbpf_print_level, const char*, va_list) { return 0; }

void load_ebpfpp(benchmark::State& state, const char* stem) {
  const std::string path = object_path(stem);
  for (auto _ : state) {
    auto spec = ebpf::load_collection_spec(path);
    if (!spec) {
      state.SkipWithError(spec.error().message().c_str());
      return;
    }
    auto coll = ebpf::Collection::load(*spec);
    if (!coll) {
      state.SkipWithError(coll.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(coll->programs().size());
  }
}

void load_libbpf(benchmark::State& state, const char* stem) {
  const std::string path = object_path(stem);
  libbpf_set_print(quiet);
  for (auto _ : state) {
    bpf_object* obj = bpf_object__open_file(path.c_str(), nullptr);
    if (libbpf_get_error(obj)) {
      state.SkipWithError("bpf_object__open_file failed");
      return;
    }
    if (bpf_object__load(obj) != 0) {
      bpf_object__close(obj);
      state.SkipWithError("bpf_object__load failed");
      return;
    }
    bpf_object__close(obj);
  }
}

[[maybe_unused]] const bool registered = [] {
  for (const char* stem : {"coll_many", "coll_mixed"}) {
    const std::string base = std::string("LoadCollection/") + stem;
    benchmark::RegisterBenchmark((base + "/ebpfpp").c_str(), load_ebpfpp, stem)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((base + "/libbpf").c_str(), load_libbpf, stem)->Unit(benchmark::kMillisecond);
  }
  return true;
}();

}  // namespace
