// Map creation: pinning, inner-map templates, BTF with fallback, error hints, population.
#include <unistd.h>

#include <cstring>
#include <string>

#include "ebpf/features/features.hpp"
#include "ebpf/map.hpp"
#include "map_internal.hpp"

namespace ebpf {

namespace {

constexpr int kENOTSUPP = 524;

bool is_pow2(std::uint32_t n) { return n != 0 && (n & (n - 1)) == 0; }

std::string hex(std::span<const std::byte> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  const std::size_t n = std::min<std::size_t>(bytes.size(), 32);
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[static_cast<unsigned>(bytes[i]) >> 4];
    out += digits[static_cast<unsigned>(bytes[i]) & 15];
  }
  if (n < bytes.size()) out += "...";
  return out;
}

// map.go's handleMapCreateError: the kernel's errno plus what probably caused it.
Error create_error(const sys::MapCreateAttr& attr, const MapSpec& spec, const Error& err) {
  const int e = err.sys_errno();
  const std::string base = "map create: " + err.message();
  // The kernel refusing the type itself (unknown, configured out, or refused to everyone, as arena maps are on
  // some machines) is errc::not_supported; the probe decides, not the errno alone.
  if (e == EINVAL || e == EPERM || e == EACCES || e == EOPNOTSUPP || e == kENOTSUPP) {
    auto have = features::have_map_type(spec.type);
    if (have && !*have && spec.type != MapType::unspec)
      return Error::make(errc::not_supported,
                         "map create: map type " + std::string(to_string(spec.type)) +
                             " not supported by the kernel: " + err.message(),
                         e);
  }
  if (e == EPERM)
    return Error::make(err.code(), base + " (MEMLOCK may be too low, consider raising RLIMIT_MEMLOCK)", e);
  if (e == EINVAL && attr.max_entries == 0)
    return Error::make(err.code(), base + " (max_entries may be incorrectly set to zero)", e);
  if (e == EINVAL && spec.type == MapType::unspec)
    return Error::make(errc::invalid_argument, "map create: cannot use type unspec", e);
  if (e == EINVAL && (spec.flags & map_flags::no_prealloc) != 0)
    return Error::make(err.code(),
                       base + " (no_prealloc flag may be incompatible with map type " +
                           std::string(to_string(spec.type)) + ")",
                       e);
  auto feature = [&](Result<void> have) -> std::optional<Error> {
    if (have) return std::nullopt;
    return std::move(have).error().with_context("map create");
  };
  if (can_store_map(spec.type))
    if (auto f = feature(detail::have_nested_maps())) return *f;
  if (spec.read_only() || spec.write_only())
    if (auto f = feature(detail::have_map_mutability_modifiers())) return *f;
  if ((spec.flags & map_flags::mmapable) != 0)
    if (auto f = feature(detail::have_mmapable_maps())) return *f;
  if ((spec.flags & map_flags::inner_map) != 0)
    if (auto f = feature(detail::have_inner_maps())) return *f;
  if ((spec.flags & map_flags::no_prealloc) != 0)
    if (auto f = feature(detail::have_no_prealloc_maps())) return *f;
  if (e == EINVAL && (spec.type == MapType::ringbuf || spec.type == MapType::user_ringbuf)) {
    const auto page = static_cast<std::uint32_t>(::sysconf(_SC_PAGESIZE));
    if (attr.max_entries % page != 0 || !is_pow2(attr.max_entries))
      return Error::make(err.code(),
                         base + " (ring map size " + std::to_string(attr.max_entries) +
                             " not a power-of-two multiple of page size " + std::to_string(page) + ")",
                         e);
  }
  return Error::make(err.code(), base, e);
}

}  // namespace

