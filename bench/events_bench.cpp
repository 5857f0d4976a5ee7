// Event readers: consuming records the kernel wrote, ebpfpp against Debian's libbpf. Each iteration first has
// a program (test-run, untimed) write a batch of records of <size> bytes in a bpf_loop, then times draining
// them. Reported per record: time (items_per_second) and allocations.
#include <benchmark/benchmark.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <sched.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "alloc_counter.hpp"
#include "ebpf/collection.hpp"
#include "ebpf/perf/reader.hpp"
#include "ebpf/ringbuf/reader.hpp"

namespace {

std::string object_path(const char* stem) { return std::string(EBPFPP_TEST_BPF_DIR) + "/" + stem + ".bpfel.o"; }

ebpf::Collection load(const char* stem) {
  auto spec = ebpf::load_collection_spec(object_path(stem));
  if (!spec) {
    std::fprintf(stderr, "%s: %s\n", stem, spec.error().message().c_str());
    std::abort();
  }
  auto coll = ebpf::Collection::load(*spec);
  if (!coll) {
    std::fprintf(stderr, "%s: %s\n", stem, coll.error().message().c_str());
    std::abort();
  }
  return std::move(*coll);
}

void report(benchmark::State& state, std::uint64_t records, std::uint64_t allocs) {
  state.SetItemsProcessed(static_cast<std::int64_t>(records));
  state.counters["allocs_per_record"] =
      benchmark::Counter(records == 0 ? 0.0 : static_cast<double>(allocs) / static_cast<double>(records));
}

// Untimed rounds first: they fault the ring pages in and let the kernel finish freeing the previous case's
// maps and rings (RCU), which otherwise penalises whichever side runs first.
template <class F>
void warm_up(F&& round) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  while (std::chrono::steady_clock::now() < end) round();
}

// ---- ring buffer ----

constexpr std::uint64_t kRingRecords = 16384;  // 8.5 MB of 512-byte records: fits the 16 MB `bench` ring

struct RingFixture {
  ebpf::Collection coll = load("ringbuf_records");
  const ebpf::Program* prog = nullptr;
  const ebpf::Map* ring = nullptr;

  explicit RingFixture(int size) {
    prog = *coll.program("bench_" + std::to_string(size));
    ring = *coll.map("bench");
  }
  void produce(benchmark::State& state) const {
    std::uint64_t count = kRingRecords;
    auto r = prog->run({.context = std::as_bytes(std::span(&count, 1))});
    if (!r || r->retval != kRingRecords) state.SkipWithError("producer program failed");
  }
};

template <int Size>
void RingbufConsume_ebpfpp(benchmark::State& state) {
  RingFixture f(Size);
  auto reader = ebpf::ringbuf::Reader::open(*f.ring);
  if (!reader) return state.SkipWithError(reader.error().message().c_str());
  std::uint64_t records = 0, sum = 0, allocs = 0;
  auto take = [&](std::span<const std::byte> rec) {
    std::uint64_t v;
    std::memcpy(&v, rec.data(), 8);
    sum += v;
  };
  warm_up([&] {
    f.produce(state);
    reader->consume(take);
  });
  for (auto _ : state) {
    state.PauseTiming();
    f.produce(state);
    const std::uint64_t before = ebpf::bench::allocation_count();
    state.ResumeTiming();
    records += reader->consume(take);
    state.PauseTiming();
    allocs += ebpf::bench::allocation_count() - before;
    state.ResumeTiming();
  }
  benchmark::DoNotOptimize(sum);
  if (records != kRingRecords * state.iterations()) state.SkipWithError("records lost");
  report(state, records, allocs);
}

int libbpf_ring_sample(void* ctx, void* data, size_t) {
  std::uint64_t v;
  std::memcpy(&v, data, 8);
  *static_cast<std::uint64_t*>(ctx) += v;
  return 0;
}

