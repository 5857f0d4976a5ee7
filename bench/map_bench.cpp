// Map hot paths: ebpfpp against the raw syscall (element ops) and Debian's libbpf (batches), and mmap'd
// array writes against the syscall path. Allocations per operation are reported as a counter.
#include <benchmark/benchmark.h>
#include <bpf/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "alloc_counter.hpp"
#include "ebpf/map.hpp"

namespace {

using ebpf::Map;
using ebpf::MapSpec;
using ebpf::MapType;

Map make_map(MapType type, std::uint32_t key_size, std::uint32_t value_size, std::uint32_t max_entries,
             std::uint32_t flags = 0) {
  MapSpec spec;
  spec.name = "bench";
  spec.type = type;
  spec.key_size = key_size;
  spec.value_size = value_size;
  spec.max_entries = max_entries;
  spec.flags = flags;
  auto m = Map::create(spec);
  if (!m) {
    std::fprintf(stderr, "create map: %s\n", m.error().message().c_str());
    std::abort();
  }
  return std::move(*m);
}

// The element attr as a caller of the bare syscall would write it.
union RawElemAttr {
  struct {
    std::uint32_t map_fd;
    std::uint32_t pad;
    std::uint64_t key;
    std::uint64_t value;
    std::uint64_t flags;
  } elem;
  unsigned char bytes[32];
};

long raw_bpf(int cmd, RawElemAttr& attr) { return ::syscall(SYS_bpf, cmd, &attr, sizeof attr); }

void report_allocs(benchmark::State& state, std::uint64_t before) {
  const std::uint64_t allocs = ebpf::bench::allocation_count() - before;
  state.counters["allocs_per_op"] =
      benchmark::Counter(static_cast<double>(allocs) / static_cast<double>(state.iterations()));
}

// ---- single-element lookup / update ----

void lookup_ebpfpp(benchmark::State& state, MapType type) {
  Map m = make_map(type, 4, 8, 16);
  const std::uint32_t key = 3;
  if (!m.update(key, std::uint64_t{42})) state.SkipWithError("update");
  const std::uint64_t before = ebpf::bench::allocation_count();
  for (auto _ : state) {
    auto v = m.lookup<std::uint32_t, std::uint64_t>(key);
    benchmark::DoNotOptimize(v);
  }
  report_allocs(state, before);
}

void lookup_syscall(benchmark::State& state, MapType type) {
  Map m = make_map(type, 4, 8, 16);
  std::uint32_t key = 3;
  std::uint64_t value = 42;
  if (!m.update(key, value)) state.SkipWithError("update");
  const std::uint64_t before = ebpf::bench::allocation_count();
  for (auto _ : state) {
    RawElemAttr attr{};
    attr.elem.map_fd = static_cast<std::uint32_t>(m.fd());
    attr.elem.key = reinterpret_cast<std::uintptr_t>(&key);
    attr.elem.value = reinterpret_cast<std::uintptr_t>(&value);
    long r = raw_bpf(1 /* BPF_MAP_LOOKUP_ELEM */, attr);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(value);
  }
  report_allocs(state, before);
}

void update_ebpfpp(benchmark::State& state, MapType type) {
  Map m = make_map(type, 4, 8, 16);
  const std::uint32_t key = 3;
  std::uint64_t value = 0;
  const std::uint64_t before = ebpf::bench::allocation_count();
  for (auto _ : state) {
    auto r = m.update(key, ++value);
    benchmark::DoNotOptimize(r);
  }
  report_allocs(state, before);
}

void update_syscall(benchmark::State& state, MapType type) {
  Map m = make_map(type, 4, 8, 16);
  std::uint32_t key = 3;
  std::uint64_t value = 0;
  const std::uint64_t before = ebpf::bench::allocation_count();
  for (auto _ : state) {
    ++value;
    RawElemAttr attr{};
    attr.elem.map_fd = static_cast<std::uint32_t>(m.fd());
    attr.elem.key = reinterpret_cast<std::uintptr_t>(&key);
    attr.elem.value = reinterpret_cast<std::uintptr_t>(&value);
    long r = raw_bpf(2 /* BPF_MAP_UPDATE_ELEM */, attr);
    benchmark::DoNotOptimize(r);
  }
  report_allocs(state, before);
}

// ---- batches (hash map of n elements) ----

struct BatchData {
  std::vector<std::uint32_t> keys;
  std::vector<std::uint64_t> values;
  explicit BatchData(std::size_t n) : keys(n), values(n) {
    for (std::size_t i = 0; i < n; ++i) keys[i] = static_cast<std::uint32_t>(i * 7919u), values[i] = i;
  }
};

void batch_update_ebpfpp(benchmark::State& state, std::size_t n) {
  Map m = make_map(MapType::hash, 4, 8, static_cast<std::uint32_t>(n));
  BatchData d(n);
  const std::uint64_t before = ebpf::bench::allocation_count();
  for (auto _ : state) {
    auto r = m.batch_update<std::uint32_t, std::uint64_t>(d.keys, d.values);
    if (!r || *r != n) state.SkipWithError("batch update");
  }
  report_allocs(state, before);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

void batch_update_libbpf(benchmark::State& state, std::size_t n) {
  Map m = make_map(MapType::hash, 4, 8, static_cast<std::uint32_t>(n));
  BatchData d(n);
  LIBBPF_OPTS(bpf_map_batch_opts, opts);
  const std::uint64_t before = ebpf::bench::allocation_count();
  for (auto _ : state) {
    __u32 count = static_cast<__u32>(n);
    int r = bpf_map_update_batch(m.fd(), d.keys.data(), d.values.data(), &count, &opts);
    if (r != 0 || count != n) state.SkipWithError("batch update");
  }
  report_allocs(state, before);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

void batch_lookup_ebpfpp(benchmark::State& state, std::size_t n) {
  Map m = make_map(MapType::hash, 4, 8, static_cast<std::uint32_t>(n));
  BatchData d(n);
  if (!m.batch_update<std::uint32_t, std::uint64_t>(d.keys, d.values)) state.SkipWithError("fill");
  std::vector<std::uint32_t> keys(n);
  std::vector<std::uint64_t> values(n);
  ebpf::BatchCursor cursor;
  const std::uint64_t before = ebpf::bench::allocation_count();
  for (auto _ : state) {
    cursor.reset();
    auto r = m.batch_lookup<std::uint32_t, std::uint64_t>(cursor, keys, values);
    if (!r || r->count != n) state.SkipWithError("batch lookup");
  }
  report_allocs(state, before);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

void batch_lookup_libbpf(benchmark::State& state, std::size_t n) {
  Map m = make_map(MapType::hash, 4, 8, static_cast<std::uint32_t>(n));
  BatchData d(n);
  if (!m.batch_update<std::uint32_t, std::uint64_t>(d.keys, d.values)) state.SkipWithError("fill");
  std::vector<std::uint32_t> keys(n);
  std::vector<std::uint64_t> values(n);
  LIBBPF_OPTS(bpf_map_batch_opts, opts);
  const std::uint64_t before = ebpf::bench::allocation_count();
  for (auto _ : state) {
    __u32 out_batch = 0;
    __u32 count = static_cast<__u32>(n);
    int r = bpf_map_lookup_batch(m.fd(), nullptr, &out_batch, keys.data(), values.data(), &count, &opts);
    if ((r != 0 && errno != ENOENT) || count != n) state.SkipWithError("batch lookup");
  }
  report_allocs(state, before);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

// ---- mmap'd array writes ----

constexpr std::uint32_t kArrayEntries = 1024;

void array_write_mmap(benchmark::State& state) {
  Map m = make_map(MapType::array, 4, 8, kArrayEntries, ebpf::map_flags::mmapable);
  auto mem = m.memory();
  if (!mem) {
    state.SkipWithError("memory");
    return;
  }
  std::uint32_t i = 0;
  std::uint64_t v = 0;
  const std::uint64_t before = ebpf::bench::allocation_count();
  for (auto _ : state) {
    auto r = mem->write<std::uint64_t>(std::size_t{i} * 8, ++v);
    benchmark::DoNotOptimize(r);
    i = (i + 1) % kArrayEntries;
  }
  benchmark::ClobberMemory();
  report_allocs(state, before);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void array_write_syscall(benchmark::State& state) {
  Map m = make_map(MapType::array, 4, 8, kArrayEntries, ebpf::map_flags::mmapable);
  std::uint32_t i = 0;
  std::uint64_t v = 0;
  const std::uint64_t before = ebpf::bench::allocation_count();
  for (auto _ : state) {
    auto r = m.update(i, ++v);
    benchmark::DoNotOptimize(r);
    i = (i + 1) % kArrayEntries;
  }
  report_allocs(state, before);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

[[maybe_unused]] const bool registered = [] {
  benchmark::RegisterBenchmark("MapLookup/hash/ebpfpp", lookup_ebpfpp, MapType::hash);
  benchmark::RegisterBenchmark("MapLookup/hash/syscall", lookup_syscall, MapType::hash);
  benchmark::RegisterBenchmark("MapLookup/array/ebpfpp", lookup_ebpfpp, MapType::array);
  benchmark::RegisterBenchmark("MapLookup/array/syscall", lookup_syscall, MapType::array);
  benchmark::RegisterBenchmark("MapUpdate/hash/ebpfpp", update_ebpfpp, MapType::hash);
  benchmark::RegisterBenchmark("MapUpdate/hash/syscall", update_syscall, MapType::hash);
  benchmark::RegisterBenchmark("MapUpdate/array/ebpfpp", update_ebpfpp, MapType::array);
  benchmark::RegisterBenchmark("MapUpdate/array/syscall", update_syscall, MapType::array);
  for (int n : {64, 1024, 10000}) {
    const std::string s = std::to_string(n);
    benchmark::RegisterBenchmark(("MapBatchUpdate/" + s + "/ebpfpp").c_str(), batch_update_ebpfpp, std::size_t(n));
    benchmark::RegisterBenchmark(("MapBatchUpdate/" + s + "/libbpf").c_str(), batch_update_libbpf, std::size_t(n));
    benchmark::RegisterBenchmark(("MapBatchLookup/" + s + "/ebpfpp").c_str(), batch_lookup_ebpfpp, std::size_t(n));
    benchmark::RegisterBenchmark(("MapBatchLookup/" + s + "/libbpf").c_str(), batch_lookup_libbpf, std::size_t(n));
  }
  benchmark::RegisterBenchmark("MapArrayWrite/mmap", array_write_mmap);
  benchmark::RegisterBenchmark("MapArrayWrite/syscall", array_write_syscall);
  return true;
}();

}  // namespace
