// Map: a live kernel map, owned through its file descriptor.
//
// Two layers:
//   * a byte core: lookup / update / erase / next_key on std::span<std::byte>. It checks sizes against the
//     map, issues one bpf() call and never allocates; errors carry static messages (a miss is
//     errc::key_not_exist, as cheap as a success).
//   * typed templates on top for trivially copyable keys and values (lookup<K, V>(key) -> Result<V>), which
//     check sizeof(K) / sizeof(V) against the map at run time on every call, and TypedMap<K, V> which checks
//     them once at construction.
//
// Per-CPU maps (percpu_hash, percpu_array, lru_percpu_hash, percpu_cgroup_storage) hold one value per
// possible CPU, each padded to 8 bytes: the byte core wants value buffers of full_value_size() bytes, the
// typed per-CPU calls take a std::span<V> of possible_cpus() elements.
//
// Map is move-only; clone() duplicates the descriptor explicitly. A moved-from or closed map answers every
// operation with errc::closed.
#pragma once

#include <sys/mman.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ebpf/error.hpp"
#include "ebpf/map_spec.hpp"
#include "ebpf/sys/attr.hpp"
#include "ebpf/sys/bpf.hpp"
#include "ebpf/sys/fd.hpp"
#include "ebpf/types.hpp"

namespace ebpf {

// Element flags for update, lookup (lock only) and the batch calls' elem_flags.
namespace elem_flags {
inline constexpr std::uint64_t any = 0;       // BPF_ANY: create or replace
inline constexpr std::uint64_t no_exist = 1;  // BPF_NOEXIST: create only (EEXIST -> errc::key_exist)
inline constexpr std::uint64_t exist = 2;     // BPF_EXIST: replace only (ENOENT -> errc::key_not_exist)
inline constexpr std::uint64_t lock = 4;      // BPF_F_LOCK: copy the value under its bpf_spin_lock
}  // namespace elem_flags

// Number of possible CPUs (/sys/devices/system/cpu/possible), read once and cached.
Result<std::uint32_t> possible_cpus();
// Parses a kernel CPU list ("0-3", "0,2-5\n") and returns how many CPUs it names.
Result<std::uint32_t> parse_cpu_list(std::string_view list);

// Map information from the text of /proc/self/fdinfo/<fd> (kernels without BPF_OBJ_GET_INFO_BY_FD). Fills
// type, id, key/value size, max entries, flags and map_extra; the name is not available there.
Result<sys::MapInfo> parse_map_fdinfo(std::string_view text);

// file_flags for opening a pinned map.
struct LoadPinOptions {
  bool read_only = false;   // BPF_F_RDONLY: the fd may only look up
  bool write_only = false;  // BPF_F_WRONLY: the fd may only update / delete
  [[nodiscard]] std::uint32_t file_flags() const noexcept {
    return (read_only ? map_flags::rdonly : 0u) | (write_only ? map_flags::wronly : 0u);
  }
};

// BTF describing a map's key and value: the hook for the BTF module. Until MapSpec carries BTF types
// itself, the collection (or any caller) loads the BTF and passes its fd and type ids here. When the kernel
// refuses BTF for a map type (EINVAL / ENOTSUPP), creation retries without it, as older kernels demand.
struct MapBtf {
  int fd = -1;  // a BTF object fd (sys::btf_load); -1 for none. Not owned.
  std::uint32_t key_type_id = 0;
  std::uint32_t value_type_id = 0;
  std::uint32_t vmlinux_value_type_id = 0;  // struct_ops: value type in vmlinux BTF (needs no fd)
};

// Resolves an ObjectRef in MapSpec::contents (a program or map name) to a file descriptor that stays open
// at least until the call returns.
using ObjectResolver = std::function<Result<int>(const ObjectRef&)>;

struct MapOptions {
  // Base directory for PinType::by_name: the map is <pin_path>/<name>. A compatible map pinned there is
  // reused (its contents untouched), an incompatible one is an error listing every difference.
  std::string pin_path;
  LoadPinOptions load_pin;
  MapBtf btf;
  // Contents whose value is an ObjectRef are resolved through this callback. Without one they are left out,
  // for the caller (the collection, once programs are loaded) to populate; a read-only map holding such
  // entries is then not frozen by create().
  ObjectResolver resolve;
};

class Map;

// The position of a batch lookup. Bound to the map of its first use; passing it to another map is an
// error (the kernel writes key-sized data into it). reset() to start over on the same map.
class BatchCursor {
 public:
  BatchCursor() = default;
  void reset() noexcept {
    started_ = false;
    done_ = false;
  }
  // True after a batch call has reached the end of the map.
  [[nodiscard]] bool done() const noexcept { return done_; }

