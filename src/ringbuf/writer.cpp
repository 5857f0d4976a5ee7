#include "ebpf/ringbuf/writer.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "ebpf/map.hpp"

namespace ebpf::ringbuf {
namespace {

// struct bpf_ringbuf_hdr: a 32-bit length with the busy and discard bits, then 32 bits the kernel owns.
constexpr std::uint32_t kBusyBit = 1u << 31;
constexpr std::uint32_t kDiscardBit = 1u << 30;
constexpr std::uint64_t kHeaderSize = 8;

std::size_t page_size() noexcept {
  static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

}  // namespace

Writer::Writer(Writer&& o) noexcept
    : map_fd_(std::move(o.map_fd_)),
      consumer_(std::exchange(o.consumer_, nullptr)),
      producer_(std::exchange(o.producer_, nullptr)),
      data_(std::exchange(o.data_, nullptr)),
      mask_(std::exchange(o.mask_, 0)),
      consumer_map_(std::exchange(o.consumer_map_, nullptr)),
      producer_map_(std::exchange(o.producer_map_, nullptr)),
      producer_len_(std::exchange(o.producer_len_, 0)),
      poller_(std::move(o.poller_)) {}

Writer& Writer::operator=(Writer&& o) noexcept {
  if (this != &o) {
    unmap();
    map_fd_ = std::move(o.map_fd_);
    consumer_ = std::exchange(o.consumer_, nullptr);
    producer_ = std::exchange(o.producer_, nullptr);
    data_ = std::exchange(o.data_, nullptr);
    mask_ = std::exchange(o.mask_, 0);
    consumer_map_ = std::exchange(o.consumer_map_, nullptr);
    producer_map_ = std::exchange(o.producer_map_, nullptr);
    producer_len_ = std::exchange(o.producer_len_, 0);
    poller_ = std::move(o.poller_);
  }
  return *this;
}

Writer::~Writer() { unmap(); }

void Writer::unmap() noexcept {
  if (producer_map_ != nullptr) ::munmap(producer_map_, producer_len_);
  if (consumer_map_ != nullptr) ::munmap(consumer_map_, page_size());
  producer_map_ = consumer_map_ = nullptr;
  data_ = nullptr;
}

Result<Writer> Writer::open(const Map& m) {
  const std::string ctx = "user ring buffer writer: map " + m.name();
  if (m.type() != MapType::user_ringbuf)
    return fail(errc::invalid_argument, ctx + ": not a user ring buffer (type " + std::string(to_string(m.type())) + ")");
  if (m.fd() < 0) return fail(errc::closed, ctx + ": closed");
  const std::uint64_t size = m.max_entries();
  const std::size_t page = page_size();
  if (size == 0 || (size & (size - 1)) != 0 || size % page != 0)
    return fail(errc::invalid_argument, ctx + ": ring size " + std::to_string(size) +
                                            " is not a power-of-two multiple of the page size");
  Writer w;
  int dup = ::fcntl(m.fd(), F_DUPFD_CLOEXEC, 3);
  if (dup < 0) return unexpected(Error::from_errno(errno, "dup map fd").with_context(ctx));
  w.map_fd_ = sys::Fd(dup);
  void* c = ::mmap(nullptr, page, PROT_READ, MAP_SHARED, w.map_fd_.get(), 0);
  if (c == MAP_FAILED) return unexpected(Error::from_errno(errno, "mmap consumer page").with_context(ctx));
  w.consumer_map_ = c;
  const std::size_t plen = page + 2 * size;
  void* p = ::mmap(nullptr, plen, PROT_READ | PROT_WRITE, MAP_SHARED, w.map_fd_.get(), static_cast<off_t>(page));
  if (p == MAP_FAILED) return unexpected(Error::from_errno(errno, "mmap producer page and data").with_context(ctx));
  w.producer_map_ = p;
  w.producer_len_ = plen;
  w.consumer_ = static_cast<const std::uint64_t*>(c);
  w.producer_ = static_cast<std::uint64_t*>(p);
  w.data_ = static_cast<std::byte*>(p) + page;
  w.mask_ = size - 1;
  EBPF_TRY_VOID(w.poller_.open("user ring buffer writer"));
  // Edge-triggered: the ring is "writable" whenever it is not completely full, which need not be enough room
  // for the sample; each drain by the kernel wakes us once to try again instead of spinning.
  auto added = w.poller_.add(w.map_fd_.get(), EPOLLOUT | EPOLLET, 0);
  if (!added) return unexpected(std::move(added).error().with_context(ctx));
  return w;
}

Result<std::span<std::byte>> Writer::reserve(std::size_t size) noexcept {
  if (data_ == nullptr) return unexpected(Error(errc::closed, 0, "user ring buffer writer: not open"));
  const std::uint64_t total = (std::uint64_t{size} + kHeaderSize + 7) & ~std::uint64_t{7};
  if (size == 0 || size >= kDiscardBit || total > mask_ + 1)
    return unexpected(Error(errc::invalid_argument, 0, "user ring buffer writer: sample size does not fit the ring"));
  // The kernel moves the consumer position with release order after it is done with the samples before it.
  const std::uint64_t cons = __atomic_load_n(consumer_, __ATOMIC_ACQUIRE);
  const std::uint64_t prod = __atomic_load_n(producer_, __ATOMIC_RELAXED);  // only we write it
  if (mask_ + 1 - (prod - cons) < total)
    return unexpected(Error(errc::sys, ENOSPC, "user ring buffer writer: ring full"));
  std::byte* hdr = data_ + (prod & mask_);
  const std::uint32_t len = static_cast<std::uint32_t>(size) | kBusyBit;
  std::memcpy(hdr, &len, 4);
  std::memset(hdr + 4, 0, 4);
  // The header is in place (busy) before the kernel can see the new producer position.
  __atomic_store_n(producer_, prod + total, __ATOMIC_RELEASE);
  return std::span<std::byte>(hdr + kHeaderSize, size);
}

Result<std::span<std::byte>> Writer::reserve(std::size_t size, std::chrono::milliseconds timeout) {
  static constexpr ebpf::detail::Poller::Messages kMessages{"user ring buffer writer: closed",
                                                            "user ring buffer writer: deadline exceeded"};
  using clock = std::chrono::steady_clock;
  const bool bounded = timeout.count() >= 0;
  const auto end = bounded ? clock::now() + timeout : clock::time_point::max();
  for (;;) {
    if (poller_.closed()) return unexpected(Error(errc::closed, 0, kMessages.closed));
    auto r = reserve(size);
    if (r || !r.error().is(std::errc::no_space_on_device)) return r;
    std::chrono::milliseconds left(-1);
    if (bounded) {
      const auto now = clock::now();
      if (now >= end) return r;
      left = std::chrono::ceil<std::chrono::milliseconds>(end - now);
    }
    auto w = poller_.wait(left, kMessages);
    if (!w) return unexpected(std::move(w).error());
  }
}

void Writer::commit(std::span<std::byte> sample, bool discard) noexcept {
  std::byte* hdr = sample.data() - kHeaderSize;
  std::uint32_t len = static_cast<std::uint32_t>(sample.size());
  if (discard) len |= kDiscardBit;
  // Clearing the busy bit publishes the sample: release, so the kernel sees its bytes.
  __atomic_exchange_n(reinterpret_cast<std::uint32_t*>(hdr), len, __ATOMIC_ACQ_REL);
}

Result<void> Writer::write(std::span<const std::byte> sample) noexcept {
  auto r = reserve(sample.size());
  if (!r) return unexpected(std::move(r).error());
  std::memcpy(r->data(), sample.data(), sample.size());
  submit(*r);
  return {};
}

std::uint64_t Writer::pending_bytes() const noexcept {
  if (data_ == nullptr) return 0;
  return __atomic_load_n(producer_, __ATOMIC_RELAXED) - __atomic_load_n(consumer_, __ATOMIC_ACQUIRE);
}

}  // namespace ebpf::ringbuf
