#include "ebpf/program_spec.hpp"

#include <algorithm>

namespace ebpf {

std::vector<std::string> ProgramSpec::map_references() const {
  std::vector<std::string> out;
  auto add = [&out](std::string_view ref) {
    if (!ref.empty() && std::find(out.begin(), out.end(), ref) == out.end()) out.emplace_back(ref);
  };
  if (const insn::EncodedInstructions* enc = instructions.encoded()) {
    for (const insn::SlotReference& r : enc->references) add(r.name);  // all map and data-section loads
    return out;
  }
  for (const auto& ins : instructions)
    if (ins.is_map_load()) add(ins.reference());
  return out;
}

}  // namespace ebpf