 private:
  friend class Map;
  // The kernel's position: max(key_size, 4) bytes. Keys up to kInline bytes need no allocation.
  static constexpr std::size_t kInline = 64;
  std::byte* position(std::size_t size) {
    if (size <= kInline) return inline_;
    if (heap_.size() != size) heap_.assign(size, std::byte{0});
    return heap_.data();
  }
  std::uint64_t map_instance_ = 0;
  alignas(8) std::byte inline_[kInline] = {};
  std::vector<std::byte> heap_;
  bool started_ = false;
  bool done_ = false;
};

struct BatchOptions {
  std::uint64_t elem_flags = 0;  // elem_flags::*
  std::uint64_t flags = 0;
};

struct BatchLookupResult {
  std::uint32_t count = 0;  // elements written to the output buffers
  bool done = false;        // the end of the map was reached (the kernel said ENOENT)
};

// A memory mapping of a BPF_F_MMAPABLE array or an arena. Unmapped on destruction; stays valid after the
// map's fd is closed (the mapping holds its own reference to the map).
class Memory {
 public:
  Memory() = default;
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;
  Memory(Memory&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)),
                                read_only_(o.read_only_) {}
  Memory& operator=(Memory&& o) noexcept {
    if (this != &o) {
      unmap();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      read_only_ = o.read_only_;
    }
    return *this;
  }
  ~Memory() { unmap(); }

  [[nodiscard]] std::byte* data() const noexcept { return data_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::span<std::byte> bytes() const noexcept { return {data_, size_}; }
  // Mapped read-only (a frozen map or one the program may only read can't be mapped writable).
  [[nodiscard]] bool read_only() const noexcept { return read_only_; }

  // Bounds-checked typed access.
  template <class T>
  [[nodiscard]] Result<void> read(std::size_t offset, T& out) const noexcept {
    static_assert(std::is_trivially_copyable_v<T>);
    if (offset > size_ || size_ - offset < sizeof(T))
      return unexpected(Error(errc::invalid_argument, 0, "memory read: out of bounds"));
    std::memcpy(&out, data_ + offset, sizeof(T));
    return {};
  }
  template <class T>
  [[nodiscard]] Result<void> write(std::size_t offset, const T& value) noexcept {
    static_assert(std::is_trivially_copyable_v<T>);
    if (read_only_) return unexpected(Error(errc::invalid_argument, EPERM, "memory write: mapping is read-only"));
    if (offset > size_ || size_ - offset < sizeof(T))
      return unexpected(Error(errc::invalid_argument, 0, "memory write: out of bounds"));
    std::memcpy(data_ + offset, &value, sizeof(T));
    return {};
  }

 private:
  friend class Map;
  Memory(std::byte* data, std::size_t size, bool read_only) noexcept : data_(data), size_(size), read_only_(read_only) {}
  void unmap() noexcept {
    if (data_ != nullptr) ::munmap(data_, size_);
    data_ = nullptr;
    size_ = 0;
  }
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  bool read_only_ = false;
};

class MapIterator;

namespace detail {
template <class T>
inline constexpr bool is_span_v = false;
template <class T, std::size_t N>
inline constexpr bool is_span_v<std::span<T, N>> = true;
// A key or value the typed calls accept: trivially copyable, and not a span (those go to the byte core).
// Containers such as std::vector are not trivially copyable, so they never bind to the typed calls.
template <class T>
concept MapPlain = std::is_trivially_copyable_v<T> && !is_span_v<std::remove_cvref_t<T>>;

template <class T>
std::span<const std::byte> bytes_of(const T& v) noexcept {
  return {reinterpret_cast<const std::byte*>(&v), sizeof(T)};
}
template <class T>
std::span<std::byte> writable_bytes_of(T& v) noexcept {
  return {reinterpret_cast<std::byte*>(&v), sizeof(T)};
}

// Cold-path error construction (out of line, never allocating).
Error map_op_error(int err, int op) noexcept;
Error map_closed_error() noexcept;
Error map_size_error(int op) noexcept;
}  // namespace detail

class Map {
 public:
  Map() = default;
  Map(const Map&) = delete;
  Map& operator=(const Map&) = delete;
  Map(Map&& other) noexcept = default;
  Map& operator=(Map&& other) noexcept = default;
  ~Map() = default;

