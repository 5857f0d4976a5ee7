// ProgramSpec: one eBPF program as read from an ELF object (or written by hand). A plain value: copying it is a
// deep copy and it holds no kernel resources.
#pragma once

#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ebpf/asm/instruction.hpp"
#include "ebpf/btf/btf.hpp"
#include "ebpf/types.hpp"

namespace ebpf {

struct ProgramSpec {
  std::string name;
  std::string section_name;
  ProgramType type = ProgramType::unspec;
  AttachType attach_type = AttachType::unspec;
  std::string attach_to;  // e.g. the function of an fentry program
  std::uint32_t flags = 0;  // prog_flags::*
  std::string license;
  std::uint32_t kernel_version = 0;
  // After linking: the program, then each subprogram it calls (once), with bpf-to-bpf calls and function
  // pointers resolved. Metadata keeps symbols, references (maps, data sections, functions, externs), source
  // lines, func info and CO-RE records.
  // The ELF loader leaves a program that calls no function and has no CO-RE record encoded
  // (instructions.encoded()): it is decoded on first access, and loaded from its bytes if nobody reads or edits
  // it.
  insn::Instructions instructions;
  std::endian byte_order = std::endian::little;
  // The object's BTF (shared by every program and map of the object); null if it has none.
  std::shared_ptr<const btf::Spec> btf;
  // Subprograms linked into this program that are global with hidden visibility (`__hidden`, as libbpf's
  // usdt.bpf.h declares bpf_usdt_arg): loaded with static BTF linkage, as libbpf does, so the verifier checks
  // them in their caller's context.
  std::vector<std::string> hidden_functions;

  // Names of the maps (and data-section maps) the program references, in first-use order.
  [[nodiscard]] std::vector<std::string> map_references() const;
};

}  // namespace ebpf
