#include "ebpf/detail/poller.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace ebpf::detail {
namespace {
constexpr std::uint64_t kWakeToken = UINT64_MAX;
}

Poller::Poller(Poller&& o) noexcept
    : epoll_(std::move(o.epoll_)),
      wake_(std::move(o.wake_)),
      deadline_ns_(o.deadline_ns_.load()),
      closed_(o.closed_.load()) {}

Poller& Poller::operator=(Poller&& o) noexcept {
  if (this != &o) {
    epoll_ = std::move(o.epoll_);
    wake_ = std::move(o.wake_);
    deadline_ns_ = o.deadline_ns_.load();
    closed_ = o.closed_.load();
  }
  return *this;
}

Result<void> Poller::open(const char* what) {
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return ::ebpf::unexpected(Error::from_errno(errno, "epoll_create1").with_context(what));
  sys::Fd epoll(ep);
  int ev = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (ev < 0) return ::ebpf::unexpected(Error::from_errno(errno, "eventfd").with_context(what));
  sys::Fd wake(ev);
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.u64 = kWakeToken;
  if (::epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e) != 0)
    return ::ebpf::unexpected(Error::from_errno(errno, "epoll_ctl").with_context(what));
  epoll_ = std::move(epoll);
  wake_ = std::move(wake);
  return {};
}

Result<void> Poller::add(int fd, std::uint32_t events, std::uint64_t token) {
  epoll_event e{};
  e.events = events;
  e.data.u64 = token;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &e) != 0) return ::ebpf::unexpected(Error::from_errno(errno, "epoll_ctl"));
  return {};
}

void Poller::wake() noexcept {
  if (!wake_.valid()) return;
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
}

void Poller::set_deadline(std::chrono::steady_clock::time_point deadline) noexcept {
  deadline_ns_.store(deadline.time_since_epoch() / std::chrono::nanoseconds(1), std::memory_order_relaxed);
  wake();  // a blocked wait recomputes its timeout
}

void Poller::close() noexcept {
  closed_.store(true, std::memory_order_release);
  wake();
}

Result<bool> Poller::wait(std::chrono::milliseconds timeout, const Messages& messages) {
  using clock = std::chrono::steady_clock;
  const bool bounded = timeout.count() >= 0;
  const auto end = bounded ? clock::now() + timeout : clock::time_point::max();
  for (;;) {
    if (closed()) return ::ebpf::unexpected(Error(errc::closed, 0, messages.closed));
    const auto now = clock::now();
    const std::int64_t dl_ns = deadline_ns_.load(std::memory_order_relaxed);
    const auto dl = clock::time_point(std::chrono::nanoseconds(dl_ns));
    if (dl_ns != 0 && now >= dl) return ::ebpf::unexpected(Error(errc::sys, ETIMEDOUT, messages.deadline));
    if (bounded && now >= end) return false;  // the caller's timeout: an empty wait, not an error
    const auto until = dl_ns != 0 ? std::min(end, dl) : end;
    int ms = -1;
    if (until != clock::time_point::max()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - now).count();
      ms = static_cast<int>(std::min<std::int64_t>(left, INT_MAX));
    }
    epoll_event events[8];
    const int n = ::epoll_wait(epoll_.get(), events, 8, ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ::ebpf::unexpected(Error::from_errno(errno, "epoll_wait"));
    }
    bool ready = false;
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 != kWakeToken) {
        ready = true;
        continue;
      }
      std::uint64_t v;  // a close() or a new deadline: drain the eventfd, then re-check both
      [[maybe_unused]] auto r = ::read(wake_.get(), &v, sizeof v);
    }
    if (closed()) return ::ebpf::unexpected(Error(errc::closed, 0, messages.closed));
    if (ready) return true;
  }
}

}  // namespace ebpf::detail
