// Program types, helpers per program type and expected attach types: each decided by loading
// "r0 = 0; exit" (or "call helper; exit") and reading how far the kernel got.
#include <algorithm>
#include <array>
#include <string>

#include "ebpf/kernel/version.hpp"
#include "probe.hpp"

namespace ebpf::features {

namespace detail {

LoadSpec load_spec_for(ProgramType type) {
  LoadSpec s{.type = type};
  switch (type) {
    case ProgramType::kprobe: {
      // Kernels before 5.0 refuse kprobe programs whose kern_version is not the running kernel's.
      auto v = kernel::running_version();
      s.kern_version = v ? v->code() : 0;
      break;
    }
    case ProgramType::cgroup_sock_addr:
      s.expected_attach_type = static_cast<std::uint32_t>(AttachType::cgroup_inet4_connect);
      break;
    case ProgramType::cgroup_sockopt:
      s.expected_attach_type = static_cast<std::uint32_t>(AttachType::cgroup_getsockopt);
      break;
    case ProgramType::sk_lookup: s.expected_attach_type = static_cast<std::uint32_t>(AttachType::sk_lookup); break;
    case ProgramType::netfilter: s.expected_attach_type = static_cast<std::uint32_t>(AttachType::netfilter); break;
    // These need an attach target. BTF id 1 of vmlinux is never a valid one: a kernel that knows the type
    // runs the attach checks and says so in the verifier log, one that does not refuses the type first.
    case ProgramType::tracing:
      s.expected_attach_type = static_cast<std::uint32_t>(AttachType::trace_fentry);
      s.attach_btf_id = 1;
      break;
    case ProgramType::lsm:
      s.expected_attach_type = static_cast<std::uint32_t>(AttachType::lsm_mac);
      s.attach_btf_id = 1;
      break;
    case ProgramType::ext:
    case ProgramType::struct_ops: s.attach_btf_id = 1; break;
    default: break;
  }
  return s;
}

LoadOutcome try_load(const LoadSpec& spec, std::span<const RawInsn> insns, std::span<char> log_buf,
                     sys::ProgLoadAttr* extra) {
  static constexpr char kLicense[] = "GPL";
  sys::ProgLoadAttr local{};
  sys::ProgLoadAttr& attr = extra != nullptr ? *extra : local;
  attr.prog_type = static_cast<std::uint32_t>(spec.type);
  attr.insn_cnt = static_cast<std::uint32_t>(insns.size());
  attr.insns = insns.data();
  attr.license = kLicense;
  attr.kern_version = spec.kern_version;
  attr.prog_flags = spec.prog_flags;
  attr.expected_attach_type = spec.expected_attach_type;
  attr.attach_btf_id = spec.attach_btf_id;
  if (!log_buf.empty()) {
    log_buf[0] = '\0';
    attr.log_level = 1;
    attr.log_size = static_cast<std::uint32_t>(log_buf.size());
    attr.log_buf = log_buf.data();
  }
  auto fd = sys::prog_load(attr);  // the Fd closes the program at once
  LoadOutcome out;
  out.err = fd ? 0 : fd.error().sys_errno();
  if (!log_buf.empty()) {
    log_buf.back() = '\0';
    out.log = std::string_view(log_buf.data());
  }
  out.log_true_size = attr.log_true_size;
  return out;
}

Support cannot_tell(int err, std::string_view what) {
  std::string msg = "could not tell: ";
  msg += what;
  if (err != 0) return unexpected(Error::from_errno(err, "probe").with_context(msg));
  return unexpected(Error::make(errc::sys, std::move(msg)));
}

namespace {

bool needs_attach_target(ProgramType t) {
  return t == ProgramType::tracing || t == ProgramType::ext || t == ProgramType::lsm || t == ProgramType::struct_ops;
}

bool contains(std::string_view log, std::string_view what) { return log.find(what) != std::string_view::npos; }

std::string type_context(ProgramType type) {
  std::string s = "program type ";
  s += to_string(type);
  return s;
}

}  // namespace

}  // namespace detail

using namespace detail;

namespace uncached {

Support program_type(ProgramType type) {
  if (type == ProgramType::unspec) return no();
  const RawInsn insns[] = {mov64_imm(0, 0), exit_insn()};
  const LoadSpec spec = load_spec_for(type);
  // Most answers are "yes" on the first try, which needs no log; a refusal is loaded again with one to tell
  // an unknown type from one the verifier looked at.
  if (spec.attach_btf_id == 0 && try_load(spec, insns, {}).err == 0) return yes();
  std::array<char, 512> log{};
  LoadOutcome out = try_load(spec, insns, log);
  if (out.err == 0) return yes();
  // The verifier only writes a log for a program type the kernel knows.
  if (!out.log.empty()) return yes();
  if (out.err == EINVAL || out.err == EOPNOTSUPP || out.err == kENOTSUPP) return no();
  if ((out.err == EPERM || out.err == EACCES) && type != ProgramType::socket_filter && has_all_bpf_capabilities()) {
    // Refused to a caller holding every capability bpf() asks for, who can load a socket filter: the kernel
    // will not load this type for anyone (lockdown refuses tracing programs with EPERM, for one).
    const RawInsn control[] = {mov64_imm(0, 0), exit_insn()};
    if (try_load(LoadSpec{}, control, {}).err == 0) return no();
  }
  return cannot_tell(out.err, type_context(type));
}

Support program_helper(ProgramType type, std::int32_t helper_id) {
  if (helper_id <= 0) return no();
  auto have_type = have_program_type(type);
  if (!have_type) return unexpected(std::move(have_type).error());
  if (!*have_type) return no();
  if (needs_attach_target(type))
    return cannot_tell(0, type_context(type) + ": helpers depend on the attach target");
  const RawInsn insns[] = {call_insn(0, helper_id), exit_insn()};
  const LoadSpec spec = load_spec_for(type);
  // Without a log first: success, or EACCES (the verifier refusing the helper's uninitialised arguments, which it
  // checks only after finding the helper) decide "yes" at the least cost. Other refusals are loaded again with a
  // log to read why.
  if (const int err = try_load(spec, insns, {}).err; err == 0 || err == EACCES) return yes();
  std::array<char, 512> log{};
  LoadOutcome out = try_load(spec, insns, log);
  if (out.err == 0) return yes();
  // The helper lookup comes first in the verifier's check of a call: "invalid func" for an id it does not
  // know, "program of this type cannot use helper" (or "unknown func" before 5.x) for a known one this
  // program type may not call. Any other complaint (about arguments) means the helper was accepted.
  if (contains(out.log, "invalid func ") || contains(out.log, "unknown func ") ||
      contains(out.log, "cannot use helper"))
    return no();
  if (!out.log.empty()) return yes();
  std::string what = type_context(type);
  what += ": helper ";
  what += std::to_string(helper_id);
  return cannot_tell(out.err, what);
}

}  // namespace uncached

namespace {

struct ProgramCache {
  // Lock order: helper_mutex, then type_mutex (a helper probe asks for its program type).
  std::mutex type_mutex;
  std::mutex helper_mutex;
  std::array<Answer, 64> types;
  // helpers[type][id]: ids past the table are probed uncached.
  std::array<std::array<Answer, 256>, 64> helpers;
  std::array<std::array<Answer, 64>, 64> attach;
};

ProgramCache& program_cache() {
  static ProgramCache c;
  return c;
}

Support probe_attach_type(ProgramType type, AttachType attach) {
  // Attach types that exist only as links are decided by creating the link.
  switch (attach) {
    case AttachType::tcx_ingress:
    case AttachType::tcx_egress:
      return type == ProgramType::sched_cls ? have_bpf_feature(Feature::tcx_link) : no();
    case AttachType::netkit_primary:
    case AttachType::netkit_peer:
      return type == ProgramType::sched_cls ? have_bpf_feature(Feature::netkit_link) : no();
    case AttachType::trace_kprobe_multi:
      return type == ProgramType::kprobe ? have_bpf_feature(Feature::kprobe_multi_link) : no();
    case AttachType::trace_uprobe_multi:
      return type == ProgramType::kprobe ? have_bpf_feature(Feature::uprobe_multi_link) : no();
    case AttachType::perf_event:
      return type == ProgramType::kprobe || type == ProgramType::tracepoint || type == ProgramType::perf_event
                 ? have_bpf_feature(Feature::perf_link)
                 : no();
    default: break;
  }
  auto have_type = have_program_type(type);
  if (!have_type) return unexpected(std::move(have_type).error());
  if (!*have_type) return no();
  LoadSpec spec = load_spec_for(type);
  spec.expected_attach_type = kernel_value(attach);
  const RawInsn insns[] = {mov64_imm(0, 0), exit_insn()};
  std::array<char, 512> log{};
  LoadOutcome out = try_load(spec, insns, log);
  if (out.err == 0 || !out.log.empty()) return yes();
  if (out.err == EINVAL || out.err == EOPNOTSUPP || out.err == kENOTSUPP) return no();
  std::string what = type_context(type);
  what += ": attach type ";
  what += to_string(attach);
  return cannot_tell(out.err, what);
}

}  // namespace

Support have_program_type(ProgramType type) {
  auto& c = program_cache();
  const auto i = static_cast<std::uint32_t>(type);
  if (i >= c.types.size()) return uncached::program_type(type);
  return cached(c.types[i], c.type_mutex, [&] { return uncached::program_type(type); });
}

Support have_program_helper(ProgramType type, std::int32_t helper_id) {
  auto& c = program_cache();
  const auto t = static_cast<std::uint32_t>(type);
  if (t >= c.helpers.size() || helper_id < 0 || static_cast<std::size_t>(helper_id) >= c.helpers[t].size())
    return uncached::program_helper(type, helper_id);
  return cached(c.helpers[t][static_cast<std::size_t>(helper_id)], c.helper_mutex,
                [&] { return uncached::program_helper(type, helper_id); });
}

Support have_attach_type(ProgramType type, AttachType attach) {
  auto& c = program_cache();
  const auto t = static_cast<std::uint32_t>(type);
  const std::uint32_t a = kernel_value(attach);
  if (t >= c.attach.size() || a >= c.attach[t].size() || attach == AttachType::unspec)
    return probe_attach_type(type, attach);
  auto have_type = have_program_type(type);
  if (!have_type) return unexpected(std::move(have_type).error());
  if (!*have_type) return no();
  // Link probes take their own lock, so this one takes none: two racing first calls both probe, and agree.
  Support r = c.attach[t][a].known() ? Support(c.attach[t][a].value()) : probe_attach_type(type, attach);
  if (r && cacheable()) c.attach[t][a].store(*r);
  return r;
}

}  // namespace ebpf::features
