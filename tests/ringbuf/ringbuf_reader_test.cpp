// The ring buffer reader against records the kernel writes: a syscall program run with BPF_PROG_TEST_RUN
// reserves records of varied sizes (discarding some, filling the ring), and every record is checked byte for
// byte, in order, none lost, none duplicated.
#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "ebpf/collection.hpp"
#include "ebpf/features/features.hpp"
#include "ebpf/map.hpp"
#include "ebpf/ringbuf/reader.hpp"
#include "support/kernel_test.hpp"

namespace ebpf {
namespace {

struct Args {
  std::uint64_t start = 0;
  std::uint64_t count = 0;
  std::uint32_t discard_every = 0;
  std::uint32_t submitted = 0;
  std::uint32_t dropped = 0;
  std::uint32_t to_other = 0;
};

constexpr std::uint32_t kSizes[4] = {16, 40, 100, 512};

class RingbufReader : public test::KernelTest {
 protected:
  void SetUp() override {
    test::KernelTest::SetUp();
    if (IsSkipped()) return;
    auto spec = load_collection_spec(test::bpf_object("ringbuf_records"));
    ASSERT_TRUE(spec) << spec.error().message();
    EBPF_REQUIRE_KERNEL(features::have_map_type(MapType::ringbuf), "ring buffer maps");
    EBPF_REQUIRE_KERNEL(features::have_program_type(ProgramType::syscall), "syscall programs");
    auto coll = Collection::load(*spec);
    ASSERT_TRUE(coll) << coll.error().message();
    coll_.emplace(std::move(*coll));
  }
  void TearDown() override {
    coll_.reset();
    test::KernelTest::TearDown();
  }

  Map& map(std::string_view name) { return **coll_->map(name); }

  // Runs the producer; returns the args as the program wrote them back.
  Args produce(std::uint64_t start, std::uint32_t count, std::uint32_t discard_every = 0, bool to_other = false) {
    Args a{.start = start, .count = count, .discard_every = discard_every, .to_other = to_other ? 1u : 0u};
    // Syscall programs write the context back into ctx_in.
    auto r = (*coll_->program("produce"))->run({.context = std::as_bytes(std::span(&a, 1))});
    EXPECT_TRUE(r) << r.error().message();
    if (r) {
      EXPECT_EQ(r->retval, a.submitted);
    }
    return a;
  }

  std::optional<Collection> coll_;
};

// Checks one record as the program wrote it and returns its sequence number.
std::uint64_t check_record(std::span<const std::byte> rec) {
  std::uint64_t seq = 0;
  std::uint32_t size = 0;
  EXPECT_GE(rec.size(), 12u);
  if (rec.size() < 12) return UINT64_MAX;
  std::memcpy(&seq, rec.data(), 8);
  std::memcpy(&size, rec.data() + 8, 4);
  EXPECT_EQ(size, kSizes[seq % 4]) << "record " << seq;
  EXPECT_EQ(rec.size(), size) << "record " << seq;
  for (std::size_t j = 12; j < rec.size(); ++j) {
    if (rec[j] != std::byte(size & 0xff)) {
      ADD_FAILURE() << "record " << seq << " byte " << j;
      break;
    }
  }
  return seq;
}

TEST_F(RingbufReader, RecordsInOrderByteForByteAcrossWraps) {
  auto reader = ringbuf::Reader::open(map("events"));
  ASSERT_TRUE(reader) << reader.error().message();
  EXPECT_EQ(reader->size(), 16384u);
  EXPECT_EQ(reader->available_bytes(), 0u);
  std::uint64_t next = 0, expected_seq = 0, total = 0;
  // 40 batches of 30 records (about 5 KiB each) go round the 16 KiB ring many times, so records wrap its end.
  for (int batch = 0; batch < 40; ++batch) {
    Args a = produce(next, 30, 7);
    ASSERT_EQ(a.dropped, 0u);
    ASSERT_GT(a.submitted, 0u) << "batch " << batch;
    EXPECT_GT(reader->available_bytes(), 0u);
    std::size_t got = reader->consume([&](std::span<const std::byte> rec) {
      std::uint64_t seq = check_record(rec);
      if (expected_seq % 7 == 0) ++expected_seq;  // discarded by the program: skipped by the reader
      EXPECT_EQ(seq, expected_seq);
      expected_seq = seq + 1;
    });
    EXPECT_EQ(got, a.submitted);
    total += got;
    next += 30;
    EXPECT_EQ(reader->available_bytes(), 0u);
  }
  EXPECT_EQ(total, 40u * 30 - (40u * 30 + 6) / 7);
  EXPECT_EQ(reader->consume([](std::span<const std::byte>) {}), 0u);
}

TEST_F(RingbufReader, FullRingRefusesReservationsAndLosesNothingItAccepted) {
  auto reader = ringbuf::Reader::open(map("events"));
  ASSERT_TRUE(reader) << reader.error().message();
  Args a = produce(0, 400);
  EXPECT_GT(a.dropped, 0u);
  EXPECT_EQ(a.submitted + a.dropped, 400u);
  std::vector<std::uint64_t> seqs;
  reader->consume([&](std::span<const std::byte> rec) { seqs.push_back(check_record(rec)); });
  ASSERT_EQ(seqs.size(), a.submitted);
  for (std::size_t i = 1; i < seqs.size(); ++i) EXPECT_LT(seqs[i - 1], seqs[i]);
  EXPECT_EQ(seqs.front(), 0u);
  // Room again once consumed.
  Args b = produce(1000, 20);
  EXPECT_EQ(b.dropped, 0u);
  EXPECT_EQ(reader->consume([](std::span<const std::byte> rec) { check_record(rec); }), 20u);
}

TEST_F(RingbufReader, CallbackReturningFalseStopsAndTheRestStays) {
  auto reader = ringbuf::Reader::open(map("events"));
  ASSERT_TRUE(reader) << reader.error().message();
  produce(0, 10);
  int seen = 0;
  EXPECT_EQ(reader->consume([&](std::span<const std::byte>) { return ++seen < 3; }), 3u);
  std::uint64_t first = UINT64_MAX;
  EXPECT_EQ(reader->consume([&](std::span<const std::byte> rec) {
    if (first == UINT64_MAX) first = check_record(rec);
  }), 7u);
  EXPECT_EQ(first, 3u);
}

TEST_F(RingbufReader, SeveralRingsInOneReader) {
  auto reader = ringbuf::Reader::open(map("events"));
  ASSERT_TRUE(reader) << reader.error().message();
  ASSERT_TRUE(reader->add(map("other")));
  EXPECT_EQ(reader->rings(), 2u);
  EXPECT_EQ(reader->size(1), 4096u);
  produce(0, 5);
  produce(100, 3, 0, true);
  std::vector<std::uint64_t> seqs;
  auto polled = reader->poll(std::chrono::milliseconds(1000), [&](std::span<const std::byte> r) {
    seqs.push_back(check_record(r));
  });
  ASSERT_TRUE(polled) << polled.error().message();
  EXPECT_EQ(*polled, 8u);
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{0, 1, 2, 3, 4, 100, 101, 102}));
  // read() serves both rings and says which one a record came from.
  produce(200, 1, 0, true);
  ringbuf::Record rec;
  ASSERT_TRUE(reader->read_into(rec));
  EXPECT_EQ(rec.ring, 1u);
  EXPECT_EQ(check_record(rec.sample), 200u);
}

