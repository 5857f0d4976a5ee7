// Kernel BTF: vmlinux and module BTF from /sys/kernel/btf, parsed once per process.
#include <dirent.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "btf/impl.hpp"

namespace ebpf::btf {

namespace {
constexpr const char* kBtfDir = "/sys/kernel/btf";
}

Result<Spec> kernel() {
  // Function-local static: initialisation is thread-safe and happens once; a failure is cached too.
  static const Result<Spec> cached = [] {
    auto r = Spec::load_file(std::string(kBtfDir) + "/vmlinux");
    if (!r) return Result<Spec>(unexpected(r.error().with_context("kernel btf")));
    return r;
  }();
  return cached;
}

Result<Spec> kernel_module(std::string_view module) {
  if (module.empty() || module == "vmlinux" || module.find('/') != std::string_view::npos || module == "." ||
      module == "..")
    return fail(errc::invalid_argument, "kernel btf: bad module name '" + std::string(module) + "'");
  static std::mutex mu;
  static std::map<std::string, Spec, std::less<>> cache;
  {
    std::lock_guard lock(mu);
    if (auto it = cache.find(module); it != cache.end()) return it->second;
  }
  EBPF_TRY(Spec base, kernel());
  auto r = Spec::load_file(std::string(kBtfDir) + "/" + std::string(module), &base);
  if (!r) {
    if (r.error().sys_errno() == ENOENT)
      return fail(errc::not_found, "kernel btf: module '" + std::string(module) + "' has no BTF", ENOENT);
    return r;
  }
  std::lock_guard lock(mu);
  auto [it, inserted] = cache.emplace(std::string(module), std::move(*r));
  (void)inserted;
  return it->second;
}

std::vector<std::string> kernel_modules() {
  std::vector<std::string> out;
  DIR* d = ::opendir(kBtfDir);
  if (d == nullptr) return out;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n == "." || n == ".." || n == "vmlinux") continue;
    out.emplace_back(n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Result<KernelType> find_kernel_type(std::string_view name, Kind kind) {
  EBPF_TRY(Spec vmlinux, kernel());
  if (auto t = vmlinux.find(name, kind)) return KernelType{vmlinux, *t, {}};
  for (const std::string& m : kernel_modules()) {
    auto spec = kernel_module(m);
    if (!spec) continue;
    // Only the module's own types: base types were searched above.
    auto t = spec->find(name, kind);
    if (t && t->id() >= spec->first_id()) return KernelType{*spec, *t, m};
  }
  return fail(errc::not_found, "kernel btf: no " + std::string(kind_name(kind)) + " '" + std::string(name) + "'");
}

}  // namespace ebpf::btf
