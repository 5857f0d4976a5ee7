#include "libbpf_compare.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>

namespace ebpf::test {

std::vector<bpf_insn> xlated_of(int prog_fd) {
  bpf_prog_info info{};
  __u32 len = sizeof info;
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0) return {};
  std::vector<bpf_insn> insns(info.xlated_prog_len / sizeof(bpf_insn));
  bpf_prog_info again{};
  again.xlated_prog_len = static_cast<__u32>(insns.size() * sizeof(bpf_insn));
  again.xlated_prog_insns = reinterpret_cast<__u64>(insns.data());
  len = sizeof again;
  if (bpf_obj_get_info_by_fd(prog_fd, &again, &len) != 0) return {};
  return insns;
}

LibbpfLoad libbpf_xlated(const std::string& object, const std::string& program, const std::string& target) {
  LibbpfLoad out;
  LIBBPF_OPTS(bpf_object_open_opts, opts);
  if (!target.empty()) opts.btf_custom_path = target.c_str();
  bpf_object* obj = bpf_object__open_file(object.c_str(), &opts);
  if (obj == nullptr) {
    out.error = "open: " + std::string(std::strerror(errno));
    return out;
  }
  bpf_program* p = nullptr;
  bpf_object__for_each_program(p, obj) bpf_program__set_autoload(p, program == bpf_program__name(p));
  if (int err = bpf_object__load(obj); err != 0) {
    out.error = "load: " + std::string(std::strerror(-err));
  } else if (bpf_program* prog = bpf_object__find_program_by_name(obj, program.c_str()); prog != nullptr) {
    out.xlated = xlated_of(bpf_program__fd(prog));
  } else {
    out.error = "no program " + program;
  }
  bpf_object__close(obj);
  return out;
}

std::string compare_xlated(const std::vector<bpf_insn>& a, const std::vector<bpf_insn>& b) {
  if (a.size() != b.size())
    return "lengths differ: " + std::to_string(a.size()) + " != " + std::to_string(b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const bpf_insn& x = a[i];
    const bpf_insn& y = b[i];
    const bool map_ref = x.code == (BPF_LD | BPF_DW | BPF_IMM) && x.src_reg != 0;
    bool same = x.code == y.code && x.dst_reg == y.dst_reg && x.src_reg == y.src_reg && x.off == y.off;
    if (!map_ref) same = same && x.imm == y.imm;
    if (!same)
      return "instruction " + std::to_string(i) + " differs: code " + std::to_string(x.code) + "/" +
             std::to_string(y.code) + " off " + std::to_string(x.off) + "/" + std::to_string(y.off) + " imm " +
             std::to_string(x.imm) + "/" + std::to_string(y.imm);
    if (map_ref && i + 1 < a.size()) ++i;  // second half: the map's address or value offset
  }
  return {};
}

}  // namespace ebpf::test
