// The link_net test object loaded once per test, with its counters.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "ebpf/collection.hpp"
#include "net_fixture.hpp"

namespace ebpf::test {

// Indexes of the `counts` map (tests/bpf/link_net.bpf.c).
enum NetCounter : std::uint32_t {
  kXdp,
  kXdpOther,
  kTc,
  kTcOther,
  kTcxFirst,
  kTcxSecond,
  kSkLookup,
  kSkMsg,
  kSkSkb,
  kNetfilter,
  kFlowDissector,
};

class NetLinkTest : public NetnsTest {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto spec = load_collection_spec(bpf_object("link_net"));
    ASSERT_TRUE(spec) << spec.error().message();
    auto coll = Collection::load(*spec);
    ASSERT_TRUE(coll) << coll.error().message();
    coll_.emplace(std::move(*coll));
  }
  void TearDown() override {
    coll_.reset();
    NetnsTest::TearDown();
  }

  Program& prog(std::string_view name) { return **coll_->program(name); }
  Map& map(std::string_view name) { return **coll_->map(name); }

  std::uint64_t counter(NetCounter which) {
    auto v = map("counts").lookup<std::uint32_t, std::uint64_t>(which);
    EXPECT_TRUE(v) << v.error().message();
    return v ? *v : 0;
  }
  // Waits until the counter reaches at least `want`; returns its value then.
  std::uint64_t wait_counter(NetCounter which, std::uint64_t want) {
    wait_until([&] { return counter(which) >= want; });
    return counter(which);
  }
  std::uint32_t program_id(std::string_view name) {
    auto info = prog(name).info();
    EXPECT_TRUE(info) << info.error().message();
    return info ? info->id : 0;
  }

  std::optional<Collection> coll_;
};

}  // namespace ebpf::test
