// Shared by the perf reader tests: the producer program of tests/bpf/perf_records.bpf.c and its records.
#pragma once

#include <gtest/gtest.h>
#include <sched.h>

#include <cstdint>
#include <algorithm>
#include <cstring>
#include <optional>
#include <span>

#include "ebpf/collection.hpp"
#include "ebpf/map.hpp"
#include "ebpf/perf/reader.hpp"
#include "support/kernel_test.hpp"

namespace ebpf::test {

struct PerfArgs {
  std::uint64_t start = 0;
  std::uint64_t count = 0;
  std::uint32_t submitted = 0;
  std::uint32_t dropped = 0;
};

inline constexpr std::uint32_t kPerfSizes[4] = {16, 40, 100, 512};

// Pins the calling thread to one CPU for its lifetime, so bpf_perf_event_output(BPF_F_CURRENT_CPU) writes to a
// known ring.
class PinToCpu {
 public:
  explicit PinToCpu(int cpu) {
    ok_ = ::sched_getaffinity(0, sizeof saved_, &saved_) == 0;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    ok_ = ok_ && ::sched_setaffinity(0, sizeof one, &one) == 0;
  }
  ~PinToCpu() {
    if (ok_) ::sched_setaffinity(0, sizeof saved_, &saved_);
  }
  PinToCpu(const PinToCpu&) = delete;
  PinToCpu& operator=(const PinToCpu&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }

 private:
  cpu_set_t saved_{};
  bool ok_ = false;
};

class PerfTest : public KernelTest {
 protected:
  void SetUp() override {
    KernelTest::SetUp();
    if (IsSkipped()) return;
    auto spec = load_collection_spec(bpf_object("perf_records"));
    ASSERT_TRUE(spec) << spec.error().message();
    auto coll = Collection::load(*spec);
    if (!coll && coll.error().is(errc::not_supported)) EBPF_SKIP_KERNEL_LACKS(coll.error().message());
    ASSERT_TRUE(coll) << coll.error().message();
    coll_.emplace(std::move(*coll));
  }
  void TearDown() override {
    coll_.reset();
    KernelTest::TearDown();
  }

  Map& map(std::string_view name) { return **coll_->map(name); }

  // Runs `program` (produce or bench_<size>) on the calling thread's CPU; the arguments travel in the packet.
  PerfArgs produce(std::uint64_t start, std::uint64_t count, std::string_view program = "produce") {
    PerfArgs a{.start = start, .count = count};
    std::byte out[sizeof(PerfArgs) + 512];
    auto r = (*coll_->program(program))->run({.data = std::as_bytes(std::span(&a, 1)), .data_out = out});
    EXPECT_TRUE(r) << r.error().message();
    if (!r) return a;
    EXPECT_EQ(r->retval, 2u) << "XDP_PASS";
    EXPECT_GE(r->data_out_size, sizeof a);
    std::memcpy(&a, out, sizeof a);  // the program writes its results into the packet
    return a;
  }

  std::optional<Collection> coll_;
};

// Checks one sample as `produce` wrote it and returns its sequence number. The kernel pads samples to 4 mod 8
// bytes by skipping over ring bytes, so the padding holds whatever the ring held before: not checked.
inline std::uint64_t check_perf_sample(std::span<const std::byte> s) {
  std::uint64_t seq = 0;
  std::uint32_t size = 0;
  EXPECT_GE(s.size(), 12u);
  if (s.size() < 12) return UINT64_MAX;
  std::memcpy(&seq, s.data(), 8);
  std::memcpy(&size, s.data() + 8, 4);
  EXPECT_EQ(size, kPerfSizes[seq % 4]) << "sample " << seq;
  EXPECT_EQ(s.size(), perf::Reader::padded_size(size)) << "sample " << seq;
  for (std::size_t j = 12; j < std::min<std::size_t>(size, s.size()); ++j) {
    if (s[j] != std::byte(size & 0xff)) {
      ADD_FAILURE() << "sample " << seq << " byte " << j;
      break;
    }
  }
  return seq;
}

}  // namespace ebpf::test
