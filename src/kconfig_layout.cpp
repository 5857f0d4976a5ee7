#include "kconfig_layout.hpp"

#include <algorithm>
#include <bit>
#include <string>

namespace ebpf::detail {

Result<btf::Type> extern_type(const btf::Spec& btf, std::string_view section, std::string_view name) {
  auto ds = btf.find(section, btf::Kind::datasec);
  if (!ds) return fail(std::move(ds).error());
  for (std::size_t i = 0; i < ds->vlen(); ++i) {
    auto var = btf.type(ds->var_info(i).type);
    if (!var || var->name() != name) continue;
    if (var->kind() == btf::Kind::func) return *var;
    return btf.resolve(var->ref());
  }
  return fail(errc::not_found, "extern " + std::string(name) + ": not in BTF section " + std::string(section));
}

Result<KconfigLayout> kconfig_layout(const btf::Spec& btf, const std::vector<ExternSpec>& externs) {
  KconfigLayout out;
  std::uint32_t end = 0;
  for (const ExternSpec& e : externs) {
    if (e.section != ".kconfig") continue;
    EBPF_TRY_CTX(btf::Type t, extern_type(btf, ".kconfig", e.name), "kconfig " + e.name);
    EBPF_TRY_CTX(std::uint64_t size, btf.size_of(t.id()), "kconfig " + e.name);
    // Bounded so that the sum below cannot overflow (the kernel caps a map value far lower anyway).
    if (size == 0 || size > 4096) return fail(errc::malformed, "kconfig " + e.name + ": bad size " + std::to_string(size));
    const std::uint32_t align = static_cast<std::uint32_t>(std::min<std::uint64_t>(std::bit_floor(size), 8));
    end = (end + align - 1) / align * align;
    out.slots.push_back({&e, t, end, static_cast<std::uint32_t>(size)});
    end += static_cast<std::uint32_t>(size);
    if (end > (1u << 24)) return fail(errc::malformed, "kconfig: too many externs");
  }
  out.size = end;
  return out;
}

}  // namespace ebpf::detail