template <int Size>
void RingbufConsume_libbpf(benchmark::State& state) {
  RingFixture f(Size);
  std::uint64_t sum = 0;
  ring_buffer* rb = ring_buffer__new(f.ring->fd(), libbpf_ring_sample, &sum, nullptr);
  if (rb == nullptr) return state.SkipWithError("ring_buffer__new");
  std::uint64_t records = 0, allocs = 0;
  warm_up([&] {
    f.produce(state);
    ring_buffer__consume(rb);
  });
  for (auto _ : state) {
    state.PauseTiming();
    f.produce(state);
    const std::uint64_t before = ebpf::bench::allocation_count();
    state.ResumeTiming();
    const int n = ring_buffer__consume(rb);
    state.PauseTiming();
    allocs += ebpf::bench::allocation_count() - before;
    state.ResumeTiming();
    if (n > 0) records += static_cast<std::uint64_t>(n);
  }
  ring_buffer__free(rb);
  benchmark::DoNotOptimize(sum);
  if (records != kRingRecords * state.iterations()) state.SkipWithError("records lost");
  report(state, records, allocs);
}

// ---- perf event buffer ----

constexpr std::uint64_t kPerfRecords = 8192;          // 4.3 MB of 512-byte samples
constexpr std::size_t kPerfBuffer = 8u << 20;         // per CPU
constexpr std::uint32_t kNoWakeup = 1u << 30;         // wakeup_events: never reached

struct PerfArgs {
  std::uint64_t start = 0;
  std::uint64_t count = 0;
  std::uint32_t submitted = 0;
  std::uint32_t dropped = 0;
};

// Samples go to the ring of the CPU the program runs on: the benchmark pins itself to one.
class Pin {
 public:
  Pin() {
    ::sched_getaffinity(0, sizeof saved_, &saved_);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(::sched_getcpu(), &one);
    ::sched_setaffinity(0, sizeof one, &one);
  }
  ~Pin() { ::sched_setaffinity(0, sizeof saved_, &saved_); }
  Pin(const Pin&) = delete;
  Pin& operator=(const Pin&) = delete;

 private:
  cpu_set_t saved_{};
};

struct PerfFixture {
  Pin pin;
  ebpf::Collection coll = load("perf_records");
  const ebpf::Program* prog = nullptr;
  const ebpf::Map* array = nullptr;

  explicit PerfFixture(int size) {
    prog = *coll.program("bench_" + std::to_string(size));
    array = *coll.map("bench");
  }
  void produce(benchmark::State& state) const {
    PerfArgs a{.count = kPerfRecords};
    std::byte out[sizeof a + 512];
    auto r = prog->run({.data = std::as_bytes(std::span(&a, 1)), .data_out = out});
    if (r) std::memcpy(&a, out, sizeof a);
    if (!r || a.submitted != kPerfRecords) state.SkipWithError("producer program failed");
  }
};

template <int Size>
void PerfConsume_ebpfpp(benchmark::State& state) {
  PerfFixture f(Size);
  // No wake-ups: on this VM each one costs the producer microseconds (identical settings on the libbpf side).
  auto reader = ebpf::perf::Reader::open(*f.array, {.per_cpu_buffer = kPerfBuffer, .watermark_events = kNoWakeup});
  if (!reader) return state.SkipWithError(reader.error().message().c_str());
  std::uint64_t records = 0, sum = 0, allocs = 0;
  warm_up([&] {
    f.produce(state);
    reader->consume([&](const ebpf::perf::Event& ev) { sum += ev.sample.size(); });
  });
  for (auto _ : state) {
    state.PauseTiming();
    f.produce(state);
    const std::uint64_t before = ebpf::bench::allocation_count();
    state.ResumeTiming();
    records += reader->consume([&](const ebpf::perf::Event& ev) {
      std::uint64_t v;
      std::memcpy(&v, ev.sample.data(), 8);
      sum += v;
    });
    state.PauseTiming();
    allocs += ebpf::bench::allocation_count() - before;
    state.ResumeTiming();
  }
  benchmark::DoNotOptimize(sum);
  if (records != kPerfRecords * state.iterations()) state.SkipWithError("records lost");
  report(state, records, allocs);
}

