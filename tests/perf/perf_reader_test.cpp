// The perf event buffer reader against samples the kernel writes: a syscall program run with
// BPF_PROG_TEST_RUN on a pinned CPU writes samples of varied sizes with bpf_perf_event_output; every sample is
// checked byte for byte, in order, none lost or duplicated, and lost samples are counted exactly.
#include <sys/epoll.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "perf_test_util.hpp"

namespace ebpf {
namespace {

using test::check_perf_sample;
using test::PinToCpu;

class PerfReader : public test::PerfTest {};

int first_cpu(const perf::Reader& r) { return r.cpu(0); }

TEST_F(PerfReader, SamplesInOrderByteForByteAcrossWraps) {
  auto reader = perf::Reader::open(map("events"), {.per_cpu_buffer = 8192});
  ASSERT_TRUE(reader) << reader.error().message();
  EXPECT_EQ(reader->per_cpu_buffer(), 8192u);
  ASSERT_GE(reader->rings(), 1u);
  const int cpu = first_cpu(*reader);
  PinToCpu pin(cpu);
  ASSERT_TRUE(pin.ok());
  std::uint64_t next = 0, expected = 0, total = 0;
  // 60 batches of 20 samples (about 3.7 KiB each) go round the 8 KiB ring many times, so samples wrap its end.
  for (int batch = 0; batch < 60; ++batch) {
    auto a = produce(next, 20);
    ASSERT_EQ(a.dropped, 0u) << "batch " << batch;
    ASSERT_EQ(a.submitted, 20u);
    EXPECT_GT(reader->available_bytes(0), 0u);
    std::size_t got = reader->consume([&](const perf::Event& ev) {
      EXPECT_EQ(ev.lost, 0u);
      EXPECT_EQ(ev.cpu, cpu);
      EXPECT_EQ(check_perf_sample(ev.sample), expected);
      ++expected;
    });
    EXPECT_EQ(got, 20u);
    total += got;
    next += 20;
    EXPECT_EQ(reader->available_bytes(0), 0u);
  }
  EXPECT_EQ(total, 1200u);
  EXPECT_EQ(reader->consume([](const perf::Event&) {}), 0u);
}

// A callback returning false stops right after its record, and read() takes one record at a time: both move
// data_tail exactly past what they handed out, also for records copied because they wrap the ring's end.
TEST_F(PerfReader, StoppingMidBatchAndSingleReadsResumeAtTheNextRecordAcrossWraps) {
  constexpr std::uint64_t kRing = 8192;
  auto reader = perf::Reader::open(map("events"), {.per_cpu_buffer = kRing});
  ASSERT_TRUE(reader) << reader.error().message();
  ASSERT_EQ(reader->per_cpu_buffer(), kRing);
  const int cpu = first_cpu(*reader);
  PinToCpu pin(cpu);
  ASSERT_TRUE(pin.ok());
  std::uint64_t next = 0, expected = 0, position = 0, wrapped = 0;
  // The ring starts at position 0: a record of header (8) + size (4) + sample bytes wraps when it crosses a
  // multiple of the ring size.
  auto account = [&](std::span<const std::byte> sample) {
    const std::uint64_t len = 8 + 4 + sample.size();
    if ((position % kRing) + len > kRing) ++wrapped;
    position += len;
  };
  for (int batch = 0; batch < 40; ++batch) {
    ASSERT_EQ(produce(next, 20).submitted, 20u);
    next += 20;
    for (int i = 0; i < 10; ++i) {
      int calls = 0;
      std::size_t got = reader->consume([&](const perf::Event& ev) {
        ++calls;
        EXPECT_EQ(ev.lost, 0u);
        EXPECT_EQ(check_perf_sample(ev.sample), expected);
        account(ev.sample);
        ++expected;
        return false;
      });
      ASSERT_EQ(got, 1u) << "batch " << batch << " record " << i;
      ASSERT_EQ(calls, 1);
    }
    EXPECT_GT(reader->available_bytes(0), 0u);
    for (int i = 0; i < 10; ++i) {
      auto rec = reader->read();
      ASSERT_TRUE(rec) << rec.error().message();
      EXPECT_EQ(rec->cpu, cpu);
      EXPECT_EQ(check_perf_sample(rec->sample), expected);
      account(rec->sample);
      ++expected;
      EXPECT_EQ(rec->remaining == 0, i == 9) << "batch " << batch << " record " << i;
    }
    EXPECT_EQ(reader->available_bytes(0), 0u);
  }
  EXPECT_EQ(expected, 800u);
  EXPECT_GT(wrapped, 0u) << "no record wrapped the ring: the test does not cover the copy";
  EXPECT_EQ(reader->consume([](const perf::Event&) { return false; }), 0u);
}

// The reader walks runs of equal-size samples by predicting each next header from the previous size: runs of
// every length, size changes inside a batch and records that wrap the ring all arrive whole and in order.
TEST_F(PerfReader, RunsOfEqualSizesAndSizeChangesArriveInOrderAcrossWraps) {
  constexpr std::uint64_t kRing = 8192;
  auto reader = perf::Reader::open(map("bench"), {.per_cpu_buffer = kRing});
  ASSERT_TRUE(reader) << reader.error().message();
  const int cpu = first_cpu(*reader);
  PinToCpu pin(cpu);
  ASSERT_TRUE(pin.ok());
  constexpr std::uint32_t kSizes[3] = {16, 64, 512};
  std::vector<std::uint32_t> size_of;  // by sequence number
  std::uint64_t expected = 0, position = 0, wrapped = 0, changes = 0;
  std::uint32_t rng = 12345;
  for (int batch = 0; batch < 150; ++batch) {
    // A few runs of 1 to 8 samples of one size each, less than the ring in total (a full ring drops).
    std::uint64_t bytes = 0;
    for (int run = 0; run < 4; ++run) {
      rng = rng * 1103515245u + 12345u;
      const std::uint32_t size = kSizes[(rng >> 16) % 3];
      const std::uint64_t count = 1 + (rng >> 20) % 8;
      const std::uint64_t record = 8 + 4 + perf::Reader::padded_size(size);
      if (bytes + count * record >= kRing) break;  // the kernel keeps one byte free
      bytes += count * record;
      const auto a = produce(size_of.size(), count, "bench_" + std::to_string(size));
      ASSERT_EQ(a.submitted, count);
      ASSERT_EQ(a.dropped, 0u);
      size_of.insert(size_of.end(), count, size);
    }
    std::uint32_t previous = 0;
    reader->consume([&](const perf::Event& ev) {
      ASSERT_LT(expected, size_of.size());
      ASSERT_EQ(ev.lost, 0u);
      ASSERT_EQ(ev.sample.size(), perf::Reader::padded_size(size_of[expected])) << "sample " << expected;
      std::uint64_t seq = 0;
      std::memcpy(&seq, ev.sample.data(), 8);
      EXPECT_EQ(seq, expected);
      const std::uint64_t len = 8 + 4 + ev.sample.size();
      if ((position % kRing) + len > kRing) ++wrapped;
      position += len;
      if (previous != 0 && previous != size_of[expected]) ++changes;
      previous = size_of[expected];
      ++expected;
    });
    ASSERT_EQ(expected, size_of.size()) << "batch " << batch;
    EXPECT_EQ(reader->available_bytes(0), 0u);
  }
  EXPECT_GT(wrapped, 0u) << "no record wrapped the ring";
  EXPECT_GT(changes, 100u) << "too few size changes within a batch";
}

TEST_F(PerfReader, OneRingPerOnlineCpuEachSampleTaggedWithItsCpu) {
  auto reader = perf::Reader::open(map("events"));
  ASSERT_TRUE(reader) << reader.error().message();
  EXPECT_EQ(reader->per_cpu_buffer(), 65536u);
  for (std::size_t i = 0; i < reader->rings(); ++i) {
    PinToCpu pin(reader->cpu(i));
    ASSERT_TRUE(pin.ok());
    auto a = produce(100 * i, 3);
    ASSERT_EQ(a.submitted, 3u);
  }
  std::vector<std::vector<std::uint64_t>> by_cpu(reader->rings());
  reader->consume([&](const perf::Event& ev) {
    ASSERT_GE(ev.cpu, 0);
    for (std::size_t i = 0; i < reader->rings(); ++i)
      if (reader->cpu(i) == ev.cpu) by_cpu[i].push_back(check_perf_sample(ev.sample));
  });
  for (std::size_t i = 0; i < reader->rings(); ++i)
    EXPECT_EQ(by_cpu[i], (std::vector<std::uint64_t>{100 * i, 100 * i + 1, 100 * i + 2})) << "cpu " << reader->cpu(i);
}

TEST_F(PerfReader, LostSamplesAreCountedExactly) {
  auto reader = perf::Reader::open(map("events"), {.per_cpu_buffer = 4096});
  ASSERT_TRUE(reader) << reader.error().message();
  PinToCpu pin(first_cpu(*reader));
  ASSERT_TRUE(pin.ok());
  auto a = produce(0, 200);  // about 35 KiB into a 4 KiB ring
  ASSERT_GT(a.dropped, 0u);
  ASSERT_GT(a.submitted, 0u);
  EXPECT_EQ(a.submitted + a.dropped, 200u);
  std::uint64_t samples = 0, lost = 0, last = 0;
  auto count = [&](const perf::Event& ev) {
    if (ev.lost != 0) {
      EXPECT_TRUE(ev.sample.empty());
      lost += ev.lost;
      return;
    }
    const std::uint64_t seq = check_perf_sample(ev.sample);
    if (samples > 0) {
      EXPECT_GT(seq, last);
    }
    last = seq;
    ++samples;
  };
  reader->consume(count);
  EXPECT_EQ(samples, a.submitted);
  // The kernel reports the drops in a lost record written before the next sample that fits.
  auto b = produce(1000, 1);
  ASSERT_EQ(b.submitted, 1u);
  reader->consume(count);
  EXPECT_EQ(samples, a.submitted + 1u);
  EXPECT_EQ(last, 1000u);
  EXPECT_EQ(lost, a.dropped);
}

TEST_F(PerfReader, WatermarkInEventsAndBytesDelaysTheWakeUp) {
  auto ready = [](const perf::Reader& r) {
    epoll_event ev[4];
    return ::epoll_wait(r.epoll_fd(), ev, 4, 0);
  };
  {
    auto reader = perf::Reader::open(map("events"), {.watermark_events = 5});
    ASSERT_TRUE(reader) << reader.error().message();
    PinToCpu pin(first_cpu(*reader));
    produce(0, 4);
    EXPECT_EQ(ready(*reader), 0);
    produce(4, 1);
    EXPECT_EQ(ready(*reader), 1);
    EXPECT_EQ(reader->consume([](const perf::Event& ev) { check_perf_sample(ev.sample); }), 5u);
  }
  {
    auto reader = perf::Reader::open(map("events"), {.watermark_bytes = 2048});
    ASSERT_TRUE(reader) << reader.error().message();
    PinToCpu pin(first_cpu(*reader));
    produce(0, 4);  // 16 + 40 + 100 + 512 bytes and headers: under 2 KiB
    EXPECT_EQ(ready(*reader), 0);
    produce(4, 8);
    EXPECT_EQ(ready(*reader), 1);
    EXPECT_EQ(reader->consume([](const perf::Event& ev) { check_perf_sample(ev.sample); }), 12u);
  }
}

TEST_F(PerfReader, OverwritableRingKeepsTheNewestSamples) {
  auto reader = perf::Reader::open(map("events"), {.per_cpu_buffer = 4096, .overwritable = true});
  ASSERT_TRUE(reader) << reader.error().message();
  PinToCpu pin(first_cpu(*reader));
  auto a = produce(0, 100);  // far more than the ring holds: old samples are overwritten, none refused
  EXPECT_EQ(a.dropped, 0u);
  EXPECT_EQ(a.submitted, 100u);
  std::vector<std::uint64_t> seqs;
  std::uint64_t bytes = 0;
  reader->consume([&](const perf::Event& ev) {
    EXPECT_EQ(ev.lost, 0u);
    seqs.push_back(check_perf_sample(ev.sample));
    bytes += ev.sample.size() + 12;
  });
  ASSERT_GT(seqs.size(), 3u);
  EXPECT_LE(bytes, 4096u);
  EXPECT_EQ(seqs.front(), 99u);  // newest first, consecutive
  for (std::size_t i = 1; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], seqs[i - 1] - 1);
  // The next read hands out only what was written since.
  produce(100, 3);
  seqs.clear();
  reader->consume([&](const perf::Event& ev) { seqs.push_back(check_perf_sample(ev.sample)); });
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{102, 101, 100}));
  // read_into takes one at a time; the ring stays paused until the window is read.
  produce(103, 2);
  perf::Record rec;
  ASSERT_TRUE(reader->read_into(rec));
  EXPECT_EQ(check_perf_sample(rec.sample), 104u);
  ASSERT_TRUE(reader->read_into(rec));
  EXPECT_EQ(check_perf_sample(rec.sample), 103u);
}