namespace detail {

namespace {
// Fails (errc::not_supported, naming the feature) only when the kernel is known to lack it: a probe that could
// not tell leaves the caller's own error in charge.
Result<void> known_missing(features::Feature f) {
  auto have = features::have_bpf_feature(f);
  if (have && !*have) return features::require(f);
  return {};
}
}  // namespace

Result<void> have_nested_maps() { return known_missing(features::Feature::nested_maps); }
Result<void> have_map_mutability_modifiers() { return known_missing(features::Feature::map_mutability); }
Result<void> have_mmapable_maps() { return known_missing(features::Feature::mmapable_maps); }
Result<void> have_inner_maps() { return known_missing(features::Feature::inner_map_flag); }
Result<void> have_no_prealloc_maps() { return known_missing(features::Feature::no_prealloc); }
Result<void> have_batch_api() { return known_missing(features::Feature::batch_api); }

}  // namespace detail

Result<Map> Map::create_unpopulated(const MapSpec& spec, int inner_map_fd, const MapBtf& btf) {
  // Kernels 4.13 to 5.4 had bpf_map_def variants with more fields; tolerate them only as zeros.
  for (std::byte b : spec.extra)
    if (b != std::byte{0})
      return fail(errc::invalid_argument, "extra contains unhandled non-zero bytes, drain before creating map");
  EBPF_TRY(detail::MapDims d, detail::fixed_dims(spec));

  sys::MapCreateAttr attr{.map_type = static_cast<std::uint32_t>(d.type),
                          .key_size = d.key_size,
                          .value_size = d.value_size,
                          .max_entries = d.max_entries,
                          .map_flags = d.flags,
                          .inner_map_fd = inner_map_fd >= 0 ? static_cast<std::uint32_t>(inner_map_fd) : 0u,
                          .numa_node = spec.numa_node,
                          .map_extra = spec.map_extra};
  const sys::ObjName name = sys::object_name(spec.name);
  std::memcpy(attr.map_name, name.bytes, sizeof attr.map_name);
  if (btf.fd >= 0) {
    attr.btf_fd = static_cast<std::uint32_t>(btf.fd);
    attr.btf_key_type_id = btf.key_type_id;
    attr.btf_value_type_id = btf.value_type_id;
  }
  attr.btf_vmlinux_value_type_id = btf.vmlinux_value_type_id;
  auto fd = sys::map_create(attr);
  // Some map types refuse BTF key/value types on older kernels: retry without.
  if (!fd && btf.fd >= 0 && (fd.error().is(std::errc::invalid_argument) || fd.error().sys_errno() == kENOTSUPP)) {
    attr.btf_fd = 0;
    attr.btf_key_type_id = 0;
    attr.btf_value_type_id = 0;
    fd = sys::map_create(attr);
  }
  if (!fd) return unexpected(create_error(attr, spec, fd.error()));
  return wrap(std::move(*fd), spec.name, d.type, d.key_size, d.value_size, d.max_entries, d.flags, spec.map_extra);
}

namespace {

// Every inner map of a map of maps, put with one batch update: the kernel waits for an RCU grace period after
// each write to a map of maps (milliseconds), so one batch instead of one update per entry saves all but one.
// False if the batch did not apply (not all entries are references, or the kernel refused the batch): the caller
// then puts the entries one by one, which reports the exact failure.
bool populate_map_of_maps(const Map& map, const MapSpec& spec, const ObjectResolver& resolve) {
  if (spec.contents.size() < 2 || !resolve || map.value_size() != sizeof(std::uint32_t)) return false;
  std::vector<std::byte> keys, values;
  keys.reserve(spec.contents.size() * map.key_size());
  values.reserve(spec.contents.size() * sizeof(std::uint32_t));
  for (const MapKV& kv : spec.contents) {
    const auto* ref = std::get_if<ObjectRef>(&kv.value);
    if (ref == nullptr || kv.key.size() != map.key_size()) return false;
    auto fd = resolve(*ref);
    if (!fd || *fd < 0) return false;
    keys.insert(keys.end(), kv.key.begin(), kv.key.end());
    const auto v = static_cast<std::uint32_t>(*fd);
    const auto* b = reinterpret_cast<const std::byte*>(&v);
    values.insert(values.end(), b, b + sizeof v);
  }
  auto n = map.batch_update(keys, values, BatchOptions{elem_flags::any, 0});
  return n && *n == spec.contents.size();
}

}  // namespace

