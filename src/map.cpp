// Map: element operations' cold paths, batches, per-CPU values, fd maps, pinning, info, memory, iteration.
#include "ebpf/map.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "map_internal.hpp"

namespace ebpf {

namespace {

std::atomic<std::uint64_t> g_map_instances{0};

constexpr std::uint32_t align8(std::uint32_t n) noexcept { return (n + 7u) & ~7u; }

std::size_t page_size() noexcept {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

// Static messages per operation: [op][kind], kind = key_not_exist, key_exist, map_full, other errno, size.
constexpr const char* kOpMessages[][5] = {
    {"lookup: key does not exist", "lookup: key already exists", "lookup: map is full", "lookup",
     "lookup: key or value size does not match the map"},
    {"lookup and delete: key does not exist", "lookup and delete: key already exists", "lookup and delete: map is full",
     "lookup and delete", "lookup and delete: key or value size does not match the map"},
    {"update: key does not exist", "update: key already exists", "update: map is full", "update",
     "update: key or value size does not match the map"},
    {"delete: key does not exist", "delete: key already exists", "delete: map is full", "delete",
     "delete: key size does not match the map"},
    {"next key: no more keys", "next key: key already exists", "next key: map is full", "next key",
     "next key: key size does not match the map"},
    {"batch: key does not exist", "batch: key already exists", "batch: map is full", "batch",
     "batch: key or value buffer size does not match the map"},
};
constexpr int kNumOps = sizeof(kOpMessages) / sizeof(kOpMessages[0]);

}  // namespace

namespace detail {

Error map_op_error(int err, int op) noexcept {
  if (op < 0 || op >= kNumOps) op = kNumOps - 1;
  switch (err) {
    case ENOENT: return Error(errc::key_not_exist, err, kOpMessages[op][0]);
    case EEXIST: return Error(errc::key_exist, err, kOpMessages[op][1]);
    case E2BIG: return Error(errc::map_full, err, kOpMessages[op][2]);
    case EBADF: return Error(errc::closed, err, kOpMessages[op][3]);
    default: return Error::from_errno(err, kOpMessages[op][3]);
  }
}

Error map_closed_error() noexcept { return Error(errc::closed, EBADF, "map is closed"); }

Error map_size_error(int op) noexcept {
  if (op < 0 || op >= kNumOps) op = kNumOps - 1;
  return Error(errc::invalid_argument, EINVAL, kOpMessages[op][4]);
}

}  // namespace detail

// ---- possible CPUs ----

Result<std::uint32_t> parse_cpu_list(std::string_view list) {
  while (!list.empty() && (list.back() == '\n' || list.back() == ' ')) list.remove_suffix(1);
  if (list.empty()) return fail(errc::malformed, "cpu list: empty");
  std::uint64_t total = 0;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    auto parse = [](std::string_view s, std::uint32_t& out) {
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      return ec == std::errc{} && p == s.data() + s.size() && !s.empty();
    };
    std::uint32_t lo = 0, hi = 0;
    const std::size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      if (!parse(item, lo)) return fail(errc::malformed, "cpu list: invalid entry '" + std::string(item) + "'");
      hi = lo;
    } else if (!parse(item.substr(0, dash), lo) || !parse(item.substr(dash + 1), hi) || hi < lo) {
      return fail(errc::malformed, "cpu list: invalid range '" + std::string(item) + "'");
    }
    total += std::uint64_t{hi} - lo + 1;
    if (total > 1u << 20) return fail(errc::malformed, "cpu list: too many CPUs");
  }
  return static_cast<std::uint32_t>(total);
}

Result<std::uint32_t> possible_cpus() {
  static const Result<std::uint32_t> cached = []() -> Result<std::uint32_t> {
    std::ifstream in("/sys/devices/system/cpu/possible");
    if (!in) return fail(errc::sys, "read /sys/devices/system/cpu/possible", errno);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EBPF_TRY_CTX(auto n, parse_cpu_list(text), "possible CPUs");
    return n;
  }();
  return cached;
}

