// Counts heap allocations made by this process (global operator new is replaced in alloc_counter.cpp), so
// benchmarks can report allocations per operation as a counter.
#pragma once

#include <cstdint>

namespace ebpf::bench {
std::uint64_t allocation_count() noexcept;
}  // namespace ebpf::bench
