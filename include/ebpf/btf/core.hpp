// CO-RE (compile once, run everywhere): relocating instructions compiled against local type definitions
// (the object's BTF) to the layout of a target BTF (the running kernel's, or one the caller supplies).
//
// Each instruction the compiler marked (a .BTF.ext CO-RE record attached to its metadata) is resolved the way
// the kernel convention defines:
//  - candidates are the target types whose essential name (the name without a "___flavour" suffix) equals the
//    local root type's, of a compatible kind; the first target with candidates wins (vmlinux before modules);
//  - the access string ("0:1:2") is replayed on each candidate, matching members by name (through anonymous
//    members), arrays by index (in bounds, or a trailing flexible array), checking field compatibility;
//  - candidates that match must agree on the result, else the relocation is ambiguous (errc::bad_relocation);
//  - no matching candidate: existence kinds yield 0, every other kind poisons the instruction (a call to helper
//    0xbad2310), so the verifier refuses the program only if that instruction is reachable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "ebpf/asm/instruction.hpp"
#include "ebpf/btf/btf.hpp"
#include "ebpf/btf/ext.hpp"
#include "ebpf/error.hpp"

namespace ebpf::btf {

// The immediate poisoned instructions call ("bad relo"); the verifier reports "invalid func unknown#195896080".
inline constexpr std::int32_t kCorePoison = 0xbad2310;

// Essential name: `name` without a "___flavour" suffix (the last X___Y split where X and Y are not '_').
std::string_view core_essential_name(std::string_view name) noexcept;

// An instruction whose relocation could not be satisfied and was poisoned.
struct CorePoisoned {
  std::size_t index = 0;     // instruction index
  std::size_t slot = 0;      // its 8-byte slot
  std::string description;   // "relocation field_byte_offset struct foo (0:1): ..."
};

struct CoreResult {
  std::vector<CorePoisoned> poisoned;
  std::size_t relocated = 0;  // instructions with a CO-RE record
};

// Targets searched in order; a target whose base is the previous target only contributes its own types
// (module BTF on top of vmlinux).
struct CoreTargets {
  std::vector<Spec> specs;
};

// Relocates every instruction of `insns` carrying a CO-RE record. `local` is the object's BTF (the record's
// type ids refer to it). Errors (malformed records, ambiguity, instructions of an unexpected form) name the
// instruction and the relocation.
Result<CoreResult> core_relocate(insn::Instructions& insns, const Spec& local, const CoreTargets& targets);

// Target BTF from a file: raw BTF (as /sys/kernel/btf/vmlinux) or an ELF object's .BTF section.
Result<Spec> load_target_file(const std::filesystem::path& path);

// Human-readable description of a relocation: "field_byte_offset of struct foo, access 0:1 (foo.bar)".
std::string core_describe(const Spec& local, TypeId type, std::string_view access, CoreReloKind kind);

}  // namespace ebpf::btf
