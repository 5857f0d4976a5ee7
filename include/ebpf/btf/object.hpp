// Finding .BTF and .BTF.ext in an ELF object without the ELF reader: a minimal, bounds-checked section lookup
// used by tools and tests.
#pragma once

#include <bit>
#include <cstddef>
#include <span>

#include "ebpf/error.hpp"

namespace ebpf::btf {

struct ObjectSections {
  std::endian order = std::endian::little;
  std::span<const std::byte> btf;      // empty when absent
  std::span<const std::byte> btf_ext;  // empty when absent
};

// True when `bytes` starts with the ELF magic.
bool is_elf(std::span<const std::byte> bytes) noexcept;
// The .BTF and .BTF.ext sections of a 64-bit ELF object (spans into `elf`).
Result<ObjectSections> object_sections(std::span<const std::byte> elf);

}  // namespace ebpf::btf
