// kfuncs: look the function up in vmlinux BTF, then let the verifier say whether the program type may call it.
// This probe sits above btf/ (it reads kernel BTF); the other probes sit below it.
#include <map>
#include <string>
#include <utility>

#include "ebpf/btf/btf.hpp"
#include "probe.hpp"

namespace ebpf::features {

using namespace detail;

namespace {

Support probe_kfunc(std::string_view name, ProgramType type) {
  auto vmlinux = btf::kernel();
  if (!vmlinux) return cannot_tell(0, "kfunc: no kernel BTF: " + vmlinux.error().message());
  auto fn = vmlinux->find(name, btf::Kind::func);
  if (!fn) {
    if (fn.error().is(errc::not_found)) return no();
    return cannot_tell(0, "kfunc: " + fn.error().message());
  }
  auto have_type = have_program_type(type);
  if (!have_type) return unexpected(std::move(have_type).error());
  if (!*have_type) return no();
  const RawInsn insns[] = {call_insn(2, static_cast<std::int32_t>(fn->id())), mov64_imm(0, 0), exit_insn()};
  std::array<char, 1024> log{};
  LoadOutcome out = try_load(load_spec_for(type), insns, log);
  if (out.err == 0) return yes();
  // "calling kernel function X is not allowed" (not registered for this program type), "kernel btf_id N is
  // not a function", or a kernel without kfunc calls at all.
  if (out.log.find("is not allowed") != std::string_view::npos ||
      out.log.find("not a function") != std::string_view::npos ||
      out.log.find("not supported") != std::string_view::npos)
    return no();
  if (!out.log.empty()) return yes();  // the verifier got past the call target to its arguments
  if (out.err == EINVAL) return no();
  std::string what = "kfunc ";
  what += name;
  return cannot_tell(out.err, what);
}

}  // namespace

Support have_kfunc(std::string_view name, ProgramType type) {
  static std::mutex mutex;
  static std::map<std::pair<std::uint32_t, std::string>, bool, std::less<>> answers;
  std::lock_guard lock(mutex);
  auto key = std::make_pair(static_cast<std::uint32_t>(type), std::string(name));
  if (auto it = answers.find(key); it != answers.end()) return it->second;
  Support r = probe_kfunc(name, type);
  if (r && cacheable()) answers.emplace(std::move(key), *r);
  return r;
}

}  // namespace ebpf::features
