// Reading BPF_MAP_TYPE_RINGBUF maps (requires Linux 5.8).
//
// The reader maps each ring's consumer page read-write and its producer page and data read-only; the kernel
// maps the data twice in a row, so a record that wraps the end of the ring is contiguous in the mapping.
// Records are handed to callbacks as views straight into the mapping: no copy, no allocation per record.
// Several rings can share one reader (one epoll set), as libbpf's ring_buffer__add.
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include "ebpf/detail/poller.hpp"
#include "ebpf/error.hpp"
#include "ebpf/sys/fd.hpp"

namespace ebpf {
class Map;
}

namespace ebpf::ringbuf {

// A record copied out of a ring (read() / read_into()); reused buffers keep their capacity.
struct Record {
  std::vector<std::byte> sample;
  std::size_t ring = 0;        // index of the ring it came from, in the order rings were added
  std::uint64_t remaining = 0;  // bytes still unread in that ring after this record
};

namespace detail {
// The kernel's record header (struct bpf_ringbuf_hdr) and its flag bits.
inline constexpr std::uint32_t kBusyBit = 1u << 31;
inline constexpr std::uint32_t kDiscardBit = 1u << 30;
inline constexpr std::uint32_t kHeaderSize = 8;

// One mapped ring. The positions are shared with the kernel, which uses smp_load_acquire/smp_store_release on
// them: the GCC/Clang __atomic builtins give the same orderings on plain kernel-shared words. Positions are
// byte counters that only grow; the data offset is position & mask.
struct Ring {
  std::uint64_t* consumer = nullptr;        // read-write page: we publish how far we have read
  const std::uint64_t* producer = nullptr;  // read-only page: how far the kernel has committed
  const std::byte* data = nullptr;          // 2 x size bytes, the data pages mapped twice
  std::uint64_t mask = 0;
  void* consumer_map = nullptr;
  std::size_t consumer_len = 0;
  void* producer_map = nullptr;
  std::size_t producer_len = 0;
  sys::Fd map_fd;

  Ring() = default;
  Ring(Ring&&) noexcept;
  Ring& operator=(Ring&&) = delete;
  ~Ring();

  [[nodiscard]] std::uint64_t load_consumer() const noexcept {
    return __atomic_load_n(consumer, __ATOMIC_RELAXED);  // only this reader writes it
  }
  [[nodiscard]] std::uint64_t load_producer() const noexcept {
    // The kernel writes the producer position after the record headers it covers (smp_store_release).
    return __atomic_load_n(producer, __ATOMIC_ACQUIRE);
  }

  // Hands every committed record to cb, oldest first, advancing the consumer position after each.
  // Returns the records handed over; stops early after a record when cb returns false.
  template <class F>
  std::size_t consume(F& cb, std::size_t limit) {
    // Locals, not members, in the loop: the callback's stores could otherwise alias them and force reloads.
    const std::byte* const base = data;
    const std::uint64_t m = mask;
    std::uint64_t* const cons_pos = consumer;
    std::size_t n = 0;
    std::uint64_t cons = load_consumer();
    std::uint64_t prod = load_producer();
    while (cons < prod && n < limit) {
      const std::byte* hdr = base + (cons & m);
      // The length word is written last by the kernel (the busy bit cleared with release order).
      const std::uint32_t len = __atomic_load_n(reinterpret_cast<const std::uint32_t*>(hdr), __ATOMIC_ACQUIRE);
      if ((len & kBusyBit) != 0) break;  // reserved, not yet submitted: later records wait behind it
      const std::uint32_t size = len & ~kDiscardBit;
      cons += (std::uint64_t{size} + kHeaderSize + 7) & ~std::uint64_t{7};
      bool more = true;
      if ((len & kDiscardBit) == 0) {
        ++n;
        if constexpr (std::is_same_v<std::invoke_result_t<F&, std::span<const std::byte>>, bool>)
          more = cb(std::span<const std::byte>(hdr + kHeaderSize, size));
        else
          cb(std::span<const std::byte>(hdr + kHeaderSize, size));
      }
      // Only after the callback: the kernel may overwrite the record once the position moves past it.
      __atomic_store_n(cons_pos, cons, __ATOMIC_RELEASE);
      if (!more) break;
      if (cons >= prod) prod = load_producer();
    }
    return n;
  }
};
}  // namespace detail

class Reader {
 public:
  Reader() = default;
  Reader(Reader&&) noexcept;
  Reader& operator=(Reader&&) noexcept;
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  ~Reader();

