// The byte core and the typed calls never allocate: hits, misses, errors, iteration steps, batch calls.
// This test binary counts every global operator new.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "ebpf/map.hpp"
#include "map_test_util.hpp"
#include "support/kernel_test.hpp"

namespace {
std::atomic<std::uint64_t> g_news{0};
}  // namespace

void* operator new(std::size_t size) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

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
  const std::uint64_t control = g_news.load();
  auto cold = Map::load_pinned("/nonexistent/pin");
  EXPECT_FALSE(cold);
  EXPECT_GT(g_news.load(), control);

  const std::uint64_t before = g_news.load();
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
  const std::uint64_t allocations = g_news.load() - before;
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(allocations, 0u);
}

}  // namespace
}  // namespace ebpf
