#include "ebpf/program_spec.hpp"

#include <algorithm>

namespace ebpf {

std::vector<std::string> ProgramSpec::map_references() const {
  std::vector<std::string> out;
  for (const auto& ins : instructions) {
    if (!ins.is_map_load() || ins.reference().empty()) continue;
    if (std::find(out.begin(), out.end(), ins.reference()) == out.end()) out.emplace_back(ins.reference());
  }
  return out;
}

}  // namespace ebpf
