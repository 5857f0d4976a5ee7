// Counts heap allocations in this test binary, so tests can assert that hot paths do not allocate.
#include <cstdlib>
#include <new>

#include "support/alloc_count.hpp"

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}

std::uint64_t ebpf::test::allocations() noexcept { return g_allocations.load(std::memory_order_relaxed); }

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