  // Creates a map from spec: applies the spec's fix-ups, creates the inner-map template for map-of-maps
  // (closed again once the outer map exists), reuses a compatible pin or creates and pins the map,
  // populates contents and freezes read-only (BPF_F_RDONLY_PROG) maps. A reused pin keeps its contents.
  // Errors carry map.go's hints (MEMLOCK, zero max_entries, no_prealloc, ring buffer size, missing
  // kernel features found by probing).
  static Result<Map> create(const MapSpec& spec, const MapOptions& options = {});
  // map.go's finalize: puts spec.contents (ObjectRef values through `resolve`; without one they are left
  // out) and freezes the map when the spec is read-only (BPF_F_RDONLY_PROG) and nothing was left out.
  // create() calls it; a collection calls it again for fd maps once their programs / inner maps exist.
  // Per-CPU maps accept values of value_size bytes (copied to every CPU) or full_value_size bytes.
  // A map of maps gets all its inner maps with one batch update: the kernel waits for an RCU grace period
  // (milliseconds) after every write to a map of maps, so one batch waits once instead of once per entry (if the
  // batch fails, the entries are put one by one and the first failure is reported).
  Result<void> populate(const MapSpec& spec, const ObjectResolver& resolve = {}) const;
  // Takes ownership of a map fd; reads its properties from the kernel.
  static Result<Map> from_fd(sys::Fd fd);
  static Result<Map> from_id(std::uint32_t id);
  static Result<Map> load_pinned(const std::string& path, const LoadPinOptions& options = {});
  // Id of the next map after start_id in the system; errc::not_found at the end.
  static Result<std::uint32_t> next_id(std::uint32_t start_id);

  // A second Map on a duplicated fd (not pinned, even if this one is).
  [[nodiscard]] Result<Map> clone() const;
  // Closes the fd. The map itself lives on while pinned or referenced by programs.
  void close() noexcept { fd_.reset(); }

  [[nodiscard]] bool valid() const noexcept { return fd_.valid(); }
  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] MapType type() const noexcept { return type_; }
  [[nodiscard]] std::uint32_t key_size() const noexcept { return key_size_; }
  [[nodiscard]] std::uint32_t value_size() const noexcept { return value_size_; }
  // Bytes of a value buffer for the byte core: value_size rounded up to 8 times possible_cpus() for
  // per-CPU maps, value_size otherwise.
  [[nodiscard]] std::uint32_t full_value_size() const noexcept { return full_value_size_; }
  [[nodiscard]] std::uint32_t max_entries() const noexcept { return max_entries_; }
  [[nodiscard]] std::uint32_t flags() const noexcept { return flags_; }
  [[nodiscard]] std::uint64_t map_extra() const noexcept { return map_extra_; }
  [[nodiscard]] bool is_pinned() const noexcept { return !pinned_path_.empty(); }
  [[nodiscard]] const std::string& pinned_path() const noexcept { return pinned_path_; }

  // ---- byte core: no allocation ----

