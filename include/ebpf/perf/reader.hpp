// Reading BPF_MAP_TYPE_PERF_EVENT_ARRAY maps (perf event buffers; requires Linux 4.4, overwritable rings 4.18).
//
// The reader opens one PERF_COUNT_SW_BPF_OUTPUT event per online CPU, maps a ring for each, stores the event
// fds in the map (index = CPU) and watches them all on one epoll set. Programs write with
// bpf_perf_event_output(ctx, &map, BPF_F_CURRENT_CPU, data, size). Samples are handed to callbacks as views
// into the ring; a sample that wraps the end of a ring is copied once into a buffer the reader reuses. When a
// ring is full the kernel drops samples and later reports how many in a lost-samples record, which the reader
// passes on as an Event with `lost` set and no sample.
#pragma once

#include <linux/perf_event.h>

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

namespace ebpf::perf {

struct ReaderOptions {
  // Data bytes per CPU ring, rounded up to a power-of-two number of pages (at least one page). 0: 64 KiB.
  std::size_t per_cpu_buffer = 0;
  // Wake a blocked reader once a ring holds this many bytes (0: use watermark_events instead).
  std::uint32_t watermark_bytes = 0;
  // Or once a ring holds this many samples (0 or 1: every sample).
  std::uint32_t watermark_events = 1;
  // Overwritable (backward) rings: the kernel never drops samples but overwrites the oldest ones. The reader
  // pauses a ring while it reads it and hands out the samples written since the last read, newest first.
  bool overwritable = false;
};

// One record handed to a consume() callback. The span is valid only during the call.
struct Event {
  std::span<const std::byte> sample;  // bpf_perf_event_output's data, padded to 4 mod 8 bytes with stale bytes
  std::uint64_t lost = 0;             // a lost-samples record: samples this CPU's ring dropped; sample is empty
  int cpu = -1;
};

// A record copied out of a ring (read() / read_into()); reused buffers keep their capacity.
struct Record {
  std::vector<std::byte> sample;
  std::uint64_t lost = 0;
  int cpu = -1;
  std::uint64_t remaining = 0;  // bytes still unread in that CPU's ring after this record
};

namespace detail {

// One CPU's event and mapped ring. data_head / data_tail are shared with the kernel, which publishes data_head
// with release order after writing records and reads data_tail to know what it may overwrite.
struct Ring {
  sys::Fd event;
  perf_event_mmap_page* meta = nullptr;
  const std::byte* data = nullptr;
  std::uint64_t size = 0;  // data bytes, a power of two
  void* mapping = nullptr;
  std::size_t mapping_len = 0;
  int cpu = -1;
  bool overwritable = false;
  // Overwritable rings are read in windows: [window_pos, window_end) are the records written between the
  // previous window's head and this one's; the ring stays paused until the window is read.
  std::uint64_t last_head = 0;
  std::uint64_t window_pos = 0;
  std::uint64_t window_end = 0;
  bool in_window = false;

  Ring() = default;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring();

  [[nodiscard]] std::uint64_t load_head() const noexcept { return __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE); }
  [[nodiscard]] std::uint64_t load_tail() const noexcept { return __atomic_load_n(&meta->data_tail, __ATOMIC_RELAXED); }
  void store_tail(std::uint64_t tail) noexcept { __atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE); }

  // The record at position pos of `len` bytes: in place, or copied into scratch when it wraps the end.
  const std::byte* record_at(std::uint64_t pos, std::size_t len, std::byte* scratch) const noexcept {
    const std::uint64_t off = pos & (size - 1);
    if (off + len <= size) return data + off;
    const std::size_t first = static_cast<std::size_t>(size - off);
    std::memcpy(scratch, data + off, first);
    std::memcpy(scratch + first, data, len - first);
    return scratch;
  }

  // Turns the record at rec (header h included) into an Event; false for record types the reader skips.
  bool decode(const perf_event_header& h, const std::byte* rec, Event& ev) const noexcept {
    ev.cpu = cpu;
    if (h.type == PERF_RECORD_SAMPLE && h.size >= sizeof h + 4) [[likely]] {
      std::uint32_t raw = 0;
      std::memcpy(&raw, rec + sizeof h, 4);
      if (raw > h.size - sizeof h - 4u) return false;  // malformed: never expected from the kernel
      ev.sample = std::span<const std::byte>(rec + sizeof h + 4, raw);
      ev.lost = 0;
      return true;
    }
    if (h.type == PERF_RECORD_LOST && h.size >= sizeof h + 16) {
      std::memcpy(&ev.lost, rec + sizeof h + 8, 8);  // after the event id
      ev.sample = {};
      return true;
    }
    return false;
  }

  template <class F>
  static bool deliver(F& cb, const Event& ev) {
    if constexpr (std::is_same_v<std::invoke_result_t<F&, const Event&>, bool>)
      return cb(ev);
    else {
      cb(ev);
      return true;
    }
  }

