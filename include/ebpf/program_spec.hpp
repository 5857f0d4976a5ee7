// ProgramSpec: one eBPF program as read from an ELF object (or written by hand). A plain value: copying it is a
// deep copy and it holds no kernel resources.
#pragma once

#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ebpf/types.hpp"

namespace ebpf {

// One 8-byte instruction slot in host representation (a 16-byte lddw occupies two slots; the second has
// opcode 0), plus the metadata the loader attaches so it survives linking and copying.
//
// NOTE: this is the ELF loader's own instruction form until the instruction set (ebpf::insn) is merged; it
// is converted from/to ebpf::insn::Instructions there.
struct RawInstruction {
  std::uint8_t opcode = 0;
  std::uint8_t dst = 0;  // 4 bits
  std::uint8_t src = 0;  // 4 bits
  std::int16_t offset = 0;
  std::int32_t imm = 0;
  // Metadata.
  std::string symbol;     // a function starts here
  std::string reference;  // map, data section, function or extern this instruction refers to

  friend bool operator==(const RawInstruction&, const RawInstruction&) = default;

  [[nodiscard]] bool is_load_imm64() const noexcept { return opcode == 0x18; }
  [[nodiscard]] bool is_call() const noexcept { return opcode == 0x85; }
  [[nodiscard]] bool is_function_call() const noexcept { return opcode == 0x85 && src == 1; }
};

namespace insn_src {
inline constexpr std::uint8_t pseudo_map_fd = 1;     // lddw: imm is a map fd
inline constexpr std::uint8_t pseudo_map_value = 2;  // lddw: imm is a map fd, second half an offset into it
inline constexpr std::uint8_t pseudo_btf_id = 3;     // lddw: ksym
inline constexpr std::uint8_t pseudo_func = 4;       // lddw: address of a function
inline constexpr std::uint8_t pseudo_call = 1;       // call: bpf-to-bpf call
inline constexpr std::uint8_t pseudo_kfunc_call = 2;
}  // namespace insn_src

struct ProgramSpec {
  std::string name;
  std::string section_name;
  ProgramType type = ProgramType::unspec;
  AttachType attach_type = AttachType::unspec;
  std::string attach_to;  // e.g. the function of an fentry program
  std::uint32_t flags = 0;  // prog_flags::*
  std::string license;
  std::uint32_t kernel_version = 0;
  std::vector<RawInstruction> instructions;  // after linking: the program, then each subprogram it calls
  std::endian byte_order = std::endian::little;

  // Names of the maps (and data-section maps) the program references, in first-use order.
  [[nodiscard]] std::vector<std::string> map_references() const;
};

}  // namespace ebpf
