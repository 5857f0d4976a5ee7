#pragma once

#include <atomic>
#include <cstdint>

namespace ebpf::test {
// Heap allocations made by this process so far (global operator new is replaced in alloc_count.cpp).
std::uint64_t allocations() noexcept;
}  // namespace ebpf::test
