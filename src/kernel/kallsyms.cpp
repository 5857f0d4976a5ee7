#include "ebpf/kernel/kallsyms.hpp"

#include <fstream>
#include <mutex>
#include <sstream>
#include <unordered_map>

namespace ebpf::kernel {

namespace {
Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected(Error::make(errc::sys, "open " + path, ENOENT));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

Result<std::vector<std::optional<std::uint64_t>>> symbol_addresses(std::span<const std::string_view> names,
                                                                   const std::string& path) {
  std::vector<std::optional<std::uint64_t>> out(names.size());
  if (names.empty()) return out;
  EBPF_TRY(std::string text, read_text(path));
  std::unordered_map<std::string_view, std::size_t> wanted;
  for (std::size_t i = 0; i < names.size(); ++i) wanted.emplace(names[i], i);
  std::optional<std::string> ambiguous;
  for_each_symbol(text, [&](const KernelSymbol& sym) {
    auto it = wanted.find(sym.name);
    if (it == wanted.end()) return;
    auto& slot = out[it->second];
    if (slot && *slot != sym.address && !ambiguous) ambiguous = std::string(sym.name);
    slot = sym.address;
  });
  if (ambiguous) return fail(errc::invalid_argument, "kallsyms: symbol " + *ambiguous + " is ambiguous");
  return out;
}

Result<SyscallWrapper> syscall_wrapper() {
  static std::once_flag once;
  static Result<SyscallWrapper> cached = SyscallWrapper{};
  std::call_once(once, [] {
#if defined(__x86_64__)
    const std::string prefix = "__x64_";
#elif defined(__aarch64__)
    const std::string prefix = "__arm64_";
#elif defined(__s390x__)
    const std::string prefix = "__s390x_";
#elif defined(__riscv)
    const std::string prefix = "__riscv_";
#else
    const std::string prefix = "";
#endif
    const std::string name = prefix + "sys_bpf";
    std::string_view names[] = {name};
    auto found = symbol_addresses(names);
    if (!found) {
      cached = unexpected(std::move(found).error().with_context("probe syscall wrapper"));
      return;
    }
    cached = SyscallWrapper{.has_wrapper = !prefix.empty() && (*found)[0].has_value(), .prefix = prefix};
  });
  return cached;
}

}  // namespace ebpf::kernel