// ---- construction ----

Result<Map> Map::wrap(sys::Fd fd, std::string name, MapType type, std::uint32_t key_size, std::uint32_t value_size,
                      std::uint32_t max_entries, std::uint32_t flags, std::uint64_t map_extra) {
  Map m;
  m.map_extra_ = map_extra;
  m.name_ = std::move(name);
  m.type_ = type;
  m.key_size_ = key_size;
  m.value_size_ = value_size;
  m.full_value_size_ = value_size;
  m.max_entries_ = max_entries;
  m.flags_ = flags;
  if (has_per_cpu_value(type)) {
    EBPF_TRY(std::uint32_t cpus, possible_cpus());
    m.full_value_size_ = align8(value_size) * cpus;
  }
  m.instance_ = ++g_map_instances;
  m.fd_ = std::move(fd);
  return m;
}

namespace {
// Whether fd refers to a BPF map (the anonymous inode's name), so a pinned program is not taken for a map.
Result<void> check_is_map(int fd) {
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char target[64] = {};
  ssize_t n = ::readlink(link, target, sizeof target - 1);
  if (n < 0) return {};  // no procfs: trust the caller
  if (std::string_view(target, static_cast<std::size_t>(n)) != "anon_inode:bpf-map")
    return fail(errc::invalid_argument, "fd " + std::to_string(fd) + " is not a map (" + std::string(target, n) + ")");
  return {};
}

Result<sys::MapInfo> map_info_of(int fd) {
  sys::MapInfo info{};
  auto r = sys::obj_get_info_by_fd(fd, &info, sizeof info);
  if (r) return info;
  if (!r.error().is(std::errc::invalid_argument) && !r.error().is(errc::not_supported))
    return unexpected(std::move(r).error().with_context("map info"));
  // Kernels before 4.13: /proc/self/fdinfo.
  std::ifstream in("/proc/self/fdinfo/" + std::to_string(fd));
  if (!in) return unexpected(std::move(r).error().with_context("map info"));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_map_fdinfo(ss.str());
}
}  // namespace

Result<sys::MapInfo> parse_map_fdinfo(std::string_view text) {
  sys::MapInfo info{};
  bool have_type = false;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view val = line.substr(colon + 1);
    while (!val.empty() && (val.front() == '\t' || val.front() == ' ')) val.remove_prefix(1);
    int base = 10;
    if (val.size() > 2 && val[0] == '0' && (val[1] == 'x' || val[1] == 'X')) {
      val.remove_prefix(2);
      base = 16;
    }
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(val.data(), val.data() + val.size(), v, base);
    const bool ok = ec == std::errc{} && p == val.data() + val.size() && !val.empty();
    auto set32 = [&](std::uint32_t& field) -> Result<void> {
      if (!ok || v > 0xffffffffu) return fail(errc::malformed, "fdinfo: invalid value for " + std::string(key));
      field = static_cast<std::uint32_t>(v);
      return {};
    };
    if (key == "map_type") {
      EBPF_TRY_VOID(set32(info.type));
      have_type = true;
    } else if (key == "key_size") {
      EBPF_TRY_VOID(set32(info.key_size));
    } else if (key == "value_size") {
      EBPF_TRY_VOID(set32(info.value_size));
    } else if (key == "max_entries") {
      EBPF_TRY_VOID(set32(info.max_entries));
    } else if (key == "map_flags") {
      EBPF_TRY_VOID(set32(info.map_flags));
    } else if (key == "map_id") {
      EBPF_TRY_VOID(set32(info.id));
    } else if (key == "map_extra") {
      if (!ok) return fail(errc::malformed, "fdinfo: invalid value for map_extra");
      info.map_extra = v;
    }
  }
  if (!have_type) return fail(errc::malformed, "fdinfo: no map_type (not a map?)");
  return info;
}

