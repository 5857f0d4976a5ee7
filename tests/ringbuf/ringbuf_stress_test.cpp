// Two threads: the kernel producing at full speed (a thread looping BPF_PROG_TEST_RUN of `stream`, which
// writes records in a bpf_loop until the ring is full) and the reader consuming in user space. Every sequence
// number arrives once, in order. Also built alone under ThreadSanitizer (see docs/readers.md).
// EBPFPP_STRESS_RECORDS overrides the 10 M records.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

#include "ebpf/collection.hpp"
#include "ebpf/map.hpp"
#include "ebpf/ringbuf/reader.hpp"
#include "support/kernel_test.hpp"

namespace ebpf {
namespace {

struct StreamArgs {
  std::uint64_t start = 0;
  std::uint64_t count = 0;
  std::uint64_t written = 0;
};

std::uint64_t stress_records() {
  if (const char* e = std::getenv("EBPFPP_STRESS_RECORDS"); e != nullptr && *e != '\0')
    return std::strtoull(e, nullptr, 10);
  return 10'000'000;
}

class RingbufStress : public test::KernelTest {};

TEST_F(RingbufStress, KernelProducerAndUserConsumerLoseNothing) {
  auto spec = load_collection_spec(test::bpf_object("ringbuf_records"));
  ASSERT_TRUE(spec) << spec.error().message();
  auto coll = load_only(*spec, {.maps = {"stream_ring"}, .programs = {"stream"}});
  if (!coll && coll.error().is(errc::not_supported)) EBPF_SKIP_KERNEL_LACKS(coll.error().message());
  ASSERT_TRUE(coll) << coll.error().message();
  ASSERT_TRUE(coll->programs.contains("stream") && coll->maps.contains("stream_ring"));
  const Program* prog = &coll->programs.find("stream")->second;
  auto reader = ringbuf::Reader::open(coll->maps.find("stream_ring")->second);
  ASSERT_TRUE(reader) << reader.error().message();

  const std::uint64_t total = stress_records();
  std::atomic<bool> producer_failed{false};
  std::uint64_t runs = 0;
  std::thread producer([&] {
    std::uint64_t next = 0;
    while (next < total) {
      StreamArgs a{.start = next, .count = std::min<std::uint64_t>(total - next, 1 << 20)};
      auto r = prog->run({.context = std::as_bytes(std::span(&a, 1))});
      if (!r) {
        producer_failed = true;
        reader->close();
        return;
      }
      ++runs;
      next += a.written;
      if (a.written == 0) std::this_thread::yield();  // full: let the consumer catch up
    }
  });

  reader->set_deadline(std::chrono::steady_clock::now() + std::chrono::seconds(120));
  std::uint64_t expected = 0, bad = 0;
  while (expected < total) {
    auto n = reader->poll(std::chrono::milliseconds(-1), [&](std::span<const std::byte> rec) {
      std::uint64_t v[2];
      if (rec.size() != sizeof v) {
        ++bad;
        return;
      }
      std::memcpy(v, rec.data(), sizeof v);
      if (v[0] != expected || v[1] != ~expected) ++bad;
      expected = v[0] + 1;
    });
    if (!n) {
      ADD_FAILURE() << "after " << expected << " records: " << n.error().message();
      break;
    }
  }
  producer.join();
  EXPECT_FALSE(producer_failed);
  EXPECT_EQ(expected, total);
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(reader->available_bytes(), 0u);
  RecordProperty("producer_runs", std::to_string(runs));
}

}  // namespace
}  // namespace ebpf