  // ENOENT -> errc::key_not_exist. flags: elem_flags::lock for spin-locked values.
  Result<void> lookup(std::span<const std::byte> key, std::span<std::byte> value,
                      std::uint64_t flags = 0) const noexcept {
    if (!fd_.valid()) [[unlikely]] return unexpected(detail::map_closed_error());
    if (key.size() != key_size_ || value.size() != full_value_size_) [[unlikely]]
      return unexpected(detail::map_size_error(kOpLookup));
    if (int e = sys::map_lookup_elem(fd_.get(), key_ptr(key), value.data(), flags); e != 0) [[unlikely]]
      return unexpected(detail::map_op_error(e, kOpLookup));
    return {};
  }
  Result<void> lookup_and_delete(std::span<const std::byte> key, std::span<std::byte> value,
                                 std::uint64_t flags = 0) const noexcept {
    if (!fd_.valid()) [[unlikely]] return unexpected(detail::map_closed_error());
    if (key.size() != key_size_ || value.size() != full_value_size_) [[unlikely]]
      return unexpected(detail::map_size_error(kOpLookupAndDelete));
    if (int e = sys::map_lookup_and_delete_elem(fd_.get(), key_ptr(key), value.data(), flags); e != 0) [[unlikely]]
      return unexpected(detail::map_op_error(e, kOpLookupAndDelete));
    return {};
  }
  // flags: elem_flags::any / no_exist (EEXIST -> errc::key_exist) / exist, | lock. E2BIG -> errc::map_full.
  Result<void> update(std::span<const std::byte> key, std::span<const std::byte> value,
                      std::uint64_t flags = elem_flags::any) const noexcept {
    if (!fd_.valid()) [[unlikely]] return unexpected(detail::map_closed_error());
    if (key.size() != key_size_ || value.size() != full_value_size_) [[unlikely]]
      return unexpected(detail::map_size_error(kOpUpdate));
    if (int e = sys::map_update_elem(fd_.get(), key_ptr(key), value.data(), flags); e != 0) [[unlikely]]
      return unexpected(detail::map_op_error(e, kOpUpdate));
    return {};
  }
  Result<void> erase(std::span<const std::byte> key) const noexcept {
    if (!fd_.valid()) [[unlikely]] return unexpected(detail::map_closed_error());
    if (key.size() != key_size_) [[unlikely]] return unexpected(detail::map_size_error(kOpDelete));
    if (int e = sys::map_delete_elem(fd_.get(), key_ptr(key)); e != 0) [[unlikely]]
      return unexpected(detail::map_op_error(e, kOpDelete));
    return {};
  }
  // The key after `key`, or the first key when `key` is empty. errc::key_not_exist after the last key.
  // A key that is not in the map (deleted meanwhile) restarts from the first key (kernel behaviour).
  Result<void> next_key(std::span<const std::byte> key, std::span<std::byte> next) const noexcept {
    if (!fd_.valid()) [[unlikely]] return unexpected(detail::map_closed_error());
    if ((!key.empty() && key.size() != key_size_) || next.size() != key_size_) [[unlikely]]
      return unexpected(detail::map_size_error(kOpNextKey));
    if (int e = sys::map_get_next_key(fd_.get(), key.empty() ? nullptr : key.data(), next.data()); e != 0) [[unlikely]]
      return unexpected(detail::map_op_error(e, kOpNextKey));
    return {};
  }

  // Queue / stack / bloom filter (no key). push: elem_flags::exist on a full queue/stack replaces the oldest.
  Result<void> push(std::span<const std::byte> value, std::uint64_t flags = elem_flags::any) const noexcept {
    return update({}, value, flags);
  }
  Result<void> pop(std::span<std::byte> value) const noexcept { return lookup_and_delete({}, value); }
  // Queue/stack: the next value without removing it. Bloom filter: succeeds iff the value may be present.
  Result<void> peek(std::span<std::byte> value) const noexcept { return lookup({}, value); }

  // ---- typed (trivially copyable K and V; sizes checked against the map at run time) ----