Result<void> Map::populate(const MapSpec& spec, const ObjectResolver& resolve) const {
  if (!fd_.valid()) return unexpected(detail::map_closed_error());
  if ((type_ == MapType::array_of_maps || type_ == MapType::hash_of_maps) && populate_map_of_maps(*this, spec, resolve))
    return {};  // (maps of maps are never read-only: nothing to freeze)
  bool left_out = false;
  std::vector<std::byte> per_cpu;
  for (const MapKV& kv : spec.contents) {
    Result<void> r;
    if (const auto* bytes = std::get_if<std::vector<std::byte>>(&kv.value)) {
      std::span<const std::byte> value = *bytes;
      if (has_per_cpu_value(type_) && value.size() == value_size_ && value_size_ != full_value_size_) {
        // One value for every CPU.
        const std::size_t stride = (value_size_ + 7u) & ~7u;
        per_cpu.assign(full_value_size_, std::byte{0});
        for (std::size_t off = 0; off + value.size() <= per_cpu.size(); off += stride)
          std::memcpy(per_cpu.data() + off, value.data(), value.size());
        value = per_cpu;
      }
      r = update(kv.key, value, elem_flags::any);
    } else {
      const auto& ref = std::get<ObjectRef>(kv.value);
      if (!resolve) {
        left_out = true;
        continue;
      }
      auto fd = resolve(ref);
      if (!fd) return unexpected(std::move(fd).error().with_context("resolve " + ref.name));
      r = update_fd(kv.key, *fd, elem_flags::any);
      if (!r) return unexpected(std::move(r).error().with_context("putting " + ref.name + ": key " + hex(kv.key)));
    }
    if (!r) return unexpected(std::move(r).error().with_context("putting value: key " + hex(kv.key)));
  }
  if (spec.read_only() && !left_out) {
    if (auto r = freeze(); !r) return unexpected(std::move(r).error().with_context("freezing map"));
  }
  return {};
}

Result<Map> Map::create(const MapSpec& spec, const MapOptions& options) {
  std::string pin_path;
  switch (spec.pinning) {
    case PinType::by_name: {
      if (spec.name.empty()) return fail(errc::invalid_argument, "creating map: pin by name: missing name");
      if (options.pin_path.empty())
        return fail(errc::invalid_argument, "creating map " + spec.name + ": pin by name: missing MapOptions::pin_path");
      pin_path = options.pin_path + "/" + spec.name;
      auto pinned = load_pinned(pin_path, options.load_pin);
      if (!pinned) {
        if (!pinned.error().is(std::errc::no_such_file_or_directory))
          return unexpected(std::move(pinned).error().with_context("creating map " + spec.name));
        break;  // nothing pinned yet: create and pin below
      }
      if (auto ok = spec.compatible(*pinned); !ok)
        return unexpected(std::move(ok).error().with_context("creating map: use pinned map " + spec.name));
      return pinned;
    }
    case PinType::none:
      break;
    default:
      return fail(errc::not_supported,
                  "creating map: pin type " + std::to_string(static_cast<std::uint32_t>(spec.pinning)) + " not supported");
  }

  Map inner;
  if (can_store_map(spec.type)) {
    if (!spec.inner_map)
      return fail(errc::invalid_argument, "creating map: " + std::string(to_string(spec.type)) + " requires inner_map");
    if (spec.inner_map->pinning != PinType::none)
      return fail(errc::invalid_argument, "creating map: inner maps cannot be pinned");
    // A template only: not populated or frozen, and closed once the outer map exists.
    auto t = create_unpopulated(*spec.inner_map, -1, {});
    if (!t) return unexpected(std::move(t).error().with_context("creating map: inner map"));
    inner = std::move(*t);
  }

  auto m = create_unpopulated(spec, inner.valid() ? inner.fd() : -1, options.btf);
  if (!m) return unexpected(std::move(m).error().with_context("creating map"));
  inner.close();

  if (auto r = m->populate(spec, options.resolve); !r)
    return unexpected(std::move(r).error().with_context("populating map"));
  if (!pin_path.empty()) {
    if (auto r = m->pin(pin_path); !r) return unexpected(std::move(r).error().with_context("creating map"));
  }
  return m;
}

}  // namespace ebpf