TEST_F(RingbufReader, ReadBlocksUntilDataThenHonoursTheDeadline) {
  auto reader = ringbuf::Reader::open(map("events"));
  ASSERT_TRUE(reader) << reader.error().message();
  // Empty: poll with a timeout returns no records, no error.
  auto none = reader->poll(std::chrono::milliseconds(20), [](std::span<const std::byte>) {});
  ASSERT_TRUE(none) << none.error().message();
  EXPECT_EQ(*none, 0u);
  // A record produced from another thread wakes a blocked read().
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    produce(42, 1);
  });
  reader->set_deadline(std::chrono::steady_clock::now() + std::chrono::seconds(10));
  auto rec = reader->read();
  producer.join();
  ASSERT_TRUE(rec) << rec.error().message();
  EXPECT_EQ(check_record(rec->sample), 42u);
  EXPECT_EQ(rec->remaining, 0u);
  // Nothing more: the deadline passes.
  reader->set_deadline(std::chrono::steady_clock::now() + std::chrono::milliseconds(30));
  const auto t0 = std::chrono::steady_clock::now();
  auto late = reader->read();
  ASSERT_FALSE(late);
  EXPECT_TRUE(late.error().is(std::errc::timed_out)) << late.error().message();
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(25));
}

TEST_F(RingbufReader, CloseFromAnotherThreadWakesABlockedRead) {
  auto reader = ringbuf::Reader::open(map("events"));
  ASSERT_TRUE(reader) << reader.error().message();
  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    reader->close();
  });
  auto rec = reader->read();
  closer.join();
  ASSERT_FALSE(rec);
  EXPECT_TRUE(rec.error().is(errc::closed)) << rec.error().message();
  auto again = reader->poll(std::chrono::milliseconds(-1), [](std::span<const std::byte>) {});
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is(errc::closed));
}

TEST_F(RingbufReader, TypedReadChecksTheSize) {
  auto reader = ringbuf::Reader::open(map("events"));
  ASSERT_TRUE(reader) << reader.error().message();
  produce(0, 2);  // 16 and 40 bytes
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

TEST_F(RingbufReader, RefusesMapsThatAreNotRingBuffers) {
  MapSpec spec;
  spec.name = "not_a_ring";
  spec.type = MapType::array;
  spec.key_size = 4;
  spec.value_size = 4;
  spec.max_entries = 1;
  auto m = Map::create(spec);
  ASSERT_TRUE(m) << m.error().message();
  auto reader = ringbuf::Reader::open(*m);
  ASSERT_FALSE(reader);
  EXPECT_TRUE(reader.error().is(errc::invalid_argument));
  EXPECT_NE(reader.error().message().find("not_a_ring"), std::string::npos) << reader.error().message();
}

TEST_F(RingbufReader, OutlivesTheMapItWasOpenedOn) {
  auto reader = ringbuf::Reader::open(map("events"));
  ASSERT_TRUE(reader) << reader.error().message();
  auto prog = coll_->detach_program("produce");
  ASSERT_TRUE(prog);
  coll_.reset();  // the maps' fds close; the reader holds its own
  Args a{.count = 3};
  auto r = prog->run({.context = std::as_bytes(std::span(&a, 1))});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(reader->consume([](std::span<const std::byte> rec) { check_record(rec); }), 3u);
}

}  // namespace
}  // namespace ebpf