TEST_F(PerfReader, PausedRingsDropAndReportTheDrops) {
  auto reader = perf::Reader::open(map("events"));
  ASSERT_TRUE(reader) << reader.error().message();
  PinToCpu pin(first_cpu(*reader));
  ASSERT_TRUE(reader->pause());
  auto a = produce(0, 5);
  EXPECT_EQ(a.submitted, 0u);
  EXPECT_EQ(a.dropped, 5u);
  EXPECT_EQ(reader->consume([](const perf::Event&) {}), 0u);
  ASSERT_TRUE(reader->resume());
  produce(5, 1);
  std::uint64_t lost = 0;
  std::vector<std::uint64_t> seqs;
  reader->consume([&](const perf::Event& ev) {
    if (ev.lost != 0)
      lost += ev.lost;
    else
      seqs.push_back(check_perf_sample(ev.sample));
  });
  EXPECT_EQ(lost, 5u);
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{5}));
}

TEST_F(PerfReader, ReadBlocksUntilDataThenHonoursTheDeadline) {
  auto reader = perf::Reader::open(map("events"));
  ASSERT_TRUE(reader) << reader.error().message();
  auto none = reader->poll(std::chrono::milliseconds(20), [](const perf::Event&) {});
  ASSERT_TRUE(none) << none.error().message();
  EXPECT_EQ(*none, 0u);
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    produce(42, 1);
  });
  reader->set_deadline(std::chrono::steady_clock::now() + std::chrono::seconds(10));
  auto rec = reader->read();
  producer.join();
  ASSERT_TRUE(rec) << rec.error().message();
  EXPECT_EQ(check_perf_sample(rec->sample), 42u);
  EXPECT_EQ(rec->remaining, 0u);
  EXPECT_GE(rec->cpu, 0);
  reader->set_deadline(std::chrono::steady_clock::now() + std::chrono::milliseconds(30));
  auto late = reader->read();
  ASSERT_FALSE(late);
  EXPECT_TRUE(late.error().is(std::errc::timed_out)) << late.error().message();
}

