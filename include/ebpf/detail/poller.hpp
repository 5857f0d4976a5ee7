// The waiting half of the event readers (ring buffer, perf buffer, user ring buffer writer): one epoll set over
// the readers' fds plus an eventfd that close() and set_deadline() write, so another thread can wake a blocked
// call. Not part of the public API; the readers own one each.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "ebpf/error.hpp"
#include "ebpf/sys/fd.hpp"

namespace ebpf::detail {

class Poller {
 public:
  // The messages of the errors wait() returns (static strings naming the reader).
  struct Messages {
    const char* closed;
    const char* deadline;
  };

  Poller() = default;
  Poller(Poller&& o) noexcept;
  Poller& operator=(Poller&& o) noexcept;
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;
  ~Poller() = default;

  // Creates the epoll set and the wake eventfd.
  Result<void> open(const char* what);
  [[nodiscard]] bool is_open() const noexcept { return epoll_.valid(); }
  // Watches fd for `events` (EPOLLIN / EPOLLOUT); wait() reports readiness of any watched fd.
  Result<void> add(int fd, std::uint32_t events, std::uint64_t token);

  // Waits until a watched fd is ready (true), the timeout passes (false; a negative timeout waits without
  // limit), the deadline passes (ETIMEDOUT) or close() is called (errc::closed). Never allocates.
  Result<bool> wait(std::chrono::milliseconds timeout, const Messages& messages);

  // Thread-safe: both wake a blocked wait().
  void set_deadline(std::chrono::steady_clock::time_point deadline) noexcept;
  void close() noexcept;
  [[nodiscard]] bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }
  [[nodiscard]] int fd() const noexcept { return epoll_.get(); }

 private:
  void wake() noexcept;

  sys::Fd epoll_;
  sys::Fd wake_;
  std::atomic<std::int64_t> deadline_ns_{0};  // steady_clock; 0: none
  std::atomic<bool> closed_{false};
};

}  // namespace ebpf::detail