Result<Map> Map::from_fd(sys::Fd fd) {
  if (!fd.valid()) return unexpected(detail::map_closed_error());
  EBPF_TRY_VOID(check_is_map(fd.get()));
  EBPF_TRY(sys::MapInfo info, map_info_of(fd.get()));
  std::string name(info.name, ::strnlen(info.name, sizeof info.name));
  return wrap(std::move(fd), std::move(name), static_cast<MapType>(info.type), info.key_size, info.value_size,
              info.max_entries, info.map_flags, info.map_extra);
}

Result<Map> Map::from_id(std::uint32_t id) {
  EBPF_TRY_CTX(sys::Fd fd, sys::get_fd_by_id(sys::ObjectKind::map, id), "map id " + std::to_string(id));
  return from_fd(std::move(fd));
}

Result<std::uint32_t> Map::next_id(std::uint32_t start_id) { return sys::get_next_id(sys::ObjectKind::map, start_id); }

Result<Map> Map::load_pinned(const std::string& path, const LoadPinOptions& options) {
  if (options.read_only && options.write_only)
    return fail(errc::invalid_argument, "load pinned map " + path + ": read-only and write-only exclude each other");
  auto fd = sys::obj_get(path.c_str(), options.file_flags());
  if (!fd) return unexpected(std::move(fd).error().with_context("load pinned map " + path));
  auto m = from_fd(std::move(*fd));
  if (!m) return unexpected(std::move(m).error().with_context("load pinned map " + path));
  m->pinned_path_ = path;
  return m;
}

Result<Map> Map::clone() const {
  if (!fd_.valid()) return unexpected(detail::map_closed_error());
  EBPF_TRY_CTX(sys::Fd dup, fd_.dup(), "clone map");
  Map m;
  m.fd_ = std::move(dup);
  m.name_ = name_;
  m.type_ = type_;
  m.key_size_ = key_size_;
  m.value_size_ = value_size_;
  m.full_value_size_ = full_value_size_;
  m.max_entries_ = max_entries_;
  m.flags_ = flags_;
  m.map_extra_ = map_extra_;
  m.instance_ = ++g_map_instances;
  return m;
}

// ---- per-CPU values ----

Result<void> Map::per_cpu_lookup(std::span<const std::byte> key, std::span<std::byte> out, std::size_t elem,
                                 std::uint64_t flags) const {
  if (!fd_.valid()) return unexpected(detail::map_closed_error());
  if (!has_per_cpu_value(type_))
    return unexpected(Error(errc::invalid_argument, 0, "per-cpu lookup: not a per-CPU map"));
  const std::uint32_t stride = align8(value_size_);
  if (elem != value_size_ || stride == 0 || out.size() / elem * stride != full_value_size_ || out.size() % elem != 0)
    return unexpected(detail::map_size_error(kOpLookup));
  if (stride == elem) return lookup(key, out, flags);
  std::vector<std::byte> buf(full_value_size_);
  EBPF_TRY_VOID(lookup(key, buf, flags));
  for (std::size_t cpu = 0, n = out.size() / elem; cpu < n; ++cpu)
    std::memcpy(out.data() + cpu * elem, buf.data() + cpu * stride, elem);
  return {};
}

Result<void> Map::per_cpu_update(std::span<const std::byte> key, std::span<const std::byte> values, std::size_t elem,
                                 std::uint64_t flags) const {
  if (!fd_.valid()) return unexpected(detail::map_closed_error());
  if (!has_per_cpu_value(type_))
    return unexpected(Error(errc::invalid_argument, 0, "per-cpu update: not a per-CPU map"));
  const std::uint32_t stride = align8(value_size_);
  if (elem != value_size_ || stride == 0 || values.size() % elem != 0 ||
      values.size() / elem * stride != full_value_size_)
    return unexpected(detail::map_size_error(kOpUpdate));
  if (stride == elem) return update(key, values, flags);
  std::vector<std::byte> buf(full_value_size_);
  for (std::size_t cpu = 0, n = values.size() / elem; cpu < n; ++cpu)
    std::memcpy(buf.data() + cpu * stride, values.data() + cpu * elem, elem);
  return update(key, buf, flags);
}