  template <detail::MapPlain K, detail::MapPlain V>
  Result<V> lookup(const K& key, std::uint64_t flags = 0) const noexcept {
    static_assert(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>);
    V out{};
    if (auto r = lookup(detail::bytes_of(key), detail::writable_bytes_of(out), flags); !r) [[unlikely]]
      return unexpected(std::move(r).error());
    return out;
  }
  template <detail::MapPlain K, detail::MapPlain V>
  Result<V> lookup_and_delete(const K& key, std::uint64_t flags = 0) const noexcept {
    static_assert(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>);
    V out{};
    if (auto r = lookup_and_delete(detail::bytes_of(key), detail::writable_bytes_of(out), flags); !r) [[unlikely]]
      return unexpected(std::move(r).error());
    return out;
  }
  template <detail::MapPlain K, detail::MapPlain V>
  Result<void> update(const K& key, const V& value, std::uint64_t flags = elem_flags::any) const noexcept {
    static_assert(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>);
    return update(detail::bytes_of(key), detail::bytes_of(value), flags);
  }
  template <detail::MapPlain K>
  Result<void> erase(const K& key) const noexcept {
    static_assert(std::is_trivially_copyable_v<K>);
    return erase(detail::bytes_of(key));
  }
  // next_key<K>(nullptr) is the first key.
  template <detail::MapPlain K>
  Result<K> next_key(const K* key) const noexcept {
    static_assert(std::is_trivially_copyable_v<K>);
    K out{};
    std::span<const std::byte> in;
    if (key != nullptr) in = detail::bytes_of(*key);
    if (auto r = next_key(in, detail::writable_bytes_of(out)); !r) [[unlikely]] return unexpected(std::move(r).error());
    return out;
  }
  template <detail::MapPlain V>
  Result<void> push(const V& value, std::uint64_t flags = elem_flags::any) const noexcept {
    static_assert(std::is_trivially_copyable_v<V>);
    return push(detail::bytes_of(value), flags);
  }
  template <detail::MapPlain V>
  Result<V> pop() const noexcept {
    static_assert(std::is_trivially_copyable_v<V>);
    V out{};
    if (auto r = pop(detail::writable_bytes_of(out)); !r) return unexpected(std::move(r).error());
    return out;
  }
  template <detail::MapPlain V>
  Result<V> peek() const noexcept {
    static_assert(std::is_trivially_copyable_v<V>);
    V out{};
    if (auto r = peek(detail::writable_bytes_of(out)); !r) return unexpected(std::move(r).error());
    return out;
  }

  // Per-CPU values: `out` / `values` have possible_cpus() elements of value_size bytes each.
  template <detail::MapPlain K, detail::MapPlain V>
  Result<void> lookup(const K& key, std::span<V> per_cpu_out, std::uint64_t flags = 0) const {
    return lookup_per_cpu(key, per_cpu_out, flags);
  }
  template <detail::MapPlain K, detail::MapPlain V>
  Result<void> lookup_per_cpu(const K& key, std::span<V> out, std::uint64_t flags = 0) const {
    static_assert(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>);
    return per_cpu_lookup(detail::bytes_of(key), std::as_writable_bytes(out), sizeof(V), flags);
  }
  template <detail::MapPlain K, detail::MapPlain V>
  Result<void> update_per_cpu(const K& key, std::span<const V> values, std::uint64_t flags = elem_flags::any) const {
    static_assert(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>);
    return per_cpu_update(detail::bytes_of(key), std::as_bytes(values), sizeof(V), flags);
  }

  // ---- fd maps (prog_array, array_of_maps, hash_of_maps) ----

  // Stores a program or map fd at key; the kernel keeps a reference.
  Result<void> update_fd(std::span<const std::byte> key, int fd, std::uint64_t flags = elem_flags::any) const noexcept;
  template <detail::MapPlain K>
  Result<void> update_fd(const K& key, int fd, std::uint64_t flags = elem_flags::any) const noexcept {
    return update_fd(detail::bytes_of(key), fd, flags);
  }
  template <detail::MapPlain K>
  Result<void> update(const K& key, const Map& inner, std::uint64_t flags = elem_flags::any) const noexcept {
    if (!inner.valid()) return unexpected(detail::map_closed_error());
    return update_fd(detail::bytes_of(key), inner.fd(), flags);
  }
  // Reading an fd map yields the id of the stored object.
  template <detail::MapPlain K>
  Result<std::uint32_t> lookup_id(const K& key) const noexcept {
    return lookup<K, std::uint32_t>(key);
  }
  // The inner map stored at key (map-of-maps), as a new Map.
  template <detail::MapPlain K>
  Result<Map> lookup_map(const K& key) const {
    if (!can_store_map(type_)) return unexpected(Error(errc::invalid_argument, 0, "lookup map: not a map of maps"));
    EBPF_TRY(std::uint32_t id, lookup_id(key));
    return from_id(id);
  }

  // ---- batches ----
  // keys: count * key_size bytes; values: count * full_value_size bytes. A batch lookup reads up to
  // keys.size() / key_size elements from the cursor's position.
  Result<BatchLookupResult> batch_lookup(BatchCursor& cursor, std::span<std::byte> keys, std::span<std::byte> values,
                                         const BatchOptions& options = {}) const;
  Result<BatchLookupResult> batch_lookup_and_delete(BatchCursor& cursor, std::span<std::byte> keys,
                                                    std::span<std::byte> values,
                                                    const BatchOptions& options = {}) const;
  // Returns the number of elements processed.
  Result<std::uint32_t> batch_update(std::span<const std::byte> keys, std::span<const std::byte> values,
                                     const BatchOptions& options = {}) const;
  Result<std::uint32_t> batch_delete(std::span<const std::byte> keys, const BatchOptions& options = {}) const;

