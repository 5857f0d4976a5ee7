// BTF: parsing kernel BTF and looking types up by name, side by side with libbpf.
#include <benchmark/benchmark.h>
#include <bpf/btf.h>
#include <malloc.h>

#include "ebpf/btf/btf.hpp"

namespace {

constexpr const char* kVmlinux = "/sys/kernel/btf/vmlinux";

void BTFParseVmlinux_ebpfpp(benchmark::State& state) {
  std::size_t retained = 0;
  std::size_t index = 0;
  for (auto _ : state) {
    std::size_t before = mallinfo2().uordblks + mallinfo2().hblkhd;
    auto spec = ebpf::btf::Spec::load_file(kVmlinux);
    if (!spec) {
      state.SkipWithError(spec.error().message().c_str());
      return;
    }
    std::size_t after = mallinfo2().uordblks + mallinfo2().hblkhd;
    retained = after - before;
    index = spec->index_bytes();
    benchmark::DoNotOptimize(spec->type_count());
  }
  state.counters["retained_bytes"] = static_cast<double>(retained);
  state.counters["retained_MiB"] = static_cast<double>(retained) / (1024.0 * 1024.0);
  state.counters["index_bytes"] = static_cast<double>(index);
}
BENCHMARK(BTFParseVmlinux_ebpfpp)->Name("BTFParseVmlinux/ebpfpp")->Unit(benchmark::kMillisecond);

void BTFParseVmlinux_libbpf(benchmark::State& state) {
  std::size_t retained = 0;
  for (auto _ : state) {
    std::size_t before = mallinfo2().uordblks + mallinfo2().hblkhd;
    struct btf* b = btf__parse(kVmlinux, nullptr);
    if (b == nullptr) {
      state.SkipWithError("btf__parse failed");
      return;
    }
    std::size_t after = mallinfo2().uordblks + mallinfo2().hblkhd;
    retained = after - before;
    benchmark::DoNotOptimize(btf__type_cnt(b));
    btf__free(b);
  }
  state.counters["retained_bytes"] = static_cast<double>(retained);
  state.counters["retained_MiB"] = static_cast<double>(retained) / (1024.0 * 1024.0);
}
BENCHMARK(BTFParseVmlinux_libbpf)->Name("BTFParseVmlinux/libbpf")->Unit(benchmark::kMillisecond);

void BTFFindByName_ebpfpp(benchmark::State& state) {
  auto spec = ebpf::btf::kernel();
  if (!spec) {
    state.SkipWithError(spec.error().message().c_str());
    return;
  }
  (void)spec->find("task_struct", ebpf::btf::Kind::struct_);  // builds the name index
  for (auto _ : state) {
    auto t = spec->find("task_struct", ebpf::btf::Kind::struct_);
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(BTFFindByName_ebpfpp)->Name("BTFFindByName/ebpfpp");

void BTFFindByName_libbpf(benchmark::State& state) {
  struct btf* b = btf__parse(kVmlinux, nullptr);
  if (b == nullptr) {
    state.SkipWithError("btf__parse failed");
    return;
  }
  (void)btf__find_by_name_kind(b, "task_struct", BTF_KIND_STRUCT);
  for (auto _ : state) {
    int id = btf__find_by_name_kind(b, "task_struct", BTF_KIND_STRUCT);
    benchmark::DoNotOptimize(id);
  }
  btf__free(b);
}
BENCHMARK(BTFFindByName_libbpf)->Name("BTFFindByName/libbpf");

// First lookup on a fresh parse: parse + build the name index + find.
void BTFParseAndFind_ebpfpp(benchmark::State& state) {
  for (auto _ : state) {
    auto spec = ebpf::btf::Spec::load_file(kVmlinux);
    auto t = spec->find("task_struct", ebpf::btf::Kind::struct_);
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(BTFParseAndFind_ebpfpp)->Name("BTFParseAndFind/ebpfpp")->Unit(benchmark::kMillisecond);

void BTFParseAndFind_libbpf(benchmark::State& state) {
  for (auto _ : state) {
    struct btf* b = btf__parse(kVmlinux, nullptr);
    int id = btf__find_by_name_kind(b, "task_struct", BTF_KIND_STRUCT);
    benchmark::DoNotOptimize(id);
    btf__free(b);
  }
}
BENCHMARK(BTFParseAndFind_libbpf)->Name("BTFParseAndFind/libbpf")->Unit(benchmark::kMillisecond);

}  // namespace