// ---- fd maps ----

Result<void> Map::update_fd(std::span<const std::byte> key, int fd, std::uint64_t flags) const noexcept {
  if (fd < 0) return unexpected(Error(errc::invalid_argument, EBADF, "update: invalid file descriptor as value"));
  if (value_size_ != sizeof(std::uint32_t))
    return unexpected(Error(errc::invalid_argument, EINVAL, "update: map values are not file descriptors"));
  const auto v = static_cast<std::uint32_t>(fd);
  return update(key, detail::bytes_of(v), flags);
}

// ---- batches ----

Result<BatchLookupResult> Map::batch_lookup_cmd(sys::Cmd cmd, BatchCursor& cursor, std::span<std::byte> keys,
                                                std::span<std::byte> values, const BatchOptions& options) const {
  if (!fd_.valid()) return unexpected(detail::map_closed_error());
  if (key_size_ == 0) return unexpected(Error(errc::invalid_argument, EINVAL, "batch lookup: map has no keys"));
  const std::size_t count = keys.size() / key_size_;
  if (keys.size() % key_size_ != 0 || values.size() != count * full_value_size_ || count > 0xffffffffu)
    return unexpected(detail::map_size_error(kOpBatch));
  if (cursor.map_instance_ != 0 && cursor.map_instance_ != instance_)
    return unexpected(Error(errc::invalid_argument, EINVAL, "batch lookup: a cursor may not be reused across maps"));
  // generic (array, lpm) batches want key_size bytes of position, hash maps a u32: take the larger.
  std::byte* position = cursor.position(std::max<std::size_t>(key_size_, 4));
  cursor.map_instance_ = instance_;
  if (cursor.done_) return BatchLookupResult{0, true};

  sys::MapBatchAttr attr{.in_batch = cursor.started_ ? position : nullptr,
                         .out_batch = position,
                         .keys = keys.data(),
                         .values = values.data(),
                         .count = static_cast<std::uint32_t>(count),
                         .map_fd = static_cast<std::uint32_t>(fd_.get()),
                         .elem_flags = options.elem_flags,
                         .flags = options.flags};
  const long r = sys::raw(cmd, &attr, sizeof attr);
  if (r < 0 && r != -ENOENT) {
    const bool del = cmd == sys::Cmd::map_lookup_and_delete_batch;
    if (r == -ENOSPC)
      return unexpected(Error(errc::sys, ENOSPC,
                              del ? "batch lookup and delete: batch size too small for a hash bucket"
                                  : "batch lookup: batch size too small for a hash bucket"));
    if (r == -EINVAL || r == -ENOTSUP || r == -524) {
      if (auto have = detail::have_batch_api(); !have) return unexpected(std::move(have).error());
    }
    return unexpected(Error::from_errno(static_cast<int>(-r), del ? "batch lookup and delete" : "batch lookup"));
  }
  cursor.started_ = true;
  if (r == -ENOENT) cursor.done_ = true;
  return BatchLookupResult{attr.count, cursor.done_};
}

Result<BatchLookupResult> Map::batch_lookup(BatchCursor& cursor, std::span<std::byte> keys, std::span<std::byte> values,
                                            const BatchOptions& options) const {
  return batch_lookup_cmd(sys::Cmd::map_lookup_batch, cursor, keys, values, options);
}

Result<BatchLookupResult> Map::batch_lookup_and_delete(BatchCursor& cursor, std::span<std::byte> keys,
                                                       std::span<std::byte> values, const BatchOptions& options) const {
  return batch_lookup_cmd(sys::Cmd::map_lookup_and_delete_batch, cursor, keys, values, options);
}

