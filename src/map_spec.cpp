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
      extra(other.extra) {}

MapSpec& MapSpec::operator=(const MapSpec& other) {
  if (this != &other) *this = MapSpec(other);
  return *this;
}

}  // namespace ebpf