  // Forward ring: hands every complete record to cb, oldest first. data_tail moves once, after the batch (or
  // after the record whose callback returned false): until then the kernel leaves the records alone.
  //
  // For small records the loop is bound by its one chain across records: the next record's address depends on
  // this record's size. The walk therefore keeps a pointer into the mapping (no position masking per record),
  // loads the 16-bit size field by itself, lets the CPU predict the next address (next_step), and leaves the
  // wrap at the ring's end and other record types to an out-of-line path.
  template <class F>
  std::size_t consume_forward(F& cb, std::size_t limit, std::byte* scratch, bool& stop) {
    // Locals, not members, in the loop: the callback's stores could otherwise alias them and force reloads.
    // Nothing the loop keeps (n, the event, cb) is passed by reference out of line: all of it stays in registers.
    const std::byte* const base = data;
    const std::byte* const ring_end = base + size;
    const std::uint64_t start = load_tail();
    std::uint64_t tail = start;
    std::uint64_t head = load_head();
    std::size_t n = 0;
    std::uint64_t stride = 0;  // the size of the previous sample: see next_step
    while (tail < head && n < limit) {
      // The contiguous stretch of [tail, head) from tail to at most the end of the ring.
      const std::byte* const first = base + (tail & (size - 1));
      const std::uint64_t room = static_cast<std::uint64_t>(ring_end - first);
      const std::byte* const end = first + (head - tail < room ? head - tail : room);
      const std::byte* p = first;
      while (p < end) {
        const std::uint16_t len = load_u16(p + 6);  // perf_event_header: u32 type, u16 misc, u16 size
        // Records are 8-aligned, so a header never wraps; a record past `end` wraps the ring (or is malformed).
        if (len < sizeof(perf_event_header) + 4 || len > end - p || load_u32(p) != PERF_RECORD_SAMPLE) [[unlikely]]
          break;
        const std::uint32_t raw = load_u32(p + sizeof(perf_event_header));
        const std::byte* const sample = p + sizeof(perf_event_header) + 4;
        p += next_step(len, stride);
        if (raw > len - sizeof(perf_event_header) - 4u) [[unlikely]]
          continue;  // malformed: never expected from the kernel
        ++n;
        if (!deliver(cb, Event{std::span<const std::byte>(sample, raw), 0, cpu})) [[unlikely]] {
          stop = true;
          store_tail(tail + static_cast<std::uint64_t>(p - first));
          return n;
        }
        if (n >= limit) [[unlikely]]
          break;
      }
      tail += static_cast<std::uint64_t>(p - first);
      if (p < end && n < limit) {
        // Stopped at a record the loop above does not take: one that wraps, a lost-samples record, another type.
        const Slow s = decode_slow(tail, head, scratch);
        if (s.len == 0) break;  // malformed header: cannot happen, do not spin on it
        tail += s.len;
        if (s.deliver) {
          ++n;
          if (!deliver(cb, s.ev)) {
            stop = true;
            store_tail(tail);
            return n;
          }
        }
        continue;
      }
      if (tail >= head && n < limit) head = load_head();  // caught up: anything newer?
    }
    if (tail != start) store_tail(tail);
    return n;
  }

 private:
  static std::uint32_t load_u32(const std::byte* p) noexcept {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  static std::uint16_t load_u16(const std::byte* p) noexcept {
    std::uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }

  // Returns len, which must be the record's size. Records of one size after another are the common case, and
  // the size read from each header is the loop's chain from one record to the next (a cache miss per record
  // when records span cache lines). Advancing by the previous size behind a branch that checks it lets the
  // CPU predict the next header's address and load several headers at once; a size change costs one
  // mispredicted branch. The empty asm keeps both the branch (no conditional move, which would bring the chain
  // back) and the compiler from replacing the previous size with len where they are equal.
  static std::uint64_t next_step(std::uint64_t len, std::uint64_t& stride) noexcept {
    std::uint64_t step = stride;
    if (len != step) [[unlikely]] {
      asm volatile("" : "+r"(len));
      stride = len;
      return len;
    }
    asm("" : "+r"(step));
    return step;
  }

  struct Slow {
    Event ev;
    std::uint32_t len = 0;  // bytes the record takes in the ring; 0: malformed header
    bool deliver = false;   // false: a record type the reader skips
  };
  // The record at position tail (tail < head): copied into scratch if it wraps the end of the ring, then
  // decoded. Out of line: the per-record loop only takes samples that do not wrap.
  [[gnu::noinline]] Slow decode_slow(std::uint64_t tail, std::uint64_t head, std::byte* scratch) const noexcept {
    Slow s;
    perf_event_header h;
    std::memcpy(&h, data + (tail & (size - 1)), sizeof h);
    if (h.size < sizeof h || h.size > head - tail) return s;
    s.len = h.size;
    s.deliver = decode(h, record_at(tail, h.size, scratch), s.ev);
    return s;
  }

 public:
};

}  // namespace detail

class Reader {
 public:
  Reader() = default;
  Reader(Reader&&) noexcept;
  Reader& operator=(Reader&&) noexcept;
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  // Closes the events; the map keeps stale fds until the map goes away (writes to them then fail).
  ~Reader();

