// Attaching verifier reports to refused loads (internal).
#pragma once

#include <span>

#include "ebpf/error.hpp"
#include "ebpf/verifier_report.hpp"

namespace ebpf::detail {

// Sets report.core_relocation if the instruction it stopped at is one of the poisoned relocations.
void name_poisoned_relocation(VerifierReport& report, std::span<const PoisonedRelocation> poisoned);

// `e` with a verifier report (parsed from its log unless it has one), located in `spec` when given and naming
// the poisoned relocation the verifier reached. An error without a verifier log is returned as it is.
Error with_report(Error e, const ProgramSpec* spec, std::span<const PoisonedRelocation> poisoned);

}  // namespace ebpf::detail
