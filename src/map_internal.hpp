// Internals shared by the map sources.
#pragma once

#include <cstdint>

#include "ebpf/error.hpp"
#include "ebpf/map_spec.hpp"
#include "ebpf/types.hpp"

namespace ebpf::detail {

// The fields of a spec that the kernel sees and compatible() compares, after map.go's fix-ups.
struct MapDims {
  MapType type = MapType::unspec;
  std::uint32_t key_size = 0;
  std::uint32_t value_size = 0;
  std::uint32_t max_entries = 0;
  std::uint32_t flags = 0;
};
Result<MapDims> fixed_dims(const MapSpec& spec);

// Feature checks on top of ebpf::features (probed once per process). errc::not_supported with a message naming
// the feature when the kernel is known to lack it; success when it has it or the probe could not tell.
Result<void> have_nested_maps();
Result<void> have_map_mutability_modifiers();
Result<void> have_mmapable_maps();
Result<void> have_inner_maps();
Result<void> have_no_prealloc_maps();
Result<void> have_batch_api();

}  // namespace ebpf::detail
