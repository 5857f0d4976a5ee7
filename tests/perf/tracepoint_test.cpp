// Perf buffer samples written by a tracepoint program that the test fires itself (getpid()) on a pinned CPU.
#include "ebpf/perf/reader.hpp"
#include "perf_test_util.hpp"
#include "support/events_tracepoint.hpp"

namespace ebpf {
namespace {

class PerfTracepoint : public test::EventsTracepointTest {};

TEST_F(PerfTracepoint, EveryFiredEventArrivesOnceInOrderOnItsCpu) {
  auto reader = perf::Reader::open(map("perf"));
  ASSERT_TRUE(reader) << reader.error().message();
  const int cpu = reader->cpu(reader->rings() - 1);
  test::PinToCpu pin(cpu);
  ASSERT_TRUE(pin.ok());
  attach();
  if (HasFatalFailure()) return;
  getpid_n(100);
  std::vector<std::uint64_t> seqs;
  auto n = reader->poll(std::chrono::milliseconds(1000), [&](const perf::Event& ev) {
    EXPECT_EQ(ev.lost, 0u);
    EXPECT_EQ(ev.cpu, cpu);
    EXPECT_EQ(ev.sample.size(), perf::Reader::padded_size(sizeof(test::TracepointRecord)));
    seqs.push_back(check(ev.sample));
  });
  ASSERT_TRUE(n) << n.error().message();
  ASSERT_EQ(seqs.size(), 100u);
  for (std::uint64_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i);
  getpid_n(1);
  auto one = reader->read<test::TracepointRecord>();
  ASSERT_TRUE(one) << one.error().message();
  EXPECT_EQ(one->seq, 100u);
}

}  // namespace
}  // namespace ebpf
