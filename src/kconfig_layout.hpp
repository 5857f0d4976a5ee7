// Where each .kconfig extern lives in the .kconfig map's value: shared by the ELF loader (which sizes the map spec)
// and the collection loader (which fills the value), so both agree byte for byte.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "ebpf/btf/btf.hpp"
#include "ebpf/collection_spec.hpp"
#include "ebpf/error.hpp"

namespace ebpf::detail {

struct KconfigSlot {
  const ExternSpec* ext = nullptr;
  btf::Type type;  // the extern's type, qualifiers skipped
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
};

struct KconfigLayout {
  std::vector<KconfigSlot> slots;  // in the order of `externs`
  std::uint32_t size = 0;          // of the whole value
};

// The type behind the VAR named `name` in the DATASEC `section` (.kconfig or .ksyms) of `btf`, qualifiers skipped;
// a FUNC as it is.
Result<btf::Type> extern_type(const btf::Spec& btf, std::string_view section, std::string_view name);

// The .kconfig externs of `externs` laid out in order, each aligned to the largest power of two not above its size
// (at most 8). Each one's type comes from the VAR of the same name in `btf`'s .kconfig DATASEC.
Result<KconfigLayout> kconfig_layout(const btf::Spec& btf, const std::vector<ExternSpec>& externs);

}  // namespace ebpf::detail
