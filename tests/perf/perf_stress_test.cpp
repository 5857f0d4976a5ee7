// Two threads: the kernel writing samples at full speed on one CPU (a thread looping BPF_PROG_TEST_RUN of
// bench_16) and the reader consuming them in user space. Samples the full ring refuses are reported by lost
// records: samples read + samples lost = samples written, and sequence numbers only grow.
#include <atomic>
#include <cstring>
#include <thread>

#include "perf_test_util.hpp"

namespace ebpf {
namespace {

class PerfStress : public test::PerfTest {};

TEST_F(PerfStress, EverySampleIsReadOrCountedAsLost) {
  auto reader = perf::Reader::open(map("bench"), {.per_cpu_buffer = 64 * 1024});
  ASSERT_TRUE(reader) << reader.error().message();
  constexpr std::uint64_t kTotal = 500'000;
  std::atomic<std::uint64_t> attempts{0}, dropped{0};
  std::atomic<bool> done{false};
  const int cpu = reader->cpu(0);
  std::thread producer([&] {
    test::PinToCpu pin(cpu);
    std::uint64_t next = 0, lost = 0;
    while (next < kTotal) {
      auto a = produce(next, std::min<std::uint64_t>(kTotal - next, 4096), "bench_16");
      next += a.submitted + a.dropped;
      lost += a.dropped;
      if (a.submitted + a.dropped == 0) break;  // the program failed
    }
    // A sentinel the reader waits for; it also makes the kernel report drops still pending.
    for (int i = 0; i < 1000; ++i) {
      auto a = produce(next, 1, "bench_16");
      ++next;
      lost += a.dropped;
      if (a.submitted == 1) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    attempts = next;
    dropped = lost;
    done = true;
  });
  reader->set_deadline(std::chrono::steady_clock::now() + std::chrono::seconds(120));
  std::uint64_t samples = 0, lost = 0, last = 0, bad = 0;
  bool sentinel = false;
  while (!sentinel) {
    auto n = reader->poll(std::chrono::milliseconds(-1), [&](const perf::Event& ev) {
      if (ev.lost != 0) {
        lost += ev.lost;
        return;
      }
      std::uint64_t seq = 0;
      if (ev.sample.size() != perf::Reader::padded_size(16) || ev.cpu != cpu) ++bad;
      std::memcpy(&seq, ev.sample.data(), 8);
      if (samples > 0 && seq <= last) ++bad;
      last = seq;
      ++samples;
      if (seq >= kTotal) sentinel = true;
    });
    if (!n) {
      ADD_FAILURE() << "after " << samples << " samples: " << n.error().message();
      break;
    }
  }
  producer.join();
  ASSERT_TRUE(done);
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(lost, dropped.load());
  EXPECT_EQ(samples + lost, attempts.load());
  EXPECT_GT(samples, 0u);
}

}  // namespace
}  // namespace ebpf
