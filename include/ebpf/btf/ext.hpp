// .BTF.ext: per-section function info, line info and CO-RE relocation records, as plain vectors.
// Attaching them to instructions is the ELF loader's job.
#pragma once

#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ebpf/btf/btf.hpp"

namespace ebpf::btf {

struct FuncInfo {
  std::uint32_t insn_off = 0;  // byte offset of the instruction in the section
  TypeId type = 0;             // FUNC
};

struct LineInfo {
  std::uint32_t insn_off = 0;
  std::uint32_t file_name_off = 0;
  std::uint32_t line_off = 0;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string_view file_name;  // views into the .BTF strings
  std::string_view line_text;
};

enum class CoreReloKind : std::uint32_t {
  field_byte_offset = 0,
  field_byte_size = 1,
  field_exists = 2,
  field_signed = 3,
  field_lshift_u64 = 4,
  field_rshift_u64 = 5,
  type_id_local = 6,
  type_id_target = 7,
  type_exists = 8,
  type_size = 9,
  enumval_exists = 10,
  enumval_value = 11,
  type_matches = 12,
};
std::string_view core_relo_kind_name(CoreReloKind kind) noexcept;

struct CoreRelo {
  std::uint32_t insn_off = 0;
  TypeId type = 0;
  std::uint32_t access_str_off = 0;
  CoreReloKind kind = CoreReloKind::field_byte_offset;
  std::string_view access;  // "0:1:2"
};

template <class Record>
struct SectionRecords {
  std::string section;
  std::vector<Record> records;
};

struct Ext {
  std::vector<SectionRecords<FuncInfo>> func_info;
  std::vector<SectionRecords<LineInfo>> line_info;
  std::vector<SectionRecords<CoreRelo>> core_relos;
  std::uint32_t func_info_rec_size = 0;
  std::uint32_t line_info_rec_size = 0;
  std::uint32_t core_relo_rec_size = 0;
};

struct ExtOptions {
  // Resolve LineInfo::file_name and line_text. Their offsets are checked either way; without the texts (empty
  // views), a reader that hands the offsets on (the ELF loader, for programs it keeps encoded) looks nothing up.
  bool line_texts = true;
};

// Parses a .BTF.ext section of an object with byte order `order`; names resolve in `btf` (the object's .BTF).
Result<Ext> parse_ext(std::span<const std::byte> section, std::endian order, const Spec& btf,
                      const ExtOptions& options = {});

}  // namespace ebpf::btf
