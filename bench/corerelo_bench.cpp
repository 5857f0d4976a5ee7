// CO-RE: relocating an object with many relocations against the running kernel's BTF, side by side with libbpf.
//
// libbpf 1.1 has no way to relocate without loading (no bpf_object__prepare), so the pair measures the whole
// path both libraries take for the object: open the object file, parse /sys/kernel/btf/vmlinux, apply the CO-RE
// relocations and load the program (the same verified program: the CO-RE tests compare them instruction by
// instruction). ebpfpp parses vmlinux afresh every iteration (ProgramOptions::kernel_types) because libbpf does
// so on every bpf_object__load; ebpfpp's default caches the parsed vmlinux per process (the /cached variant).
// /relocate-only isolates ebpfpp's own CO-RE work: open + fresh vmlinux parse + core_relocate, no kernel load;
// /relocate-only-cached is open + core_relocate against the process's cached vmlinux (name index already built).
#include <benchmark/benchmark.h>
#include <bpf/libbpf.h>

#include <memory>
#include <string>

#include "ebpf/btf/core.hpp"
#include "ebpf/collection.hpp"
#include "ebpf/collection_spec.hpp"

namespace {

constexpr const char* kVmlinux = "/sys/kernel/btf/vmlinux";

std::string object_path(const char* stem) { return std::string(EBPFPP_TEST_BPF_DIR) + "/" + stem + ".bpfel.o"; }

void CORERelocate_ebpfpp(benchmark::State& state, const char* stem, bool cached) {
  const std::string path = object_path(stem);
  for (auto _ : state) {
    auto spec = ebpf::load_collection_spec(path);
    if (!spec) {
      state.SkipWithError(spec.error().message().c_str());
      return;
    }
    ebpf::CollectionOptions opts;
    if (!cached) {
      auto vmlinux = ebpf::btf::Spec::load_file(kVmlinux);
      if (!vmlinux) {
        state.SkipWithError(vmlinux.error().message().c_str());
        return;
      }
      opts.programs.kernel_types = std::make_shared<const ebpf::btf::Spec>(std::move(*vmlinux));
    }
    auto coll = ebpf::Collection::load(*spec, opts);
    if (!coll) {
      state.SkipWithError(coll.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(coll->programs().size());
  }
}

void CORERelocate_relocate_only(benchmark::State& state, const char* stem, bool cached) {
  const std::string path = object_path(stem);
  std::size_t relocations = 0;
  for (auto _ : state) {
    auto spec = ebpf::load_collection_spec(path);
    auto vmlinux = cached ? ebpf::btf::kernel() : ebpf::btf::Spec::load_file(kVmlinux);
    if (!spec || !vmlinux) {
      state.SkipWithError("open failed");
      return;
    }
    ebpf::btf::CoreTargets targets;
    targets.specs.push_back(std::move(*vmlinux));
    relocations = 0;
    for (auto& [name, prog] : spec->programs) {
      auto r = ebpf::btf::core_relocate(prog.instructions, *spec->btf, targets);
      if (!r) {
        state.SkipWithError(r.error().message().c_str());
        return;
      }
      relocations += r->relocated;
    }
    benchmark::DoNotOptimize(relocations);
  }
  state.counters["relocations"] = static_cast<double>(relocations);
}

void CORERelocate_libbpf(benchmark::State& state, const char* stem) {
  const std::string path = object_path(stem);
  libbpf_set_print([](enum libbpf_print_level, const char*, va_list) { return 0; });
  for (auto _ : state) {
    bpf_object* obj = bpf_object__open_file(path.c_str(), nullptr);
    if (obj == nullptr) {
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

BENCHMARK_CAPTURE(CORERelocate_ebpfpp, many, "corerelo_many", false)
    ->Name("CORERelocate/corerelo_many/ebpfpp")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(CORERelocate_libbpf, many, "corerelo_many")
    ->Name("CORERelocate/corerelo_many/libbpf")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(CORERelocate_ebpfpp, many_cached, "corerelo_many", true)
    ->Name("CORERelocate/corerelo_many/ebpfpp/cached")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(CORERelocate_relocate_only, many, "corerelo_many", false)
    ->Name("CORERelocate/corerelo_many/ebpfpp/relocate-only")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(CORERelocate_relocate_only, many_cached, "corerelo_many", true)
    ->Name("CORERelocate/corerelo_many/ebpfpp/relocate-only-cached")
    ->Unit(benchmark::kMicrosecond);

}  // namespace
