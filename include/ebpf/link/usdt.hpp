// USDT probes (statically defined tracepoints in user programs, <sys/sdt.h>), for BPF programs written with
// libbpf's <bpf/usdt.bpf.h> (BPF_USDT(), bpf_usdt_arg(), bpf_usdt_cookie()).
//
// Each probe site is a note in the ELF section .note.stapsdt naming the provider, the probe, the address of
// the call site, an optional semaphore and the arguments' locations ("-4@%edi 8@-16(%rbp) 4@$5"). Attaching
// parses them into the spec map the BPF side reads (__bpf_usdt_specs, one spec per site, its index passed
// as the BPF cookie) and puts a uprobe on every site (bumping the semaphore while attached).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ebpf/error.hpp"
#include "ebpf/link/link.hpp"

namespace ebpf::link {

// One argument location, as usdt.bpf.h's struct __bpf_usdt_arg_spec encodes it.
struct UsdtArgument {
  enum class Kind : std::uint32_t { constant = 0, reg = 1, reg_deref = 2 };
  Kind kind = Kind::constant;
  std::int64_t value = 0;       // the constant, or the offset added to the register for reg_deref
  std::string reg;              // "rdi", "edi", "rbp" ... (as written, without '%')
  std::int16_t reg_offset = 0;  // offsetof(struct pt_regs, <64-bit register>)
  int size = 8;                 // bytes (1, 2, 4, 8)
  bool is_signed = false;
};

// Parses an x86-64 argument string of a note. errc::not_supported for other architectures and for
// locations the BPF side cannot read (RIP-relative, indexed); errc::malformed for text that is not a spec.
Result<std::vector<UsdtArgument>> parse_usdt_arguments(std::string_view args);

struct UsdtProbe {
  std::string provider;
  std::string name;
  std::uint64_t address = 0;      // call site (virtual address, .stapsdt.base adjusted)
  std::uint64_t semaphore = 0;    // virtual address of the semaphore, 0 if none
  std::uint64_t file_offset = 0;  // of the call site
  std::uint64_t semaphore_offset = 0;  // file offset of the semaphore, 0 if none
  std::string arguments;          // the raw argument string
};

// Every probe site of an executable or library.
Result<std::vector<UsdtProbe>> read_usdt_probes(const std::string& path);

struct UsdtOptions {
  std::string path;            // executable or library (bare library names are searched for)
  std::string_view provider;
  std::string_view name;
  int pid = -1;                // only this process; -1: every process
  std::uint64_t cookie = 0;    // bpf_usdt_cookie()
};

// Attaches a program built with usdt.bpf.h to every site of provider:name. Needs perf links (BPF cookies,
// Linux 5.15) and the program's __bpf_usdt_specs map; errc::not_found if the file has no such probe.
Result<Link> attach_usdt(const Program& program, const UsdtOptions& options);

}  // namespace ebpf::link
