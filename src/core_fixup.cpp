// CO-RE relocations of a program about to be loaded: targets chosen from the options (or the running kernel),
// relocation done by btf::core_relocate.
#include "ebpf/btf/core.hpp"
#include "program_fixup.hpp"

namespace ebpf::detail {

Result<btf::CoreTargets> core_targets(
    const ProgramSpec& spec, const btf::Spec* kernel_types,
    const std::map<std::string, std::shared_ptr<const btf::Spec>, std::less<>>* module_types) {
  btf::CoreTargets targets;
  if (kernel_types != nullptr) {
    targets.specs.push_back(*kernel_types);
  } else {
    EBPF_TRY_CTX(btf::Spec vmlinux, btf::kernel(), "CO-RE: kernel BTF");
    targets.specs.push_back(std::move(vmlinux));
  }
  // Module BTF only for programs attached to a function of that module.
  if ((spec.type != ProgramType::tracing && spec.type != ProgramType::lsm) || spec.attach_to.empty()) return targets;
  if (module_types != nullptr) {
    for (const auto& [module, mod_spec] : *module_types) {
      if (!mod_spec) continue;
      // Only the module's own types count: a split spec also finds its base's.
      auto t = mod_spec->find(spec.attach_to, btf::Kind::func);
      if (t && t->id() >= mod_spec->first_id()) {
        targets.specs.push_back(*mod_spec);
        return targets;
      }
    }
  }
  if (kernel_types == nullptr) {
    if (auto kt = btf::find_kernel_type(spec.attach_to, btf::Kind::func); kt && !kt->module.empty())
      targets.specs.push_back(kt->spec);
  }
  return targets;
}

Result<void> apply_core_relocations(const ProgramSpec& spec, const FixupContext& ctx, insn::Instructions& insns,
                                    PreparedProgram& out) {
  bool any = false;
  for (const auto& ins : insns)
    if (ins.metadata.core_relocation() != nullptr) {
      any = true;
      break;
    }
  if (!any) return {};
  if (!spec.btf) return fail(errc::malformed, "CO-RE relocations without the object's BTF");
  EBPF_TRY(btf::CoreTargets targets, core_targets(spec, ctx.core_target, ctx.core_module_targets));
  EBPF_TRY(btf::CoreResult r, btf::core_relocate(insns, *spec.btf, targets));
  for (auto& p : r.poisoned)
    out.poisoned_relocations.push_back({static_cast<std::uint32_t>(p.slot), std::move(p.description)});
  return {};
}

}  // namespace ebpf::detail