// libbpf's raw perf buffer, so the event attributes match the ebpfpp side; the callback parses the sample as
// perf_buffer__new's internal one does.
bpf_perf_event_ret libbpf_perf_event(void* ctx, int, perf_event_header* event) {
  if (event->type == PERF_RECORD_SAMPLE) {
    const auto* raw = reinterpret_cast<const std::byte*>(event + 1);
    std::uint64_t v;
    std::memcpy(&v, raw + 4, 8);
    *static_cast<std::uint64_t*>(ctx) += v;
  }
  return LIBBPF_PERF_EVENT_CONT;
}

template <int Size>
void PerfConsume_libbpf(benchmark::State& state) {
  PerfFixture f(Size);
  std::uint64_t sum = 0;
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_BPF_OUTPUT;
  attr.sample_type = PERF_SAMPLE_RAW;
  attr.sample_period = 1;
  attr.wakeup_events = kNoWakeup;
  perf_buffer* pb = perf_buffer__new_raw(f.array->fd(), kPerfBuffer / 4096, &attr, libbpf_perf_event, &sum, nullptr);
  if (pb == nullptr) return state.SkipWithError("perf_buffer__new_raw");
  std::uint64_t allocs = 0;
  warm_up([&] {
    f.produce(state);
    perf_buffer__consume(pb);
  });
  for (auto _ : state) {
    state.PauseTiming();
    f.produce(state);
    const std::uint64_t before = ebpf::bench::allocation_count();
    state.ResumeTiming();
    if (perf_buffer__consume(pb) < 0) state.SkipWithError("perf_buffer__consume");
    state.PauseTiming();
    allocs += ebpf::bench::allocation_count() - before;
    state.ResumeTiming();
  }
  perf_buffer__free(pb);
  benchmark::DoNotOptimize(sum);
  // perf_buffer__consume does not count samples: every produced one was written (checked in produce()).
  report(state, kPerfRecords * static_cast<std::uint64_t>(state.iterations()), allocs);
}

// Fixed: every iteration also runs the (untimed) producer, so a time-based iteration count would spend
// most of its run producing.
constexpr benchmark::IterationCount kIterations = 400;

}  // namespace

BENCHMARK_TEMPLATE(RingbufConsume_ebpfpp, 16)->Name("RingbufConsume/16/ebpfpp")->Iterations(kIterations);
BENCHMARK_TEMPLATE(RingbufConsume_libbpf, 16)->Name("RingbufConsume/16/libbpf")->Iterations(kIterations);
BENCHMARK_TEMPLATE(RingbufConsume_ebpfpp, 64)->Name("RingbufConsume/64/ebpfpp")->Iterations(kIterations);
BENCHMARK_TEMPLATE(RingbufConsume_libbpf, 64)->Name("RingbufConsume/64/libbpf")->Iterations(kIterations);
BENCHMARK_TEMPLATE(RingbufConsume_ebpfpp, 512)->Name("RingbufConsume/512/ebpfpp")->Iterations(kIterations);
BENCHMARK_TEMPLATE(RingbufConsume_libbpf, 512)->Name("RingbufConsume/512/libbpf")->Iterations(kIterations);
BENCHMARK_TEMPLATE(PerfConsume_ebpfpp, 16)->Name("PerfConsume/16/ebpfpp")->Iterations(kIterations);
BENCHMARK_TEMPLATE(PerfConsume_libbpf, 16)->Name("PerfConsume/16/libbpf")->Iterations(kIterations);
BENCHMARK_TEMPLATE(PerfConsume_ebpfpp, 64)->Name("PerfConsume/64/ebpfpp")->Iterations(kIterations);
BENCHMARK_TEMPLATE(PerfConsume_libbpf, 64)->Name("PerfConsume/64/libbpf")->Iterations(kIterations);
BENCHMARK_TEMPLATE(PerfConsume_ebpfpp, 512)->Name("PerfConsume/512/ebpfpp")->Iterations(kIterations);
BENCHMARK_TEMPLATE(PerfConsume_libbpf, 512)->Name("PerfConsume/512/libbpf")->Iterations(kIterations);
