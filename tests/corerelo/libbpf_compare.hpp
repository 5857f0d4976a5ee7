// Loads a program of an object with Debian's libbpf (optionally against a custom target BTF) and reads back the
// translated instructions, for instruction-by-instruction comparison with ebpfpp.
#pragma once

#include <linux/bpf.h>

#include <string>
#include <vector>

namespace ebpf::test {

struct LibbpfLoad {
  std::vector<bpf_insn> xlated;
  std::string error;  // empty on success
};

// Loads only `program` of `object` (btf_custom_path = `target` when not empty).
LibbpfLoad libbpf_xlated(const std::string& object, const std::string& program, const std::string& target);

// The translated instructions of a loaded program fd.
std::vector<bpf_insn> xlated_of(int prog_fd);

// Empty when equal, ignoring only map references (the immediates of ldimm64 with a map source); else the first
// difference.
std::string compare_xlated(const std::vector<bpf_insn>& a, const std::vector<bpf_insn>& b);

}  // namespace ebpf::test
