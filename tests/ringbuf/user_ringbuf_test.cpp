// The user ring buffer writer against a program that drains it: `drain` (tests/bpf/user_ringbuf.bpf.c) copies
// every sample it reads with bpf_user_ringbuf_drain into a kernel ring buffer, which the test reads back and
// compares byte for byte with what it wrote.
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <thread>
#include <vector>

#include "ebpf/collection.hpp"
#include "ebpf/map.hpp"
#include "ebpf/ringbuf/reader.hpp"
#include "ebpf/ringbuf/writer.hpp"
#include "support/kernel_test.hpp"

namespace ebpf {
namespace {

struct DrainArgs {
  std::uint32_t copied = 0;
  std::uint32_t errors = 0;
  std::uint64_t flags = 0;
};

class UserRingbuf : public test::KernelTest {
 protected:
  void SetUp() override {
    test::KernelTest::SetUp();
    if (IsSkipped()) return;
    auto spec = load_collection_spec(test::bpf_object("user_ringbuf"));
    ASSERT_TRUE(spec) << spec.error().message();
    auto coll = Collection::load(*spec);
    if (!coll && coll.error().is(errc::not_supported)) EBPF_SKIP_KERNEL_LACKS(coll.error().message());
    ASSERT_TRUE(coll) << coll.error().message();
    coll_.emplace(std::move(*coll));
  }
  void TearDown() override {
    coll_.reset();
    test::KernelTest::TearDown();
  }
  Map& map(std::string_view name) { return **coll_->map(name); }

  // Runs the draining program until the ring is empty (a discarded sample ends one drain call); returns the
  // samples it echoed.
  std::uint32_t drain(const ringbuf::Writer& w) {
    std::uint32_t copied = 0;
    for (int i = 0; i < 1000; ++i) {
      DrainArgs a;
      auto r = (*coll_->program("drain"))->run({.context = std::as_bytes(std::span(&a, 1))});
      EXPECT_TRUE(r) << r.error().message();
      if (!r) break;
      EXPECT_EQ(a.errors, 0u);
      EXPECT_GE(static_cast<std::int32_t>(r->retval), 0);
      copied += a.copied;
      if (w.pending_bytes() == 0) break;
    }
    return copied;
  }

