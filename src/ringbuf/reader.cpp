#include "ebpf/ringbuf/reader.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <string>

#include "ebpf/map.hpp"

namespace ebpf::ringbuf {
namespace detail {

Ring::Ring(Ring&& o) noexcept
    : consumer(std::exchange(o.consumer, nullptr)),
      producer(std::exchange(o.producer, nullptr)),
      data(std::exchange(o.data, nullptr)),
      mask(o.mask),
      consumer_map(std::exchange(o.consumer_map, nullptr)),
      consumer_len(o.consumer_len),
      producer_map(std::exchange(o.producer_map, nullptr)),
      producer_len(o.producer_len),
      map_fd(std::move(o.map_fd)) {}

Ring::~Ring() {
  if (producer_map != nullptr) ::munmap(producer_map, producer_len);
  if (consumer_map != nullptr) ::munmap(consumer_map, consumer_len);
}

}  // namespace detail

namespace {

std::size_t page_size() noexcept {
  static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

Result<std::unique_ptr<detail::Ring>> map_ring(const Map& m) {
  if (m.type() != MapType::ringbuf)
    return fail(errc::invalid_argument, "map " + m.name() + ": not a ring buffer (type " +
                                            std::string(to_string(m.type())) + ")");
  if (m.fd() < 0) return fail(errc::closed, "map " + m.name() + ": closed");
  const std::uint64_t size = m.max_entries();
  if (size == 0 || (size & (size - 1)) != 0 || size % page_size() != 0)
    return fail(errc::invalid_argument, "map " + m.name() + ": ring size " + std::to_string(size) +
                                            " is not a power-of-two multiple of the page size");
  auto ring = std::make_unique<detail::Ring>();
  int dup = ::fcntl(m.fd(), F_DUPFD_CLOEXEC, 3);
  if (dup < 0) return unexpected(Error::from_errno(errno, "dup ring buffer fd").with_context("map " + m.name()));
  ring->map_fd = sys::Fd(dup);
  const std::size_t page = page_size();
  void* c = ::mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED, ring->map_fd.get(), 0);
  if (c == MAP_FAILED)
    return unexpected(Error::from_errno(errno, "mmap ring buffer consumer page").with_context("map " + m.name()));
  ring->consumer_map = c;
  ring->consumer_len = page;
  // The producer page, then the data pages; the kernel maps the data twice back to back.
  const std::size_t plen = page + 2 * size;
  void* p = ::mmap(nullptr, plen, PROT_READ, MAP_SHARED, ring->map_fd.get(), static_cast<off_t>(page));
  if (p == MAP_FAILED)
    return unexpected(Error::from_errno(errno, "mmap ring buffer data").with_context("map " + m.name()));
  ring->producer_map = p;
  ring->producer_len = plen;
  ring->consumer = static_cast<std::uint64_t*>(c);
  ring->producer = static_cast<const std::uint64_t*>(p);
  ring->data = static_cast<const std::byte*>(p) + page;
  ring->mask = size - 1;
  return ring;
}

}  // namespace

Reader::Reader(Reader&& o) noexcept
    : rings_(std::move(o.rings_)), poller_(std::move(o.poller_)), next_ring_(o.next_ring_), scratch_(std::move(o.scratch_)) {}

Reader& Reader::operator=(Reader&& o) noexcept {
  if (this != &o) {
    rings_ = std::move(o.rings_);
    poller_ = std::move(o.poller_);
    next_ring_ = o.next_ring_;
    scratch_ = std::move(o.scratch_);
  }
  return *this;
}

Reader::~Reader() = default;

Result<Reader> Reader::open(const Map& ring) {
  Reader r;
  EBPF_TRY_VOID(r.poller_.open("ring buffer reader"));
  EBPF_TRY_VOID(r.add(ring));
  return r;
}

Result<void> Reader::add(const Map& m) {
  if (!poller_.is_open()) return fail(errc::closed, "ring buffer reader: not open");
  EBPF_TRY(auto ring, map_ring(m));
  auto added = poller_.add(ring->map_fd.get(), EPOLLIN, rings_.size());
  if (!added) return unexpected(std::move(added).error().with_context("map " + m.name()));
  rings_.push_back(std::move(ring));
  return {};
}

void Reader::set_deadline(std::chrono::steady_clock::time_point deadline) noexcept { poller_.set_deadline(deadline); }

void Reader::close() noexcept { poller_.close(); }

std::uint64_t Reader::available_bytes(std::size_t i) const noexcept {
  if (i >= rings_.size()) return 0;
  return rings_[i]->load_producer() - rings_[i]->load_consumer();
}

std::uint64_t Reader::size(std::size_t i) const noexcept { return i < rings_.size() ? rings_[i]->mask + 1 : 0; }

Result<bool> Reader::wait(std::chrono::milliseconds timeout) {
  static constexpr ebpf::detail::Poller::Messages kMessages{"ring buffer reader: closed",
                                                            "ring buffer reader: deadline exceeded"};
  return poller_.wait(timeout, kMessages);
}

Result<void> Reader::read_into(Record& rec) {
  if (rings_.empty()) return fail(errc::closed, "ring buffer reader: not open");
  for (;;) {
    // Round-robin over the rings, so one busy ring cannot starve the others.
    for (std::size_t k = 0; k < rings_.size(); ++k) {
      const std::size_t i = (next_ring_ + k) % rings_.size();
      auto copy = [&rec](std::span<const std::byte> s) {
        rec.sample.assign(s.begin(), s.end());
        return false;
      };
      if (rings_[i]->consume(copy, 1) == 1) {
        next_ring_ = i + 1;
        rec.ring = i;
        rec.remaining = available_bytes(i);
        return {};
      }
    }
    EBPF_TRY_VOID(wait(std::chrono::milliseconds(-1)));
  }
}

Result<Record> Reader::read() {
  Record rec;
  EBPF_TRY_VOID(read_into(rec));
  return rec;
}

}  // namespace ebpf::ringbuf
