// The tracepoint object of the event reader tests (tests/bpf/events_tracepoint.bpf.c), loaded for this process
// and attached to syscalls/sys_enter_getpid.
#pragma once

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

#include "ebpf/collection.hpp"
#include "ebpf/link/link.hpp"
#include "support/kernel_test.hpp"

namespace ebpf::test {

struct TracepointRecord {
  std::uint64_t seq = 0;
  std::uint32_t tid = 0;
  std::uint32_t marker = 0;
};

class EventsTracepointTest : public KernelTest {
 protected:
  void SetUp() override {
    KernelTest::SetUp();
    if (IsSkipped()) return;
    auto spec = load_collection_spec(bpf_object("events_tracepoint"));
    ASSERT_TRUE(spec) << spec.error().message();
    ASSERT_TRUE(spec->set_variable("target_tgid", static_cast<std::uint32_t>(::getpid())));
    auto coll = Collection::load(*spec);
    ASSERT_TRUE(coll) << coll.error().message();
    coll_.emplace(std::move(*coll));
  }
  void TearDown() override {
    link_.reset();
    coll_.reset();
    KernelTest::TearDown();
  }
  Map& map(std::string_view name) { return **coll_->map(name); }
  // Attaches after the reader is open, so no record is missed.
  void attach() {
    auto l = (*coll_->program("on_getpid"))->attach();
    ASSERT_TRUE(l) << l.error().message();
    link_.emplace(std::move(*l));
  }
  static void getpid_n(int n) {
    for (int i = 0; i < n; ++i) ::syscall(SYS_getpid);
  }
  // Checks one record and returns its sequence number.
  static std::uint64_t check(std::span<const std::byte> rec) {
    TracepointRecord r;
    EXPECT_GE(rec.size(), sizeof r);
    if (rec.size() < sizeof r) return UINT64_MAX;
    std::memcpy(&r, rec.data(), sizeof r);
    EXPECT_EQ(r.tid, static_cast<std::uint32_t>(::gettid()));
    EXPECT_EQ(r.marker, 0xfeedbeefu);
    return r.seq;
  }

  std::optional<Collection> coll_;
  std::optional<Link> link_;
};

}  // namespace ebpf::test
