// Program section names: which program type, attach type and load flags a section such as "xdp.frags",
// "fentry.s/do_unlinkat" or "tcx/ingress" stands for.
//
// Pattern rules (the libbpf conventions, as cilium/ebpf applies them):
//   * "name+"  matches "name" itself and "name/<attach to>";
//   * "name/"  matches only "name/<attach to>" (the slash is required);
//   * "name"   matches "name" itself, and "name/<anything>" for old objects (nothing is attached to).
// The first matching definition in table order wins, so more specific patterns come first.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "ebpf/types.hpp"

namespace ebpf::elf {

struct SectionDefinition {
  std::string_view pattern;
  ProgramType type = ProgramType::unspec;
  AttachType attach_type = AttachType::unspec;
  std::uint32_t flags = 0;  // prog_flags::sleepable, prog_flags::xdp_has_frags
};

struct ProgramKind {
  ProgramType type = ProgramType::unspec;
  AttachType attach_type = AttachType::unspec;
  std::uint32_t flags = 0;
  std::string_view attach_to;  // the part after the slash, for patterns that take one
  bool known = false;          // false: no definition matched (program of unspecified type)
};

// Every known section definition, in matching order.
std::span<const SectionDefinition> section_definitions() noexcept;

// Classifies a program section name. Unknown names yield ProgramType::unspec (kept, refused only at load).
ProgramKind classify_program_section(std::string_view section) noexcept;

}  // namespace ebpf::elf
