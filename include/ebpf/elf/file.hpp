// A bounds-checked, zero-copy reader for 64-bit ELF relocatable objects of either byte order.
//
// ebpf::elf::File borrows the bytes it parses: section contents, names and symbol names are views into the
// caller's buffer, which must outlive the File. Every index, offset and count read from the file is checked
// against the buffer before use; malformed input yields errc::malformed naming the section, symbol or offset.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "ebpf/error.hpp"

namespace ebpf::elf {

// Section header types and flags the loader cares about.
inline constexpr std::uint32_t SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_RELA = 4,
                               SHT_NOBITS = 8, SHT_REL = 9;
inline constexpr std::uint64_t SHF_WRITE = 0x1, SHF_ALLOC = 0x2, SHF_EXECINSTR = 0x4, SHF_MERGE = 0x10,
                               SHF_STRINGS = 0x20;
// Symbol bindings, types, visibilities and special section indexes.
inline constexpr std::uint8_t STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;
inline constexpr std::uint8_t STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4;
inline constexpr std::uint8_t STV_DEFAULT = 0, STV_INTERNAL = 1, STV_HIDDEN = 2, STV_PROTECTED = 3;
inline constexpr std::uint16_t SHN_UNDEF = 0, SHN_LORESERVE = 0xff00, SHN_ABS = 0xfff1, SHN_COMMON = 0xfff2,
                               SHN_XINDEX = 0xffff;
inline constexpr std::uint16_t EM_BPF = 247;

struct Section {
  std::uint32_t index = 0;
  std::string_view name;
  std::uint32_t type = 0;
  std::uint64_t flags = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint32_t link = 0;
  std::uint32_t info = 0;
  std::uint64_t addralign = 0;
  std::uint64_t entsize = 0;
};

struct Symbol {
  std::uint32_t index = 0;  // position in the symbol table (0 is the null symbol)
  std::string_view name;
  std::uint8_t info = 0;
  std::uint8_t other = 0;
  std::uint16_t section = 0;  // section index, or SHN_*
  std::uint64_t value = 0;
  std::uint64_t size = 0;

  [[nodiscard]] std::uint8_t binding() const noexcept { return info >> 4; }
  [[nodiscard]] std::uint8_t type() const noexcept { return info & 0xf; }
  [[nodiscard]] std::uint8_t visibility() const noexcept { return other & 0x3; }
};

struct Relocation {
  std::uint64_t offset = 0;  // within the section the relocations apply to
  std::uint32_t symbol = 0;  // index into the symbol table
  std::uint32_t type = 0;
  std::int64_t addend = 0;   // 0 for SHT_REL
};

class File {
 public:
  // Parses the ELF header and section headers; sections' names are resolved and bounds checked.
  static Result<File> parse(std::span<const std::byte> bytes);

  [[nodiscard]] std::endian byte_order() const noexcept { return order_; }
  [[nodiscard]] std::uint16_t machine() const noexcept { return machine_; }
  [[nodiscard]] std::uint16_t file_type() const noexcept { return type_; }
  [[nodiscard]] const std::vector<Section>& sections() const noexcept { return sections_; }
  [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return bytes_; }

  // Contents of a section (empty for SHT_NOBITS). Bounds were checked by parse().
  [[nodiscard]] std::span<const std::byte> data(const Section& s) const noexcept;

  // The symbol table (SHT_SYMTAB), including the null symbol at index 0. Empty if the object has none.
  [[nodiscard]] Result<std::vector<Symbol>> symbols() const;
  // The entries of a SHT_REL or SHT_RELA section.
  [[nodiscard]] Result<std::vector<Relocation>> relocations(const Section& s) const;
  // A NUL-terminated string at `offset` of string table section `strtab`.
  [[nodiscard]] Result<std::string_view> string_at(std::uint32_t strtab, std::uint64_t offset) const;

  [[nodiscard]] std::uint16_t u16(const std::byte* p) const noexcept;
  [[nodiscard]] std::uint32_t u32(const std::byte* p) const noexcept;
  [[nodiscard]] std::uint64_t u64(const std::byte* p) const noexcept;

 private:
  std::span<const std::byte> bytes_;
  std::endian order_ = std::endian::little;
  std::uint16_t machine_ = 0;
  std::uint16_t type_ = 0;
  std::vector<Section> sections_;
};

}  // namespace ebpf::elf