namespace {
// Batch update and delete: the number of elements processed, or the error (refined to not_supported when the
// kernel lacks batch operations).
Result<std::uint32_t> run_write_batch(sys::Cmd cmd, sys::MapBatchAttr& attr, int op) {
  const long r = sys::raw(cmd, &attr, sizeof attr);
  if (r < 0) {
    if (auto have = detail::have_batch_api(); !have) return unexpected(std::move(have).error());
    return unexpected(detail::map_op_error(static_cast<int>(-r), op));
  }
  return attr.count;
}
}  // namespace

Result<std::uint32_t> Map::batch_update(std::span<const std::byte> keys, std::span<const std::byte> values,
                                        const BatchOptions& options) const {
  if (!fd_.valid()) return unexpected(detail::map_closed_error());
  if (key_size_ == 0) return unexpected(Error(errc::invalid_argument, EINVAL, "batch update: map has no keys"));
  const std::size_t count = keys.size() / key_size_;
  if (keys.size() % key_size_ != 0 || values.size() != count * full_value_size_ || count > 0xffffffffu)
    return unexpected(detail::map_size_error(kOpBatch));
  sys::MapBatchAttr attr{.keys = keys.data(),
                         .values = values.data(),
                         .count = static_cast<std::uint32_t>(count),
                         .map_fd = static_cast<std::uint32_t>(fd_.get()),
                         .elem_flags = options.elem_flags,
                         .flags = options.flags};
  return run_write_batch(sys::Cmd::map_update_batch, attr, kOpBatch);
}

Result<std::uint32_t> Map::batch_delete(std::span<const std::byte> keys, const BatchOptions& options) const {
  if (!fd_.valid()) return unexpected(detail::map_closed_error());
  if (key_size_ == 0) return unexpected(Error(errc::invalid_argument, EINVAL, "batch delete: map has no keys"));
  const std::size_t count = keys.size() / key_size_;
  if (keys.size() % key_size_ != 0 || count > 0xffffffffu) return unexpected(detail::map_size_error(kOpBatch));
  sys::MapBatchAttr attr{.keys = keys.data(),
                         .count = static_cast<std::uint32_t>(count),
                         .map_fd = static_cast<std::uint32_t>(fd_.get()),
                         .elem_flags = options.elem_flags,
                         .flags = options.flags};
  return run_write_batch(sys::Cmd::map_delete_batch, attr, kOpBatch);
}

// ---- whole-map operations ----

Result<void> Map::freeze() const {
  if (!fd_.valid()) return unexpected(detail::map_closed_error());
  auto r = sys::map_freeze(fd_.get());
  if (!r) {
    if (auto have = detail::have_map_mutability_modifiers(); !have)
      return unexpected(std::move(have).error().with_context("can't freeze map"));
    return unexpected(std::move(r).error().with_context("can't freeze map"));
  }
  return {};
}

Result<Memory> Map::memory() const {
  if (!fd_.valid()) return unexpected(detail::map_closed_error());
  if ((flags_ & map_flags::mmapable) == 0)
    return unexpected(Error(errc::not_supported, 0, "memory: map was not created with BPF_F_MMAPABLE"));
  std::uint64_t size = 0;
  const std::uint64_t page = page_size();
  if (type_ == MapType::array) {
    // Array values are laid out on 8-byte boundaries whatever the architecture.
    size = std::uint64_t{align8(value_size_)} * max_entries_;
    size = (size + page - 1) / page * page;
  } else if (type_ == MapType::arena) {
    size = std::uint64_t{max_entries_} * page;
  } else {
    return fail(errc::not_supported, "memory: cannot size a mapping of map type " + std::string(to_string(type_)));
  }
  if (size == 0) return unexpected(Error(errc::invalid_argument, 0, "memory: map has zero size"));
  bool read_only = false;
  // An arena created with a user address (map_extra) must be mapped exactly there.
  void* hint = nullptr;
  int mflags = MAP_SHARED;
  if (type_ == MapType::arena && map_extra_ != 0) {
    hint = reinterpret_cast<void*>(static_cast<std::uintptr_t>(map_extra_));
    mflags |= MAP_FIXED_NOREPLACE;
  }
  void* p = ::mmap(hint, size, PROT_READ | PROT_WRITE, mflags, fd_.get(), 0);
  if (p == MAP_FAILED && errno == EPERM) {
    read_only = true;
    p = ::mmap(hint, size, PROT_READ, mflags, fd_.get(), 0);
  }
  if (p == MAP_FAILED) return unexpected(Error::from_errno(errno, "memory: mmap map"));
  return Memory(static_cast<std::byte*>(p), size, read_only);
}