  // A reader of one ring buffer map. The map's fd is duplicated: the reader stays valid if the Map goes away.
  static Result<Reader> open(const Map& ring);
  // Adds another ring to this reader; poll() and read() then serve all of them.
  Result<void> add(const Map& ring);

  // Hands every record available now, in every ring, to cb(std::span<const std::byte>) and returns how many.
  // cb may return bool: false stops after that record. The span is valid only during the call.
  template <class F>
    requires std::invocable<F&, std::span<const std::byte>>
  std::size_t consume(F&& cb) {
    std::size_t n = 0;
    for (auto& r : rings_) n += r->consume(cb, SIZE_MAX);
    return n;
  }

  // Waits until a ring has data, the timeout passes (returns 0) or another thread calls close() (errc::closed),
  // then consumes everything available. A negative timeout waits without limit (or until the deadline).
  template <class F>
    requires std::invocable<F&, std::span<const std::byte>>
  Result<std::size_t> poll(std::chrono::milliseconds timeout, F&& cb) {
    if (std::size_t n = consume(cb); n > 0) return n;
    auto w = wait(timeout);
    if (!w) return unexpected(std::move(w).error());
    return *w ? consume(cb) : std::size_t{0};
  }

  // Blocks until one record is available and copies it into rec (reusing its buffer). Fails with ETIMEDOUT
  // (Error::is(std::errc::timed_out)) when the deadline passes and with errc::closed after close().
  Result<void> read_into(Record& rec);
  Result<Record> read();
  // One record as a trivially copyable T; the record's size must be sizeof(T).
  template <class T>
    requires std::is_trivially_copyable_v<T>
  Result<T> read() {
    EBPF_TRY_VOID(read_into(scratch_));
    if (scratch_.sample.size() != sizeof(T))
      return unexpected(Error(errc::invalid_argument, 0, "ring buffer record size differs from the requested type"));
    T out;
    std::memcpy(&out, scratch_.sample.data(), sizeof(T));
    return out;
  }

  // Blocking calls give up at this time (a default-constructed time point: never). Thread-safe.
  void set_deadline(std::chrono::steady_clock::time_point deadline) noexcept;
  // Wakes every blocked call, which then fails with errc::closed, as do later blocking calls. Thread-safe;
  // the mappings stay valid until the reader is destroyed.
  void close() noexcept;

  // Bytes committed but not consumed yet in ring i, and the ring's data size.
  [[nodiscard]] std::uint64_t available_bytes(std::size_t ring = 0) const noexcept;
  [[nodiscard]] std::uint64_t size(std::size_t ring = 0) const noexcept;
  [[nodiscard]] std::size_t rings() const noexcept { return rings_.size(); }
  // The epoll fd: readable when any ring has data, for callers with their own event loop.
  [[nodiscard]] int epoll_fd() const noexcept { return poller_.fd(); }

 private:
  // Waits for a ring to become readable (true) or the timeout (false); ETIMEDOUT / errc::closed as above.
  Result<bool> wait(std::chrono::milliseconds timeout);

  std::vector<std::unique_ptr<detail::Ring>> rings_;
  ebpf::detail::Poller poller_;
  std::size_t next_ring_ = 0;  // read_into() serves rings round-robin
  Record scratch_;
};

}  // namespace ebpf::ringbuf
