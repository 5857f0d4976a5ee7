#include "ebpf/map_spec.hpp"

namespace ebpf {

MapSpec::MapSpec(const MapSpec& other)
    : name(other.name),
      type(other.type),
      key_size(other.key_size),
      value_size(other.value_size),
      max_entries(other.max_entries),
      flags(other.flags),
      map_extra(other.map_extra),
      numa_node(other.numa_node),
      pinning(other.pinning),
      contents(other.contents),
      inner_map(other.inner_map ? std::make_unique<MapSpec>(*other.inner_map) : nullptr),
      tags(other.tags),
      extra(other.extra),
      btf(other.btf),
      key_type(other.key_type),
      value_type(other.value_type) {}

MapSpec& MapSpec::operator=(const MapSpec& other) {
  if (this != &other) *this = MapSpec(other);
  return *this;
}

}  // namespace ebpf

#include <string>

#include "ebpf/map.hpp"
#include "map_internal.hpp"

namespace ebpf {

namespace detail {

Result<MapDims> fixed_dims(const MapSpec& spec) {
  MapDims d{spec.type, spec.key_size, spec.value_size, spec.max_entries, spec.flags};
  auto clamp_to_cpus = [&](const char* what) -> Result<void> {
    auto n = possible_cpus();
    if (!n) return ::ebpf::unexpected(std::move(n).error().with_context(what));
    if (d.max_entries == 0 || d.max_entries > *n) d.max_entries = *n;
    return {};
  };
  switch (spec.type) {
    case MapType::array_of_maps:
    case MapType::hash_of_maps:
      if (d.value_size != 0 && d.value_size != 4)
        return ::ebpf::unexpected(Error(errc::invalid_argument, 0, "value size must be zero or four for map of maps"));
      d.value_size = 4;
      break;
    case MapType::perf_event_array:
      if (d.key_size != 0 && d.key_size != 4)
        return ::ebpf::unexpected(Error(errc::invalid_argument, 0, "key size must be zero or four for perf event array"));
      if (d.value_size != 0 && d.value_size != 4)
        return ::ebpf::unexpected(Error(errc::invalid_argument, 0, "value size must be zero or four for perf event array"));
      d.key_size = 4;
      d.value_size = 4;
      // Zero usually; code that hard-codes a large constant gets clamped. Fewer entries than CPUs stay.
      EBPF_TRY_VOID(clamp_to_cpus("fixup perf event array"));
      break;
    case MapType::cpumap:
      EBPF_TRY_VOID(clamp_to_cpus("fixup cpu map"));
      break;
    default:
      break;
  }
  return d;
}

}  // namespace detail

Result<MapSpec> MapSpec::fixed_up() const {
  EBPF_TRY(auto d, detail::fixed_dims(*this));
  MapSpec copy(*this);
  copy.key_size = d.key_size;
  copy.value_size = d.value_size;
  copy.max_entries = d.max_entries;
  return copy;
}

Result<void> MapSpec::compatible(const Map& map) const {
  if (!map.valid()) return unexpected(Error(errc::closed, EBADF, "compatible: map is closed"));
  EBPF_TRY(auto d, detail::fixed_dims(*this));
  std::string diffs;
  auto add = [&](std::string item) {
    if (!diffs.empty()) diffs += ", ";
    diffs += item;
  };
  if (map.type() != d.type)
    add("type: " + std::string(ebpf::to_string(map.type())) + " changed to " + std::string(ebpf::to_string(d.type)));
  if (map.key_size() != d.key_size)
    add("key size: " + std::to_string(map.key_size()) + " changed to " + std::to_string(d.key_size));
  if (map.value_size() != d.value_size)
    add("value size: " + std::to_string(map.value_size()) + " changed to " + std::to_string(d.value_size));
  if (map.max_entries() != d.max_entries)
    add("max entries: " + std::to_string(map.max_entries()) + " changed to " + std::to_string(d.max_entries));
  // The kernel sets BPF_F_RDONLY_PROG on every devmap: that one difference is allowed.
  const bool devmap = d.type == MapType::devmap || d.type == MapType::devmap_hash;
  if (map.flags() != d.flags && !(devmap && (map.flags() ^ d.flags) == map_flags::rdonly_prog))
    add("flags: " + std::to_string(map.flags()) + " changed to " + std::to_string(d.flags));
  if (diffs.empty()) return {};
  return fail(errc::map_incompatible, diffs + ": map spec is incompatible with existing map");
}

std::string MapSpec::to_string() const {
  return std::string(ebpf::to_string(type)) + "(key_size=" + std::to_string(key_size) +
         ", value_size=" + std::to_string(value_size) + ", max_entries=" + std::to_string(max_entries) +
         ", flags=" + std::to_string(flags) + ")";
}

}  // namespace ebpf