  // A reader of one perf event array, with a ring on every online CPU. The array must have an entry per
  // online CPU. Requires CAP_PERFMON (or root) for system-wide events.
  static Result<Reader> open(const Map& array, const ReaderOptions& options = {});

  // Hands every record available now, in every ring, to cb(const perf::Event&) and returns how many.
  // cb may return bool: false stops after that record. Overwritable rings are paused while read.
  template <class F>
    requires std::invocable<F&, const Event&>
  std::size_t consume(F&& cb) {
    std::size_t n = 0;
    bool stop = false;
    for (auto& r : rings_) {
      n += consume_ring(*r, cb, SIZE_MAX, stop);
      if (stop) break;
    }
    return n;
  }

  // Waits until a ring has data (see the watermark), the timeout passes (returns 0; negative: no limit) or
  // close() is called (errc::closed), then consumes everything available.
  template <class F>
    requires std::invocable<F&, const Event&>
  Result<std::size_t> poll(std::chrono::milliseconds timeout, F&& cb) {
    if (std::size_t n = consume(cb); n > 0) return n;
    auto w = wait(timeout);
    if (!w) return unexpected(std::move(w).error());
    return *w ? consume(cb) : std::size_t{0};
  }

  // Blocks until one record is available and copies it into rec (reusing its buffer). ETIMEDOUT
  // (Error::is(std::errc::timed_out)) once the deadline passes, errc::closed after close().
  Result<void> read_into(Record& rec);
  Result<Record> read();
  // One sample as a trivially copyable T. The kernel pads samples to 4 mod 8 bytes, so the sample must hold
  // at least sizeof(T) bytes and at most sizeof(T) rounded up the same way; a lost-samples record is
  // errc::not_found naming it (the count is lost to this call: use read_into to see it).
  template <class T>
    requires std::is_trivially_copyable_v<T>
  Result<T> read() {
    EBPF_TRY_VOID(read_into(scratch_record_));
    if (scratch_record_.lost != 0)
      return unexpected(Error(errc::not_found, 0, "perf reader: lost samples instead of a sample"));
    const std::size_t n = scratch_record_.sample.size();
    if (n < sizeof(T) || n > padded_size(sizeof(T)))
      return unexpected(Error(errc::invalid_argument, 0, "perf reader: sample size differs from the requested type"));
    T out;
    std::memcpy(&out, scratch_record_.sample.data(), sizeof(T));
    return out;
  }

  // Stops (pause) or restarts the kernel writing to every ring (PERF_EVENT_IOC_PAUSE_OUTPUT, Linux 4.7):
  // samples written while paused are dropped and counted as lost. Requires an open reader.
  Result<void> pause();
  Result<void> resume();

  // Blocking calls give up at this time (default-constructed: never). Thread-safe.
  void set_deadline(std::chrono::steady_clock::time_point deadline) noexcept { poller_.set_deadline(deadline); }
  // Wakes every blocked call, which fails with errc::closed, as do later blocking calls. Thread-safe.
  void close() noexcept { poller_.close(); }

  [[nodiscard]] std::size_t rings() const noexcept { return rings_.size(); }
  [[nodiscard]] int cpu(std::size_t ring) const noexcept { return ring < rings_.size() ? rings_[ring]->cpu : -1; }
  // Data bytes of each ring, and the bytes unread in ring i.
  [[nodiscard]] std::uint64_t per_cpu_buffer() const noexcept { return rings_.empty() ? 0 : rings_[0]->size; }
  [[nodiscard]] std::uint64_t available_bytes(std::size_t ring) const noexcept;
  [[nodiscard]] int epoll_fd() const noexcept { return poller_.fd(); }

  // Sample sizes the kernel produces for a payload of n bytes (u32 size + data padded to 8).
  static constexpr std::size_t padded_size(std::size_t n) noexcept { return ((n + 4 + 7) & ~std::size_t{7}) - 4; }

 private:
  template <class F>
  std::size_t consume_ring(detail::Ring& r, F& cb, std::size_t limit, bool& stop) {
    if (!r.overwritable) [[likely]]
      return r.consume_forward(cb, limit, scratch_.get(), stop);
    auto thunk = [](void* ctx, const Event& ev) { return detail::Ring::deliver(*static_cast<F*>(ctx), ev); };
    return consume_backward(r, limit, stop, thunk, const_cast<void*>(static_cast<const void*>(std::addressof(cb))));
  }
  // Overwritable rings: out of line, not a hot path.
  std::size_t consume_backward(detail::Ring& r, std::size_t limit, bool& stop, bool (*fn)(void*, const Event&),
                               void* ctx);
  Result<bool> wait(std::chrono::milliseconds timeout);
  void remove_entries() noexcept;

  std::vector<std::unique_ptr<detail::Ring>> rings_;
  std::unique_ptr<std::byte[]> scratch_;  // one record of up to 64 KiB (perf_event_header::size is 16 bits)
  std::unique_ptr<Map> map_;  // a clone of the array: the reader removes its entries when it goes away
  ebpf::detail::Poller poller_;
  bool user_paused_ = false;
  std::size_t next_ring_ = 0;
  Record scratch_record_;
};

}  // namespace ebpf::perf
