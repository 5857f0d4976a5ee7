#include "ebpf/link/auto_attach.hpp"

#include <algorithm>
#include <charconv>
#include <string>

#include "auto_attach_network.hpp"
#include "ebpf/collection.hpp"
#include "ebpf/kernel/kallsyms.hpp"
#include "ebpf/link/iter.hpp"
#include "ebpf/link/tracing.hpp"
#include "ebpf/link/uprobe.hpp"
#include "ebpf/link/usdt.hpp"
#include "ebpf/program.hpp"

namespace ebpf::link {
namespace {

// "uprobe.s" of "uprobe.s//usr/bin/x:main".
std::string_view section_prefix(const Program& p) {
  std::string_view s = p.section_name();
  return s.substr(0, s.find('/'));
}

bool is_one_of(std::string_view s, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), s) != names.end();
}

bool is_kprobe(std::string_view pre) { return is_one_of(pre, {"kprobe", "kretprobe"}); }
bool is_ksyscall(std::string_view pre) { return is_one_of(pre, {"ksyscall", "kretsyscall"}); }
bool is_kprobe_multi(std::string_view pre) { return is_one_of(pre, {"kprobe.multi", "kretprobe.multi"}); }
bool is_uprobe(std::string_view pre) { return is_one_of(pre, {"uprobe", "uretprobe", "uprobe.s", "uretprobe.s"}); }
bool is_uprobe_multi(std::string_view pre) {
  return is_one_of(pre, {"uprobe.multi", "uretprobe.multi", "uprobe.multi.s", "uretprobe.multi.s"});
}
bool is_usdt(std::string_view pre) { return is_one_of(pre, {"usdt", "usdt.s"}); }
bool is_return(std::string_view pre) { return pre.substr(0, 4) == "uret" || pre.substr(0, 4) == "kret"; }

Error needs(const Program& p, std::string_view what) {
  std::string m = "program ";
  m += p.name();
  m += " (section ";
  m += p.section_name().empty() ? std::string_view("unknown") : std::string_view(p.section_name());
  m += "): auto-attach needs ";
  m += what;
  return Error::make(errc::invalid_argument, std::move(m));
}

// "0x1f" / "31" / "" -> number.
bool parse_offset(std::string_view s, std::uint64_t& out) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc{} && p == s.data() + s.size();
}

// "func+0x10" -> func, 0x10; "0x1234" -> "", 0x1234 (when allow_bare_offset).
bool split_function(std::string_view spec, std::string_view& func, std::uint64_t& offset, bool allow_bare_offset) {
  offset = 0;
  func = spec;
  if (allow_bare_offset && parse_offset(spec, offset)) {
    func = {};
    return true;
  }
  if (auto plus = spec.rfind('+'); plus != std::string_view::npos) {
    func = spec.substr(0, plus);
    if (!parse_offset(spec.substr(plus + 1), offset)) return false;
  }
  return !func.empty();
}

Result<Link> attach_kprobe_section(const Program& p, std::string_view pre, std::string_view spec) {
  if (is_kprobe_multi(pre)) {
    KprobeMultiOptions o{.pattern = spec, .retprobe = is_return(pre)};
    if (spec.find_first_of("*?[") == std::string_view::npos) {
      o.pattern = {};
      o.symbols.emplace_back(spec);
    }
    return attach_kprobe_multi(p, o);
  }
  if (is_ksyscall(pre)) {
    EBPF_TRY(auto wrapper, kernel::syscall_wrapper());
    std::string fn = wrapper.has_wrapper ? wrapper.prefix : std::string();
    fn += "sys_";
    fn += spec;
    return attach_kprobe(p, {.symbol = fn, .retprobe = is_return(pre)});
  }
  std::string_view func;
  std::uint64_t offset = 0;
  if (!split_function(spec, func, offset, false)) return unexpected(needs(p, "a function as \"func[+offset]\""));
  return attach_kprobe(p, {.symbol = func, .offset = offset, .retprobe = is_return(pre)});
}

Result<Link> attach_uprobe_section(const Program& p, std::string_view pre, std::string_view spec) {
  const auto colon = spec.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return unexpected(needs(p, is_usdt(pre) ? "a target \"path:provider:name\"" : "a target \"path:function[+offset]\""));
  const std::string path(spec.substr(0, colon));
  const std::string_view rest = spec.substr(colon + 1);
  if (is_usdt(pre)) {
    const auto c2 = rest.find(':');
    if (c2 == std::string_view::npos) return unexpected(needs(p, "a target \"path:provider:name\""));
    return attach_usdt(p, {.path = path, .provider = rest.substr(0, c2), .name = rest.substr(c2 + 1)});
  }
  if (is_uprobe_multi(pre)) {
    UprobeMultiOptions o{.path = path, .pattern = rest, .retprobe = is_return(pre)};
    if (rest.find_first_of("*?[") == std::string_view::npos) {
      o.pattern = {};
      o.symbols.emplace_back(rest);
    }
    return attach_uprobe_multi(p, o);
  }
  std::string_view func;
  std::uint64_t offset = 0;
  if (!split_function(rest, func, offset, true)) return unexpected(needs(p, "a target \"path:function[+offset]\""));
  return attach_uprobe(p, {.path = path, .symbol = func, .offset = offset, .retprobe = is_return(pre)});
}

}  // namespace

