// Kernel symbol addresses from /proc/kallsyms, for typeless .ksyms externs and syscall-wrapper probing.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ebpf/error.hpp"

namespace ebpf::kernel {

struct KernelSymbol {
  std::string_view name;
  std::uint64_t address = 0;
  char type = 0;               // nm-style letter: T, t, D, d, B, ...
  std::string_view module;     // empty for vmlinux
};

// Looks up each name in `names` in one pass over /proc/kallsyms (or `path`). The result has one entry per
// name, nullopt when absent. A name that appears more than once with different addresses (static functions
// in different files) is an error naming it: the address would be ambiguous.
Result<std::vector<std::optional<std::uint64_t>>> symbol_addresses(std::span<const std::string_view> names,
                                                                   const std::string& path = "/proc/kallsyms");

// Parses kallsyms text, calling `visit` for every symbol. Malformed lines are skipped.
template <class F>
void for_each_symbol(std::string_view text, F&& visit);

// The prefix the kernel gives syscall entry points on this architecture ("__x64_" on x86-64), and whether the
// kernel wraps syscalls (LINUX_HAS_SYSCALL_WRAPPER): probed by looking for <prefix>sys_bpf in kallsyms.
struct SyscallWrapper {
  bool has_wrapper = false;
  std::string prefix;  // e.g. "__x64_"
};
Result<SyscallWrapper> syscall_wrapper();

// ---- implementation of the template ----
template <class F>
void for_each_symbol(std::string_view text, F&& visit) {
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    // "<hex address> <type> <name>[\t[module]]"
    std::size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 + 3 > line.size() || line[sp1 + 2] != ' ') continue;
    std::uint64_t addr = 0;
    bool ok = sp1 > 0;
    for (std::size_t i = 0; i < sp1 && ok; ++i) {
      char c = line[i];
      int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (v < 0) ok = false;
      addr = (addr << 4) | static_cast<std::uint64_t>(v < 0 ? 0 : v);
    }
    if (!ok) continue;
    KernelSymbol sym;
    sym.address = addr;
    sym.type = line[sp1 + 1];
    std::string_view rest = line.substr(sp1 + 3);
    if (std::size_t tab = rest.find('\t'); tab != std::string_view::npos) {
      sym.name = rest.substr(0, tab);
      std::string_view mod = rest.substr(tab + 1);
      if (mod.size() >= 2 && mod.front() == '[' && mod.back() == ']') sym.module = mod.substr(1, mod.size() - 2);
    } else {
      sym.name = rest;
    }
    visit(sym);
  }
}

}  // namespace ebpf::kernel