TEST_F(PerfReader, CloseFromAnotherThreadWakesABlockedRead) {
  auto reader = perf::Reader::open(map("events"));
  ASSERT_TRUE(reader) << reader.error().message();
  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    reader->close();
  });
  auto rec = reader->read();
  closer.join();
  ASSERT_FALSE(rec);
  EXPECT_TRUE(rec.error().is(errc::closed)) << rec.error().message();
}

TEST_F(PerfReader, TypedReadChecksTheSize) {
  auto reader = perf::Reader::open(map("events"));
  ASSERT_TRUE(reader) << reader.error().message();
  PinToCpu pin(first_cpu(*reader));
  produce(0, 2);  // 16 bytes (20 with padding), then 40
  struct Sixteen {
    std::uint64_t seq;
    std::uint32_t size;
    std::uint8_t fill[4];
  };
  auto first = reader->read<Sixteen>();
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->seq, 0u);
  EXPECT_EQ(first->size, 16u);
  auto second = reader->read<Sixteen>();
  ASSERT_FALSE(second);
  EXPECT_TRUE(second.error().is(errc::invalid_argument)) << second.error().message();
}

TEST_F(PerfReader, ClosingTheReaderRemovesItsEventsFromTheArray) {
  {
    auto reader = perf::Reader::open(map("events"));
    ASSERT_TRUE(reader) << reader.error().message();
    auto a = produce(0, 1);
    EXPECT_EQ(a.submitted, 1u);
  }
  auto b = produce(0, 1);  // no event in the array any more: the helper fails
  EXPECT_EQ(b.submitted, 0u);
  EXPECT_EQ(b.dropped, 1u);
}

TEST_F(PerfReader, RefusesMapsThatAreNotPerfEventArrays) {
  auto reader = perf::Reader::open(map("scratch"));
  ASSERT_FALSE(reader);
  EXPECT_TRUE(reader.error().is(errc::invalid_argument));
  EXPECT_NE(reader.error().message().find("scratch"), std::string::npos) << reader.error().message();
}

}  // namespace
}  // namespace ebpf