bool auto_attachable(const Program& p, bool has_target) {
  const bool named = has_target || !p.attach_to().empty();
  const std::string_view pre = section_prefix(p);
  switch (p.type()) {
    case ProgramType::tracepoint:
    case ProgramType::raw_tracepoint:
    case ProgramType::raw_tracepoint_writable: return named;
    case ProgramType::tracing:
    case ProgramType::lsm: return p.attach_type() != AttachType::lsm_cgroup && p.attach_type() != AttachType::unspec;
    case ProgramType::ext: return true;
    case ProgramType::kprobe:
      return named && (is_kprobe(pre) || is_ksyscall(pre) || is_kprobe_multi(pre) || is_uprobe(pre) ||
                       is_uprobe_multi(pre) || is_usdt(pre));
    case ProgramType::unspec:
    case ProgramType::socket_filter:
    case ProgramType::syscall:
    case ProgramType::struct_ops:
    case ProgramType::perf_event: return false;
    default: return detail::network_auto_attachable(p, has_target);
  }
}

Result<Link> attach_program(const Program& p, std::string_view target) {
  if (!p.valid()) return fail(errc::closed, "program " + p.name() + ": attach: program is closed");
  const std::string_view spec = target.empty() ? std::string_view(p.attach_to()) : target;
  const std::string_view pre = section_prefix(p);
  switch (p.type()) {
    case ProgramType::tracepoint: {
      const auto slash = spec.find('/');
      if (slash == std::string_view::npos) return unexpected(needs(p, "a tracepoint \"category/name\""));
      return attach_tracepoint(p, {.category = spec.substr(0, slash), .name = spec.substr(slash + 1)});
    }
    case ProgramType::raw_tracepoint:
    case ProgramType::raw_tracepoint_writable:
      if (spec.empty()) return unexpected(needs(p, "a raw tracepoint name"));
      return attach_raw_tracepoint(p, {.name = spec});
    case ProgramType::tracing:
      if (p.attach_type() == AttachType::trace_iter) return attach_iter(p);
      if (p.attach_type() == AttachType::unspec) return unexpected(needs(p, "an attach type (load it from a spec)"));
      return attach_tracing(p);
    case ProgramType::lsm:
      if (p.attach_type() == AttachType::lsm_cgroup) return unexpected(needs(p, "a cgroup (lsm_cgroup)"));
      return attach_tracing(p, {.attach_type = AttachType::lsm_mac});
    case ProgramType::ext: return attach_freplace(p);
    case ProgramType::kprobe:
      if (is_kprobe(pre) || is_ksyscall(pre) || is_kprobe_multi(pre)) {
        if (spec.empty()) return unexpected(needs(p, "a kernel function"));
        return attach_kprobe_section(p, pre, spec);
      }
      if (is_uprobe(pre) || is_uprobe_multi(pre) || is_usdt(pre)) return attach_uprobe_section(p, pre, spec);
      return unexpected(needs(p, "a kprobe, uprobe or usdt section"));
    case ProgramType::unspec:
    case ProgramType::socket_filter:
    case ProgramType::syscall:
    case ProgramType::struct_ops:
    case ProgramType::perf_event:
      return unexpected(needs(p, "an attach function of its own: " + std::string(to_string(p.type())) +
                                     " programs have no attach point in their section"));
    default: return detail::attach_network_program(p, target);
  }
}

}  // namespace ebpf::link

namespace ebpf {

Result<Link> Program::attach(std::string_view target) const { return link::attach_program(*this, target); }

Result<std::vector<Link>> Collection::attach_all(const std::map<std::string, std::string, std::less<>>& targets,
                                                 const std::vector<std::string>& skip) const {
  std::vector<Link> links;
  links.reserve(programs_.size());
  for (const auto& [name, program] : programs_) {
    if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
    auto t = targets.find(name);
    const std::string_view target = t == targets.end() ? std::string_view{} : std::string_view(t->second);
    if (!link::auto_attachable(program, !target.empty())) continue;
    auto l = link::attach_program(program, target);
    // Returning drops `links`: everything attached so far is detached.
    if (!l) return unexpected(std::move(l).error().with_context("attach all"));
    links.push_back(std::move(*l));
  }
  return links;
}

}  // namespace ebpf
