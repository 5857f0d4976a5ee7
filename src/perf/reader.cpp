#include "ebpf/perf/reader.hpp"

#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <string>

#include "ebpf/map.hpp"
#include "ebpf/sys/perf_event.hpp"

namespace ebpf::perf {
namespace detail {

Ring::~Ring() {
  if (mapping != nullptr) ::munmap(mapping, mapping_len);
}

}  // namespace detail

namespace {

constexpr std::size_t kDefaultBuffer = 64 * 1024;
constexpr std::size_t kMaxRecord = 1u << 16;  // perf_event_header::size is 16 bits

std::size_t page_size() noexcept {
  static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

// "0-3,5,7-8" -> {0,1,2,3,5,7,8}.
Result<std::vector<int>> online_cpus() {
  std::ifstream in("/sys/devices/system/cpu/online");
  if (!in) return fail(errc::sys, "read /sys/devices/system/cpu/online", errno);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<int> cpus;
  std::string_view rest(text);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    while (!item.empty() && (item.back() == '\n' || item.back() == ' ')) item.remove_suffix(1);
    if (item.empty()) continue;
    int lo = 0, hi = 0;
    const auto dash = item.find('-');
    auto parse = [](std::string_view t, int& v) {
      auto r = std::from_chars(t.data(), t.data() + t.size(), v);
      return r.ec == std::errc() && r.ptr == t.data() + t.size() && v >= 0;
    };
    const bool ok = dash == std::string_view::npos
                        ? parse(item, lo) && (hi = lo, true)
                        : parse(item.substr(0, dash), lo) && parse(item.substr(dash + 1), hi) && hi >= lo;
    if (!ok || hi - lo > (1 << 16)) return fail(errc::malformed, "online cpu list: invalid item '" + std::string(item) + "'");
    for (int c = lo; c <= hi; ++c) cpus.push_back(c);
  }
  if (cpus.empty()) return fail(errc::malformed, "online cpu list: empty");
  return cpus;
}

Result<std::unique_ptr<detail::Ring>> open_ring(int cpu, std::size_t pages, const ReaderOptions& o) {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_BPF_OUTPUT;
  attr.sample_type = PERF_SAMPLE_RAW;
  attr.sample_period = 1;
  if (o.watermark_bytes != 0) {
    attr.watermark = 1;
    attr.wakeup_watermark = o.watermark_bytes;
  } else {
    attr.wakeup_events = o.watermark_events == 0 ? 1 : o.watermark_events;
  }
  attr.write_backward = o.overwritable ? 1 : 0;
  auto ring = std::make_unique<detail::Ring>();
  ring->cpu = cpu;
  ring->overwritable = o.overwritable;
  EBPF_TRY(ring->event, sys::perf_event_open(attr, -1, cpu, -1, 0, "perf_event_open bpf output"));
  const std::size_t page = page_size();
  ring->mapping_len = (pages + 1) * page;
  // A read-only mapping is what makes the kernel ignore data_tail and overwrite old records.
  const int prot = o.overwritable ? PROT_READ : PROT_READ | PROT_WRITE;
  void* m = ::mmap(nullptr, ring->mapping_len, prot, MAP_SHARED, ring->event.get(), 0);
  if (m == MAP_FAILED) return unexpected(Error::from_errno(errno, "mmap perf ring"));
  ring->mapping = m;
  ring->meta = static_cast<perf_event_mmap_page*>(m);
  ring->data = static_cast<const std::byte*>(m) + page;
  ring->size = pages * page;
  EBPF_TRY_VOID(sys::perf_ioctl(ring->event.get(), PERF_EVENT_IOC_ENABLE, 0, "enable perf event"));
  return ring;
}

}  // namespace

Reader::Reader(Reader&& o) noexcept
    : rings_(std::move(o.rings_)),
      scratch_(std::move(o.scratch_)),
      map_(std::move(o.map_)),
      poller_(std::move(o.poller_)),
      user_paused_(o.user_paused_),
      next_ring_(o.next_ring_),
      scratch_record_(std::move(o.scratch_record_)) {}

Reader& Reader::operator=(Reader&& o) noexcept {
  if (this != &o) {
    remove_entries();
    rings_ = std::move(o.rings_);
    scratch_ = std::move(o.scratch_);
    map_ = std::move(o.map_);
    poller_ = std::move(o.poller_);
    user_paused_ = o.user_paused_;
    next_ring_ = o.next_ring_;
    scratch_record_ = std::move(o.scratch_record_);
  }
  return *this;
}

Reader::~Reader() { remove_entries(); }

void Reader::remove_entries() noexcept {
  // The array holds a reference to each event: remove them so the events (and their rings) go away now.
  if (map_ != nullptr) {
    for (const auto& r : rings_) (void)map_->erase(static_cast<std::uint32_t>(r->cpu));
  }
}

Result<Reader> Reader::open(const Map& array, const ReaderOptions& options) {
  const std::string ctx = "perf reader: map " + array.name();
  if (array.type() != MapType::perf_event_array)
    return fail(errc::invalid_argument, ctx + ": not a perf event array (type " + std::string(to_string(array.type())) + ")");
  const std::size_t page = page_size();
  std::size_t want = options.per_cpu_buffer == 0 ? kDefaultBuffer : options.per_cpu_buffer;
  if (want > (std::size_t{1} << 31)) return fail(errc::invalid_argument, ctx + ": per-CPU buffer too large");
  const std::size_t pages = std::bit_ceil((want + page - 1) / page);
  EBPF_TRY_CTX(auto cpus, online_cpus(), ctx);
  Reader r;
  EBPF_TRY_CTX(auto clone, array.clone(), ctx);
  r.map_ = std::make_unique<Map>(std::move(clone));
  r.scratch_ = std::make_unique<std::byte[]>(kMaxRecord);
  EBPF_TRY_VOID(r.poller_.open("perf reader"));
  r.rings_.reserve(cpus.size());
  for (int cpu : cpus) {
    const std::string cctx = ctx + ": cpu " + std::to_string(cpu);
    if (static_cast<std::uint32_t>(cpu) >= array.max_entries())
      return fail(errc::invalid_argument, cctx + ": the array has only " + std::to_string(array.max_entries()) + " entries");
    EBPF_TRY_CTX(auto ring, open_ring(cpu, pages, options), cctx);
    auto added = r.poller_.add(ring->event.get(), EPOLLIN, r.rings_.size());
    if (!added) return unexpected(std::move(added).error().with_context(cctx));
    const int fd = ring->event.get();
    r.rings_.push_back(std::move(ring));  // from here the destructor removes the entry again
    auto put = r.map_->update_fd(static_cast<std::uint32_t>(cpu), fd);
    if (!put) return unexpected(std::move(put).error().with_context(cctx));
  }
  return r;
}

std::uint64_t Reader::available_bytes(std::size_t i) const noexcept {
  if (i >= rings_.size()) return 0;
  const auto& r = *rings_[i];
  if (r.overwritable) return r.in_window ? r.window_end - r.window_pos : 0;
  return r.load_head() - r.load_tail();
}

std::size_t Reader::consume_backward(detail::Ring& r, std::size_t limit, bool& stop,
                                     bool (*fn)(void*, const Event&), void* ctx) {
  if (!r.in_window) {
    // Keep the kernel from overwriting what we read; the window stays valid until resumed.
    if (!sys::perf_ioctl(r.event.get(), PERF_EVENT_IOC_PAUSE_OUTPUT, 1, "pause perf ring")) return 0;
    const std::uint64_t head = r.load_head();
    std::uint64_t end = r.last_head;  // everything from the previous head on was read before
    if (end - head > r.size) end = head + r.size;  // the ring went round: at most one ring's worth survives
    r.window_pos = head;
    r.window_end = end;
    r.last_head = head;
    r.in_window = true;
  }
  std::size_t n = 0;
  while (r.window_pos != r.window_end && n < limit) {
    const std::uint64_t left = r.window_end - r.window_pos;
    if (left < sizeof(perf_event_header)) {
      r.window_pos = r.window_end;
      break;
    }
    perf_event_header h;
    std::memcpy(&h, r.data + (r.window_pos & (r.size - 1)), sizeof h);
    // Zero: never written (the ring has not gone round); longer than what is left: partly overwritten.
    if (h.size < sizeof h || h.size > left) {
      r.window_pos = r.window_end;
      break;
    }
    const std::byte* rec = r.record_at(r.window_pos, h.size, scratch_.get());
    r.window_pos += h.size;
    Event ev;
    if (r.decode(h, rec, ev)) {
      ++n;
      if (!fn(ctx, ev)) {
        stop = true;
        break;
      }
    }
  }
  if (r.window_pos == r.window_end) {
    r.in_window = false;
    if (!user_paused_) (void)sys::perf_ioctl(r.event.get(), PERF_EVENT_IOC_PAUSE_OUTPUT, 0, "resume perf ring");
  }
  return n;
}

Result<void> Reader::pause() {
  if (rings_.empty()) return fail(errc::closed, "perf reader: not open");
  for (auto& r : rings_)
    EBPF_TRY_VOID(sys::perf_ioctl(r->event.get(), PERF_EVENT_IOC_PAUSE_OUTPUT, 1, "perf reader: pause"));
  user_paused_ = true;
  return {};
}

Result<void> Reader::resume() {
  if (rings_.empty()) return fail(errc::closed, "perf reader: not open");
  for (auto& r : rings_) {
    if (r->in_window) continue;  // resumed once its window is read
    EBPF_TRY_VOID(sys::perf_ioctl(r->event.get(), PERF_EVENT_IOC_PAUSE_OUTPUT, 0, "perf reader: resume"));
  }
  user_paused_ = false;
  return {};
}

Result<bool> Reader::wait(std::chrono::milliseconds timeout) {
  static constexpr ebpf::detail::Poller::Messages kMessages{"perf reader: closed", "perf reader: deadline exceeded"};
  return poller_.wait(timeout, kMessages);
}

Result<void> Reader::read_into(Record& rec) {
  if (rings_.empty()) return fail(errc::closed, "perf reader: not open");
  for (;;) {
    for (std::size_t k = 0; k < rings_.size(); ++k) {
      const std::size_t i = (next_ring_ + k) % rings_.size();
      auto copy = [&rec](const Event& ev) {
        rec.sample.assign(ev.sample.begin(), ev.sample.end());
        rec.lost = ev.lost;
        rec.cpu = ev.cpu;
        return false;
      };
      bool stop = false;
      if (consume_ring(*rings_[i], copy, 1, stop) == 1) {
        next_ring_ = i + 1;
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

}  // namespace ebpf::perf