Result<void> Map::pin(const std::string& path) {
  if (!fd_.valid()) return unexpected(detail::map_closed_error());
  if (path.empty()) return fail(errc::invalid_argument, "pin map: empty path");
  if (path == pinned_path_) return {};
  if (!pinned_path_.empty()) {
    // Move the existing pin; never replace a file at the new path.
    if (::renameat2(AT_FDCWD, pinned_path_.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) {
      pinned_path_ = path;
      return {};
    }
    if (errno != ENOENT) return fail(errc::sys, "pin map: move pin " + pinned_path_ + " to " + path, errno);
    // The old pin vanished: pin afresh.
  }
  auto r = sys::obj_pin(fd_.get(), path.c_str());
  if (!r) return unexpected(std::move(r).error().with_context("pin map to " + path));
  pinned_path_ = path;
  return {};
}

Result<void> Map::unpin() {
  if (pinned_path_.empty()) return {};
  if (::unlink(pinned_path_.c_str()) != 0 && errno != ENOENT)
    return fail(errc::sys, "unpin map " + pinned_path_ + ": " + std::strerror(errno), errno);
  pinned_path_.clear();
  return {};
}

Result<sys::MapInfo> Map::info() const {
  if (!fd_.valid()) return unexpected(detail::map_closed_error());
  return map_info_of(fd_.get());
}

Result<std::uint32_t> Map::btf_id() const {
  EBPF_TRY(sys::MapInfo info, this->info());
  if (info.btf_id == 0) return unexpected(Error(errc::not_supported, 0, "map has no BTF"));
  return info.btf_id;
}

// ---- iteration ----

MapIterator::MapIterator(const Map& map) : map_(&map), cursor_(map.key_size()) {}

bool MapIterator::next(std::span<std::byte> key, std::span<std::byte> value) {
  if (done_ || has_error_) return false;
  auto stop = [&](Error e) {
    error_ = std::move(e);
    has_error_ = true;
    return false;
  };
  if (!map_->valid()) return stop(detail::map_closed_error());
  if (key.size() != map_->key_size() || value.size() != map_->full_value_size())
    return stop(Error(errc::invalid_argument, EINVAL, "iterate: key or value size does not match the map"));
  // For array-like maps the kernel only reports the end after max_entries keys; more than that means the
  // iteration kept restarting because keys were deleted under it.
  while (count_ <= map_->max_entries()) {
    auto r = started_ ? map_->next_key(cursor_, cursor_) : map_->next_key({}, cursor_);
    started_ = true;
    if (!r) {
      if (r.error().is(errc::key_not_exist)) {
        done_ = true;
        return false;
      }
      return stop(std::move(r).error().with_context("get next key"));
    }
    ++count_;
    auto l = map_->lookup(cursor_, value);
    if (!l) {
      // Deleted since next_key (iteration likely restarts), or an empty slot of an fd array: skip it.
      if (l.error().is(errc::key_not_exist)) continue;
      return stop(std::move(l).error().with_context("look up next key"));
    }
    if (!cursor_.empty()) std::memcpy(key.data(), cursor_.data(), cursor_.size());
    return true;
  }
  return stop(Error(errc::iteration_aborted, 0, "iteration aborted: keys kept changing during iteration"));
}

}  // namespace ebpf
