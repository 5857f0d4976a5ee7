// The byte core and the typed calls never allocate: hits, misses, errors, iteration steps, batch calls.
// This test binary counts every global operator new (tests/support/alloc: the replacement lives in its own
// translation unit, so the compiler never pairs an inlined malloc with the matching free).
#include <gtest/gtest.h>

#include "ebpf/map.hpp"
#include "map_test_util.hpp"
#include "support/alloc_count.hpp"
#include "support/kernel_test.hpp"

namespace ebpf {
namespace {

class MapAllocations : public test::KernelTest {};

TEST_F(MapAllocations, HotPathsDoNotAllocate) {
  auto made = Map::create(test::make_spec(MapType::hash, 4, 8, 4));
  ASSERT_TRUE(made) << made.error().message();
  const Map& m = *made;
  auto typed = TypedMap<std::uint32_t, std::uint64_t>::make(std::move(*Map::create(test::make_spec(MapType::hash, 4, 8, 4))));
  ASSERT_TRUE(typed);
  std::vector<std::uint32_t> keys = {1, 2}, ko(4);
  std::vector<std::uint64_t> values = {10, 20}, vo(4);
  BatchCursor cursor;
  MapIterator it = m.iterate();
  Map closed;
  int failures = 0;

  // The counter works: a cold-path error with a formatted message allocates.
  const std::uint64_t control = test::allocations();
  auto cold = Map::load_pinned("/nonexistent/pin");
  EXPECT_FALSE(cold);
  EXPECT_GT(test::allocations(), control);

  const std::uint64_t before = test::allocations();
  for (int round = 0; round < 3; ++round) {
    failures += !m.update(std::uint32_t{1}, std::uint64_t{1});
    failures += !m.lookup<std::uint32_t, std::uint64_t>(1);
    failures += m.lookup<std::uint32_t, std::uint64_t>(99).has_value();            // miss
    failures += m.update(std::uint32_t{1}, std::uint64_t{1}, elem_flags::no_exist).has_value();  // exists
    failures += m.update(std::uint64_t{1}, std::uint64_t{1}).has_value();           // wrong size
    failures += closed.lookup<std::uint32_t, std::uint64_t>(1).has_value();         // closed
    failures += !m.next_key<std::uint32_t>(nullptr);
    failures += !m.erase(std::uint32_t{1});
    failures += m.erase(std::uint32_t{1}).has_value();                              // miss
    failures += !typed->update(3, 30);
    failures += !typed->lookup(3);
    failures += typed->lookup(4).has_value();
    failures += !typed->erase(3);
    failures += !m.batch_update<std::uint32_t, std::uint64_t>(keys, values);
    cursor.reset();
    failures += !m.batch_lookup<std::uint32_t, std::uint64_t>(cursor, ko, vo);
    std::uint32_t k;
    std::uint64_t v;
    it.next(k, v);
  }
  const std::uint64_t allocations = test::allocations() - before;
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(allocations, 0u);
}

}  // namespace
}  // namespace ebpf
