// Ring buffer records written by a tracepoint program that the test fires itself (getpid()).
#include "ebpf/ringbuf/reader.hpp"
#include "support/events_tracepoint.hpp"

namespace ebpf {
namespace {

class RingbufTracepoint : public test::EventsTracepointTest {};

TEST_F(RingbufTracepoint, EveryFiredEventArrivesOnceInOrder) {
  auto reader = ringbuf::Reader::open(map("ring"));
  ASSERT_TRUE(reader) << reader.error().message();
  attach();
  if (HasFatalFailure()) return;
  getpid_n(100);
  std::vector<std::uint64_t> seqs;
  auto n = reader->poll(std::chrono::milliseconds(1000), [&](std::span<const std::byte> rec) {
    seqs.push_back(check(rec));
  });
  ASSERT_TRUE(n) << n.error().message();
  ASSERT_EQ(seqs.size(), 100u);
  for (std::uint64_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i);
  // read<T>() on the same kind of record.
  getpid_n(1);
  auto one = reader->read<test::TracepointRecord>();
  ASSERT_TRUE(one) << one.error().message();
  EXPECT_EQ(one->seq, 100u);
}

}  // namespace
}  // namespace ebpf
