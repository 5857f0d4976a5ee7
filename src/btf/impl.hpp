// Internal representation of a parsed BTF blob. Shared by the src/btf sources only.
#pragma once

#include <atomic>
#include <cstring>
#include <mutex>

#include "ebpf/btf/btf.hpp"

namespace ebpf::btf::detail {

inline constexpr std::uint16_t kMagic = 0xeb9f;
inline constexpr std::size_t kHeaderSize = 24;
inline constexpr std::size_t kTypeHeaderSize = 12;
// Deepest chain of typedefs/qualifiers/arrays followed before giving up (cycle protection).
inline constexpr int kMaxResolveDepth = 64;

inline std::uint32_t load32(const std::byte* p, bool swap) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return swap ? __builtin_bswap32(v) : v;
}
inline std::uint16_t load16(const std::byte* p, bool swap) noexcept {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return swap ? __builtin_bswap16(v) : v;
}

// Holder of the memory behind a blob (vector, mmap, or nothing when borrowed).
struct Storage {
  virtual ~Storage() = default;
};

struct SpecImpl {
  std::shared_ptr<const Storage> storage;
  std::span<const std::byte> blob;  // whole blob
  const std::byte* types = nullptr;
  std::uint32_t types_len = 0;
  const char* strings = nullptr;
  std::uint32_t strings_len = 0;
  bool swap = false;
  std::endian order = std::endian::native;

  std::shared_ptr<const SpecImpl> base;
  TypeId first_id = 1;             // id of offsets[0]
  std::uint32_t str_base = 0;      // base's strings_len (split BTF)
  std::vector<std::uint32_t> offsets;  // offset in `types` of each own type

  // Lazily built name table: open addressing, slot = type id (0 = empty); mask = capacity - 1.
  mutable std::once_flag names_once;
  mutable std::vector<std::uint32_t> names;
  mutable std::uint32_t names_mask = 0;

  [[nodiscard]] std::uint32_t type_count() const noexcept {
    return first_id + static_cast<std::uint32_t>(offsets.size());
  }
  // Header pointer of an id, or nullptr (void or out of range).
  [[nodiscard]] const SpecImpl* owner(TypeId id) const noexcept {
    const SpecImpl* s = this;
    while (s != nullptr && id < s->first_id) s = s->base.get();
    return s;
  }
  [[nodiscard]] Type type(TypeId id) const noexcept;  // id must be < type_count(); void for 0
  [[nodiscard]] std::string_view str(std::uint32_t off) const noexcept {
    if (off < str_base) return base ? base->str(off) : std::string_view{};
    off -= str_base;
    if (off >= strings_len) return {};
    return std::string_view(strings + off);  // the section ends with NUL (checked at parse)
  }
  [[nodiscard]] bool str_valid(std::uint32_t off) const noexcept {
    if (off < str_base) return base ? base->str_valid(off) : false;
    return off - str_base < strings_len;
  }
  void build_names() const;
  [[nodiscard]] TypeId find_own(std::string_view name, int kind) const noexcept;  // kind -1 = any
};

// Size in bytes of the kind-specific data following the 12-byte header.
inline std::size_t extra_size(unsigned kind, std::uint32_t vlen) noexcept {
  switch (kind) {
    case 1: case 17: return 4;            // INT, DECL_TAG
    case 3: return 12;                    // ARRAY
    case 4: case 5: return 12ull * vlen;  // STRUCT, UNION
    case 6: return 8ull * vlen;           // ENUM
    case 13: return 8ull * vlen;          // FUNC_PROTO
    case 14: return 4;                    // VAR
    case 15: return 12ull * vlen;         // DATASEC
    case 19: return 12ull * vlen;         // ENUM64
    default: return 0;
  }
}

std::uint64_t name_hash(std::string_view s) noexcept;

}  // namespace ebpf::btf::detail
