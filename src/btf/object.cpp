#include "ebpf/btf/object.hpp"

#include <cstdint>
#include <cstring>
#include <string_view>

namespace ebpf::btf {

namespace {
template <class T>
T load(const std::byte* p, bool swap) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  if (swap) {
    if constexpr (sizeof(T) == 2) v = __builtin_bswap16(v);
    if constexpr (sizeof(T) == 4) v = __builtin_bswap32(v);
    if constexpr (sizeof(T) == 8) v = __builtin_bswap64(v);
  }
  return v;
}
Error bad(const char* what) { return Error(errc::malformed, 0, what); }
}  // namespace

bool is_elf(std::span<const std::byte> b) noexcept {
  return b.size() >= 4 && b[0] == std::byte{0x7f} && b[1] == std::byte{'E'} && b[2] == std::byte{'L'} &&
         b[3] == std::byte{'F'};
}

Result<ObjectSections> object_sections(std::span<const std::byte> elf) {
  if (!is_elf(elf) || elf.size() < 64) return unexpected(bad("elf: not an ELF file"));
  if (elf[4] != std::byte{2}) return unexpected(bad("elf: not a 64-bit object"));
  ObjectSections out;
  if (elf[5] == std::byte{1}) {
    out.order = std::endian::little;
  } else if (elf[5] == std::byte{2}) {
    out.order = std::endian::big;
  } else {
    return unexpected(bad("elf: bad data encoding"));
  }
  bool swap = out.order != std::endian::native;
  const std::byte* b = elf.data();
  auto shoff = load<std::uint64_t>(b + 0x28, swap);
  auto shentsize = load<std::uint16_t>(b + 0x3a, swap);
  auto shnum = load<std::uint16_t>(b + 0x3c, swap);
  auto shstrndx = load<std::uint16_t>(b + 0x3e, swap);
  if (shnum == 0) return out;
  if (shentsize < 64) return unexpected(bad("elf: bad section header size"));
  if (shoff > elf.size() || std::uint64_t{shnum} * shentsize > elf.size() - shoff)
    return unexpected(bad("elf: section headers out of bounds"));
  if (shstrndx >= shnum) return unexpected(bad("elf: bad section name table index"));
  auto section = [&](std::uint16_t i) -> Result<std::span<const std::byte>> {
    const std::byte* sh = b + shoff + std::uint64_t{i} * shentsize;
    auto type = load<std::uint32_t>(sh + 4, swap);
    auto off = load<std::uint64_t>(sh + 0x18, swap);
    auto size = load<std::uint64_t>(sh + 0x20, swap);
    if (type == 8 /* SHT_NOBITS */) return std::span<const std::byte>{};
    if (off > elf.size() || size > elf.size() - off) return unexpected(bad("elf: section out of bounds"));
    return elf.subspan(off, size);
  };
  EBPF_TRY(auto names, section(shstrndx));
  for (std::uint16_t i = 0; i < shnum; ++i) {
    auto name_off = load<std::uint32_t>(b + shoff + std::uint64_t{i} * shentsize, swap);
    if (name_off >= names.size()) return unexpected(bad("elf: section name out of bounds"));
    const char* n = reinterpret_cast<const char*>(names.data()) + name_off;
    std::string_view name(n, strnlen(n, names.size() - name_off));
    if (name == ".BTF") {
      EBPF_TRY(auto s, section(i));
      out.btf = s;
    } else if (name == ".BTF.ext") {
      EBPF_TRY(auto s, section(i));
      out.btf_ext = s;
    }
  }
  return out;
}

}  // namespace ebpf::btf