  template <detail::MapPlain K, detail::MapPlain V>
  Result<BatchLookupResult> batch_lookup(BatchCursor& cursor, std::span<K> keys, std::span<V> values,
                                         const BatchOptions& options = {}) const {
    static_assert(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>);
    if (keys.size() != values.size() || sizeof(K) != key_size_ || sizeof(V) != full_value_size_)
      return unexpected(detail::map_size_error(kOpBatch));
    return batch_lookup(cursor, std::as_writable_bytes(keys), std::as_writable_bytes(values), options);
  }
  template <detail::MapPlain K, detail::MapPlain V>
  Result<BatchLookupResult> batch_lookup_and_delete(BatchCursor& cursor, std::span<K> keys, std::span<V> values,
                                                    const BatchOptions& options = {}) const {
    static_assert(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>);
    if (keys.size() != values.size() || sizeof(K) != key_size_ || sizeof(V) != full_value_size_)
      return unexpected(detail::map_size_error(kOpBatch));
    return batch_lookup_and_delete(cursor, std::as_writable_bytes(keys), std::as_writable_bytes(values), options);
  }
  template <detail::MapPlain K, detail::MapPlain V>
  Result<std::uint32_t> batch_update(std::span<const K> keys, std::span<const V> values,
                                     const BatchOptions& options = {}) const {
    static_assert(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>);
    if (keys.size() != values.size() || sizeof(K) != key_size_) return unexpected(detail::map_size_error(kOpBatch));
    return batch_update(std::as_bytes(keys), std::as_bytes(values), options);
  }
  template <detail::MapPlain K>
  Result<std::uint32_t> batch_delete(std::span<const K> keys, const BatchOptions& options = {}) const {
    static_assert(std::is_trivially_copyable_v<K>);
    if (sizeof(K) != key_size_) return unexpected(detail::map_size_error(kOpBatch));
    return batch_delete(std::as_bytes(keys), options);
  }

  // ---- whole-map operations ----

  // Iterates keys and values (see MapIterator). The map must outlive the iterator.
  [[nodiscard]] MapIterator iterate() const;
  // Prevents changes from user space (BPF_MAP_FREEZE).
  Result<void> freeze() const;
  // Maps a BPF_F_MMAPABLE array (align(value_size, 8) * max_entries, rounded up to pages) or an arena
  // (max_entries pages). Falls back to a read-only mapping where the kernel refuses a writable one.
  [[nodiscard]] Result<Memory> memory() const;
  // Pins to path on a bpffs. Pinning again moves the pin (rename); the same path is a no-op.
  Result<void> pin(const std::string& path);
  // Removes the pin; unpinning an unpinned map succeeds.
  Result<void> unpin();
  // BPF_OBJ_GET_INFO_BY_FD, falling back to /proc/self/fdinfo where the kernel lacks it.
  [[nodiscard]] Result<sys::MapInfo> info() const;
  // Id of the map's BTF; errc::not_supported when it has none.
  [[nodiscard]] Result<std::uint32_t> btf_id() const;

 private:
  friend class MapIterator;
  static constexpr int kOpLookup = 0, kOpLookupAndDelete = 1, kOpUpdate = 2, kOpDelete = 3, kOpNextKey = 4,
                       kOpBatch = 5;

  static Result<Map> create_unpopulated(const MapSpec& spec, int inner_map_fd, const MapBtf& btf);
  static Result<Map> wrap(sys::Fd fd, std::string name, MapType type, std::uint32_t key_size,
                          std::uint32_t value_size, std::uint32_t max_entries, std::uint32_t flags,
                          std::uint64_t map_extra);
  const void* key_ptr(std::span<const std::byte> key) const noexcept {
    return key_size_ == 0 ? nullptr : key.data();
  }
  Result<void> per_cpu_lookup(std::span<const std::byte> key, std::span<std::byte> out, std::size_t elem,
                              std::uint64_t flags) const;
  Result<void> per_cpu_update(std::span<const std::byte> key, std::span<const std::byte> values, std::size_t elem,
                              std::uint64_t flags) const;
  Result<BatchLookupResult> batch_lookup_cmd(sys::Cmd cmd, BatchCursor& cursor, std::span<std::byte> keys,
                                             std::span<std::byte> values, const BatchOptions& options) const;

