// Hand-encoded BTF blobs for the probes: a handful of types each, built without the btf/ layer (which asks
// these probes what the kernel accepts, so it cannot be below them).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace ebpf::features::detail {

// BTF kinds used by the probes.
enum class BtfKind : std::uint32_t {
  int_ = 1, ptr = 2, func = 12, func_proto = 13, var = 14, datasec = 15, float_ = 16, decl_tag = 17,
  type_tag = 18, enum64 = 19,
};

// Appends types as raw words and names to a string table; blob() lays out header, types and strings.
class BtfBlob {
 public:
  BtfBlob() { strings_.push_back('\0'); }
  // A name in the string table; returns its offset.
  std::uint32_t name(std::string_view s);
  // A type header (name, kind, vlen, kind_flag, size or type) followed by its extra words; returns its id.
  std::uint32_t type(std::uint32_t name_off, BtfKind kind, std::uint32_t vlen, bool kind_flag,
                     std::uint32_t size_or_type);
  void word(std::uint32_t w) { types_.push_back(w); }
  // "int": a signed 32-bit INT.
  std::uint32_t add_int();
  [[nodiscard]] std::vector<std::uint8_t> blob() const;

 private:
  std::vector<std::uint32_t> types_;
  std::vector<char> strings_;
  std::uint32_t next_id_ = 1;
};

}  // namespace ebpf::features::detail
