// MapSpec: the definition of a map, as read from an ELF object or written by hand. A plain value: copying
// it is a deep copy, and it holds no kernel resources.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ebpf/error.hpp"
#include "ebpf/types.hpp"

namespace ebpf {

class Map;
namespace btf {
class Spec;
using TypeId = std::uint32_t;
}  // namespace btf

enum class PinType : std::uint32_t {
  none = 0,
  by_name = 1,  // pinned as <pin path>/<name>; an existing compatible pin is reused
};

// A value that refers to another object by name, resolved to its fd when the collection loads: programs in a
// prog_array, maps in a map-of-maps (from a BTF map definition's `values`).
struct ObjectRef {
  std::string name;
  friend bool operator==(const ObjectRef&, const ObjectRef&) = default;
};

// One initial entry of a map.
struct MapKV {
  std::vector<std::byte> key;
  std::variant<std::vector<std::byte>, ObjectRef> value;
  friend bool operator==(const MapKV&, const MapKV&) = default;
};

struct MapSpec {
  std::string name;  // a debug aid for the kernel; data-section maps are named after their section
  MapType type = MapType::unspec;
  std::uint32_t key_size = 0;
  std::uint32_t value_size = 0;
  std::uint32_t max_entries = 0;
  std::uint32_t flags = 0;  // map_flags::*
  std::uint64_t map_extra = 0;
  std::uint32_t numa_node = 0;
  PinType pinning = PinType::none;
  std::vector<MapKV> contents;
  // Template for array_of_maps / hash_of_maps. Held by pointer so the type can nest; copies deep-copy it.
  std::unique_ptr<MapSpec> inner_map;
  // BTF declaration tags (__attribute__((btf_decl_tag("..."))) on a BTF map definition's variable or on its
  // struct), in BTF order. Informational: not sent to the kernel.
  std::vector<std::string> tags;
  // Trailing bytes of a legacy map definition larger than struct bpf_map_def. Must be all zero to create the
  // map.
  std::vector<std::byte> extra;
  // BTF describing key and value (the object's BTF, shared with its programs); null or zero ids: none. A
  // collection creates the map with them (MapOptions::btf), which the kernel needs for bpf_spin_lock,
  // bpf_timer and kptr fields. Data-section maps have key_type 0 and their DATASEC as value_type.
  std::shared_ptr<const btf::Spec> btf;
  btf::TypeId key_type = 0;
  btf::TypeId value_type = 0;

  MapSpec() = default;
  MapSpec(const MapSpec& other);
  MapSpec& operator=(const MapSpec& other);
  MapSpec(MapSpec&&) noexcept = default;
  MapSpec& operator=(MapSpec&&) noexcept = default;
  ~MapSpec() = default;

  [[nodiscard]] bool read_only() const noexcept { return (flags & map_flags::rdonly_prog) != 0; }
  [[nodiscard]] bool write_only() const noexcept { return (flags & map_flags::wronly_prog) != 0; }

  // The spec as the kernel will see it: map-of-maps get value size 4; perf event arrays key and value
  // size 4; perf event arrays and cpumaps max_entries = possible CPUs when zero or larger (clamped).
  // Sizes other than zero or four where four is required are an error.
  [[nodiscard]] Result<MapSpec> fixed_up() const;

  // Whether an existing map can stand in for this spec (after fix-ups): errc::map_incompatible listing every
  // field that differs ("type: hash changed to array, key size: 4 changed to 8, ..."). Devmaps and devmap
  // hashes may differ in BPF_F_RDONLY_PROG alone: the kernel sets it on them.
  [[nodiscard]] Result<void> compatible(const Map& map) const;

  // "hash(key_size=4, value_size=8, max_entries=16, flags=0)"
  [[nodiscard]] std::string to_string() const;
};

}  // namespace ebpf
