// .BTF.ext of an ELF object: func info, line info and CO-RE relocation records, per program section, keyed by
// the byte offset of the instruction they describe. Names are views into the object's .BTF strings.
#pragma once

#include <bit>
#include <cstdint>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ebpf/btf/btf.hpp"
#include "ebpf/error.hpp"

namespace ebpf::elf {

struct FuncRecord {
  std::uint32_t insn_off;
  std::uint32_t type_id;
};

struct LineRecord {
  std::uint32_t insn_off;
  std::string_view file_name;
  std::string_view line;
  std::uint32_t line_number;
  std::uint32_t column;
};

struct CoreRecord {
  std::uint32_t insn_off;
  std::uint32_t type_id;
  std::string_view access;
  std::uint32_t kind;
};

struct SectionExtInfo {
  std::vector<FuncRecord> funcs;
  std::vector<LineRecord> lines;
  std::vector<CoreRecord> core;
};

using BtfExt = std::unordered_map<std::string_view, SectionExtInfo>;

// Parses a .BTF.ext section. Every length, count and record size is checked against the section.
Result<BtfExt> parse_btf_ext(std::span<const std::byte> bytes, std::endian order, const btf::Spec& btf);

}  // namespace ebpf::elf
