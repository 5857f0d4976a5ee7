// Writing BPF_MAP_TYPE_USER_RINGBUF maps (requires Linux 6.1): user space produces, a program consumes with
// bpf_user_ringbuf_drain().
//
// The writer maps the consumer page read-only and the producer page plus data read-write (the data twice in a
// row, so a sample that wraps is contiguous). reserve() hands out a span straight into the ring; submit() or
// discard() publishes it. Samples are consumed in reservation order: an unsubmitted reservation holds back the
// ones after it. One writer per ring, used by one thread at a time (the producer position is not shared);
// close() and set_deadline() may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include "ebpf/detail/poller.hpp"
#include "ebpf/error.hpp"
#include "ebpf/sys/fd.hpp"

namespace ebpf {
class Map;
}

namespace ebpf::ringbuf {

class Writer {
 public:
  Writer() = default;
  Writer(Writer&&) noexcept;
  Writer& operator=(Writer&&) noexcept;
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer();

  // A writer of one user ring buffer map (its fd is duplicated).
  static Result<Writer> open(const Map& ring);

  // Reserves `size` bytes (size > 0) without waiting. A full ring is std::errc::no_space_on_device
  // (Error::is(std::errc::no_space_on_device)); a sample that can never fit is errc::invalid_argument. Never
  // allocates.
  Result<std::span<std::byte>> reserve(std::size_t size) noexcept;
  // Same, waiting up to `timeout` (negative: no limit, or until the deadline) for the program to drain
  // enough room. ETIMEDOUT once the deadline passes, errc::closed after close(), and
  // std::errc::no_space_on_device when the timeout passes first.
  Result<std::span<std::byte>> reserve(std::size_t size, std::chrono::milliseconds timeout);
  // Publishes a reservation for the program to drain, or marks it for the kernel to skip.
  void submit(std::span<std::byte> sample) noexcept { commit(sample, false); }
  void discard(std::span<std::byte> sample) noexcept { commit(sample, true); }

  // reserve + copy + submit.
  Result<void> write(std::span<const std::byte> sample) noexcept;
  template <class T>
    requires std::is_trivially_copyable_v<T>
  Result<void> write(const T& value) noexcept {
    return write(std::span<const std::byte>(reinterpret_cast<const std::byte*>(&value), sizeof(T)));
  }

  // Bytes reserved but not yet drained by the kernel, and the ring's data size.
  [[nodiscard]] std::uint64_t pending_bytes() const noexcept;
  [[nodiscard]] std::uint64_t size() const noexcept { return mask_ + 1; }
  // Thread-safe, as for the readers.
  void set_deadline(std::chrono::steady_clock::time_point deadline) noexcept { poller_.set_deadline(deadline); }
  void close() noexcept { poller_.close(); }

 private:
  void commit(std::span<std::byte> sample, bool discard) noexcept;
  void unmap() noexcept;

  sys::Fd map_fd_;
  const std::uint64_t* consumer_ = nullptr;  // read-only page: how far the kernel has drained
  std::uint64_t* producer_ = nullptr;        // read-write page: how far we have reserved
  std::byte* data_ = nullptr;
  std::uint64_t mask_ = 0;
  void* consumer_map_ = nullptr;
  void* producer_map_ = nullptr;
  std::size_t producer_len_ = 0;
  ebpf::detail::Poller poller_;
};

}  // namespace ebpf::ringbuf