  std::optional<Collection> coll_;
};

// Sample n: u32 size, u32 n, then (n & 0xff) repeated.
std::uint32_t sample_size(std::uint32_t n) { return 8 + (n * 37) % 248; }
void fill(std::span<std::byte> s, std::uint32_t n) {
  const auto size = static_cast<std::uint32_t>(s.size());
  std::memcpy(s.data(), &size, 4);
  std::memcpy(s.data() + 4, &n, 4);
  std::memset(s.data() + 8, static_cast<int>(n & 0xff), s.size() - 8);
}
std::uint32_t check(std::span<const std::byte> s) {
  std::uint32_t size = 0, n = 0;
  EXPECT_GE(s.size(), 8u);
  if (s.size() < 8) return UINT32_MAX;
  std::memcpy(&size, s.data(), 4);
  std::memcpy(&n, s.data() + 4, 4);
  EXPECT_EQ(size, s.size());
  EXPECT_EQ(size, sample_size(n)) << "sample " << n;
  for (std::size_t j = 8; j < s.size(); ++j) {
    if (s[j] != std::byte(n & 0xff)) {
      ADD_FAILURE() << "sample " << n << " byte " << j;
      break;
    }
  }
  return n;
}

TEST_F(UserRingbuf, SamplesAreDrainedInOrderByteForByteAcrossWraps) {
  auto writer = ringbuf::Writer::open(map("input"));
  ASSERT_TRUE(writer) << writer.error().message();
  EXPECT_EQ(writer->size(), 4096u);
  auto echo = ringbuf::Reader::open(map("echo"));
  ASSERT_TRUE(echo) << echo.error().message();
  std::uint32_t n = 0, expected = 0, total = 0;
  // 50 rounds of 12 samples (about 1.7 KiB) go round the 4 KiB ring many times; every 5th is discarded.
  for (int round = 0; round < 50; ++round) {
    std::uint32_t submitted = 0;
    for (int i = 0; i < 12; ++i, ++n) {
      auto s = writer->reserve(sample_size(n));
      ASSERT_TRUE(s) << "sample " << n << ": " << s.error().message();
      fill(*s, n);
      if (n % 5 == 0) {
        writer->discard(*s);
      } else {
        writer->submit(*s);
        ++submitted;
      }
    }
    EXPECT_GT(writer->pending_bytes(), 0u);
    EXPECT_EQ(drain(*writer), submitted) << "round " << round;
    EXPECT_EQ(writer->pending_bytes(), 0u);
    total += echo->consume([&](std::span<const std::byte> rec) {
      if (expected % 5 == 0) ++expected;
      EXPECT_EQ(check(rec), expected);
      ++expected;
    });
  }
  EXPECT_EQ(total, 600u - 120u);
}

TEST_F(UserRingbuf, AnUnsubmittedReservationHoldsBackTheRest) {
  auto writer = ringbuf::Writer::open(map("input"));
  ASSERT_TRUE(writer) << writer.error().message();
  auto held = writer->reserve(sample_size(0));
  ASSERT_TRUE(held);
  fill(*held, 0);
  std::vector<std::byte> one(sample_size(1));
  fill(one, 1);
  ASSERT_TRUE(writer->write(std::span<const std::byte>(one)));
  EXPECT_EQ(drain(*writer), 0u);
  writer->submit(*held);
  EXPECT_EQ(drain(*writer), 2u);
  auto echo = ringbuf::Reader::open(map("echo"));
  ASSERT_TRUE(echo);
  std::vector<std::uint32_t> got;
  echo->consume([&](std::span<const std::byte> rec) { got.push_back(check(rec)); });
  EXPECT_EQ(got, (std::vector<std::uint32_t>{0, 1}));
}

TEST_F(UserRingbuf, FullRingReserveWaitsForTheProgramToDrain) {
  auto writer = ringbuf::Writer::open(map("input"));
  ASSERT_TRUE(writer) << writer.error().message();
  std::uint32_t n = 0;
  for (;; ++n) {
    auto s = writer->reserve(200);
    if (!s) {
      EXPECT_TRUE(s.error().is(std::errc::no_space_on_device)) << s.error().message();
      break;
    }
    std::memset(s->data(), 0, s->size());
    const std::uint32_t size = 200;
    std::memcpy(s->data(), &size, 4);
    std::memcpy(s->data() + 4, &n, 4);
    writer->submit(*s);
  }
  EXPECT_EQ(n, 4096u / 208);
  // A bounded wait on a full ring gives up.
  const auto t0 = std::chrono::steady_clock::now();
  auto late = writer->reserve(200, std::chrono::milliseconds(30));
  ASSERT_FALSE(late);
  EXPECT_TRUE(late.error().is(std::errc::no_space_on_device)) << late.error().message();
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(25));
  // The program draining from another thread wakes a blocked reserve.
  std::uint32_t drained = 0;
  std::thread consumer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    DrainArgs a;
    auto r = (*coll_->program("drain"))->run({.context = std::as_bytes(std::span(&a, 1))});
    if (r) drained = a.copied;
  });
  writer->set_deadline(std::chrono::steady_clock::now() + std::chrono::seconds(10));
  auto s = writer->reserve(200, std::chrono::milliseconds(-1));
  consumer.join();
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(drained, n);
  writer->discard(*s);
}

TEST_F(UserRingbuf, CloseWakesABlockedReserve) {
  auto writer = ringbuf::Writer::open(map("input"));
  ASSERT_TRUE(writer) << writer.error().message();
  while (writer->reserve(1000)) {
  }
  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    writer->close();
  });
  auto s = writer->reserve(1000, std::chrono::milliseconds(-1));
  closer.join();
  ASSERT_FALSE(s);
  EXPECT_TRUE(s.error().is(errc::closed)) << s.error().message();
}

TEST_F(UserRingbuf, RefusesSamplesThatCannotFitAndOtherMaps) {
  auto writer = ringbuf::Writer::open(map("input"));
  ASSERT_TRUE(writer) << writer.error().message();
  auto big = writer->reserve(4096);
  ASSERT_FALSE(big);
  EXPECT_TRUE(big.error().is(errc::invalid_argument));
  auto zero = writer->reserve(0);
  ASSERT_FALSE(zero);
  EXPECT_TRUE(zero.error().is(errc::invalid_argument));
  auto wrong = ringbuf::Writer::open(map("echo"));
  ASSERT_FALSE(wrong);
  EXPECT_TRUE(wrong.error().is(errc::invalid_argument));
  EXPECT_NE(wrong.error().message().find("echo"), std::string::npos) << wrong.error().message();
}

}  // namespace
}  // namespace ebpf
