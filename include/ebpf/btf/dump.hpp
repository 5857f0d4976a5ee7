// Text renderings of a whole Spec: bpftool-style raw listing, JSON, and C (vmlinux.h).
#pragma once

#include <string>

#include "ebpf/btf/btf.hpp"

namespace ebpf::btf {

// One type per line ("[ID] KIND 'name' ..."), members etc. on following tab-indented lines, as
// `bpftool btf dump file X` prints them. For split BTF only the spec's own types are listed.
std::string dump_raw(const Spec& spec);
// The same information as a JSON object {"types": [...]}.
std::string dump_json(const Spec& spec);

struct CDumpOptions {
  bool preserve_access_index = true;  // wrap in #pragma clang attribute push(preserve_access_index)
  std::string guard = "__VMLINUX_H__";
};
// C declarations of every named struct/union/enum/typedef (and what they need), dependency ordered with
// forward declarations, anonymous types inlined, bitfields, padding and packed attributes: a usable vmlinux.h.
Result<std::string> dump_c(const Spec& spec, const CDumpOptions& options = {});

}  // namespace ebpf::btf
