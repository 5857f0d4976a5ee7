#include "ebpf/program_spec.hpp"

#include <algorithm>

namespace ebpf {

std::vector<std::string> ProgramSpec::map_references() const {
  std::vector<std::string> out;
  for (const auto& ins : instructions) {
    if (!ins.is_load_imm64() || ins.reference.empty()) continue;
    if (ins.src != insn_src::pseudo_map_fd && ins.src != insn_src::pseudo_map_value) continue;
    if (std::find(out.begin(), out.end(), ins.reference) == out.end()) out.push_back(ins.reference);
  }
  return out;
}

}  // namespace ebpf