  sys::Fd fd_;
  std::string name_;
  MapType type_ = MapType::unspec;
  std::uint32_t key_size_ = 0;
  std::uint32_t value_size_ = 0;
  std::uint32_t full_value_size_ = 0;
  std::uint32_t max_entries_ = 0;
  std::uint32_t flags_ = 0;
  std::uint64_t map_extra_ = 0;  // arenas: the user address of the mapping
  std::string pinned_path_;
  std::uint64_t instance_ = 0;  // identity for BatchCursor binding; survives moves
};

// Iterates a map with BPF_MAP_GET_NEXT_KEY + lookup, as cilium/ebpf's MapIterator:
//   * a key deleted between next_key and lookup is skipped; a deleted cursor key makes the kernel restart
//     from the first key, so keys may repeat under concurrent deletes;
//   * after more than max_entries keys the iteration stops with errc::iteration_aborted;
//   * fd maps (prog_array, map-of-maps) yield the ids of the stored objects; empty slots are skipped.
// next() returns false at the end or on error; check error() afterwards.
class MapIterator {
 public:
  explicit MapIterator(const Map& map);
  bool next(std::span<std::byte> key, std::span<std::byte> value);
  template <detail::MapPlain K, detail::MapPlain V>
  bool next(K& key, V& value) {
    static_assert(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>);
    return next(detail::writable_bytes_of(key), detail::writable_bytes_of(value));
  }
  // Set when next() returned false because of an error (not at the normal end).
  [[nodiscard]] const Error* error() const noexcept { return has_error_ ? &error_ : nullptr; }

 private:
  const Map* map_;
  std::vector<std::byte> cursor_;
  std::uint32_t count_ = 0;
  bool started_ = false;
  bool done_ = false;
  bool has_error_ = false;
  Error error_{errc::ok, 0, nullptr};
};

inline MapIterator Map::iterate() const { return MapIterator(*this); }

// A map whose key and value types were checked once: operations skip the per-call size checks.
// Not for per-CPU maps (use Map::lookup_per_cpu).
template <class K, class V>
class TypedMap {
  static_assert(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>);

 public:
  // An empty typed map (every operation fails with EBADF): a generated skeleton's member before load().
  TypedMap() = default;
  static Result<TypedMap> make(Map map) {
    if (!map.valid()) return unexpected(detail::map_closed_error());
    if (map.key_size() != sizeof(K) || map.value_size() != sizeof(V) || map.full_value_size() != sizeof(V))
      return fail(errc::invalid_argument, "typed map " + map.name() + ": key/value size " +
                                              std::to_string(map.key_size()) + "/" + std::to_string(map.full_value_size()) +
                                              " does not match types of size " + std::to_string(sizeof(K)) + "/" +
                                              std::to_string(sizeof(V)));
    return TypedMap(std::move(map));
  }

  Result<V> lookup(const K& key, std::uint64_t flags = 0) const noexcept {
    V out{};
    if (int e = sys::map_lookup_elem(map_.fd(), &key, &out, flags); e != 0) [[unlikely]]
      return unexpected(detail::map_op_error(e, 0));
    return out;
  }
  Result<void> update(const K& key, const V& value, std::uint64_t flags = elem_flags::any) const noexcept {
    if (int e = sys::map_update_elem(map_.fd(), &key, &value, flags); e != 0) [[unlikely]]
      return unexpected(detail::map_op_error(e, 2));
    return {};
  }
  Result<void> erase(const K& key) const noexcept {
    if (int e = sys::map_delete_elem(map_.fd(), &key); e != 0) [[unlikely]] return unexpected(detail::map_op_error(e, 3));
    return {};
  }
  [[nodiscard]] const Map& map() const noexcept { return map_; }
  Map release() && { return std::move(map_); }

 private:
  explicit TypedMap(Map map) : map_(std::move(map)) {}
  Map map_;
};

}  // namespace ebpf
