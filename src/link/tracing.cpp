#include "ebpf/link/tracing.hpp"

#include <fnmatch.h>
#include <linux/perf_event.h>

#include <cstring>
#include <string>

#include "ebpf/map.hpp"
#include "ebpf/program.hpp"
#include "ebpf/sys/link.hpp"
#include "ebpf/sys/perf_event.hpp"
#include "tracefs.hpp"

namespace ebpf::link {
namespace {

std::string context(const Program& program, std::string_view what, std::string_view target) {
  std::string c = "program ";
  c += program.name();
  c += ": attach ";
  c += what;
  if (!target.empty()) {
    c += ' ';
    c += target;
  }
  return c;
}

Result<void> check_open(const Program& program, const std::string& ctx) {
  if (!program.valid()) return fail(errc::closed, ctx + ": program is closed");
  return {};
}

template <class T>
std::span<const std::byte> bytes_of(const T& v) {
  return std::as_bytes(std::span(&v, 1));
}

// An EINVAL / EOPNOTSUPP on an attach the kernel may not know, as errc::not_supported.
Error as_unsupported(Error e, std::string_view feature) {
  if (e.is(std::errc::operation_not_supported) || e.is(errc::not_supported) || e.sys_errno() == 524 /* ENOTSUPP */) {
    std::string m(feature);
    m += ": not supported by this kernel (";
    m += e.message();
    m += ')';
    return Error::make(errc::not_supported, std::move(m), e.sys_errno());
  }
  return e;
}

}  // namespace

Result<Link> attach_tracepoint(const Program& program, const TracepointOptions& o) {
  std::string target(o.category);
  target += '/';
  target += o.name;
  const std::string ctx = context(program, "tracepoint", target);
  EBPF_TRY_VOID(check_open(program, ctx));
  if (o.category.empty() || o.name.empty())
    return fail(errc::invalid_argument, ctx + ": tracepoint needs a category and a name");
  EBPF_TRY_CTX(std::uint64_t id, detail::trace_event_id(o.category, o.name), ctx);
  perf_event_attr attr{};
  attr.type = PERF_TYPE_TRACEPOINT;
  attr.size = sizeof attr;
  attr.config = id;
  attr.sample_period = 1;
  attr.wakeup_events = 1;
  // The program runs for every CPU whichever CPU the event is opened on (it hangs off the trace event).
  EBPF_TRY_CTX(sys::Fd perf, sys::perf_event_open(attr, -1, 0, -1, 0, "open tracepoint perf event"), ctx);
  auto l = attach_perf_event_fd(program, std::move(perf), o.cookie, o.legacy_ioctl);
  if (!l) return unexpected(std::move(l).error().with_context(ctx));
  return l;
}

Result<Link> attach_raw_tracepoint(const Program& program, const RawTracepointOptions& o) {
  const std::string ctx = context(program, "raw tracepoint", o.name);
  EBPF_TRY_VOID(check_open(program, ctx));
  if (o.name.empty()) return fail(errc::invalid_argument, ctx + ": raw tracepoint needs a name");
  const std::string name(o.name);
  EBPF_TRY_CTX(sys::Fd fd, sys::raw_tracepoint_open(name.c_str(), program.fd(), o.cookie), ctx);
  return Link(std::make_unique<FdAttachment>(std::move(fd)));
}

Result<Link> attach_tracing(const Program& program, const TracingOptions& o) {
  const AttachType type = o.attach_type != AttachType::unspec ? o.attach_type : program.attach_type();
  const std::string ctx = context(program, to_string(type), program.attach_to());
  EBPF_TRY_VOID(check_open(program, ctx));
  if (type == AttachType::unspec)
    return fail(errc::invalid_argument, ctx + ": the program's attach type is unknown (give TracingOptions::attach_type)");
  struct {
    std::uint32_t target_btf_id = 0;
    std::uint32_t pad = 0;
    std::uint64_t cookie = 0;
  } tail{.cookie = o.cookie};
  auto fd = create_fd(program.fd(), 0, type, 0, bytes_of(tail));
  if (!fd && fd.error().is(std::errc::invalid_argument) && o.cookie == 0) {
    // Kernels before 5.10 attach these only through BPF_RAW_TRACEPOINT_OPEN without a name.
    auto legacy = sys::raw_tracepoint_open(nullptr, program.fd());
    if (legacy) fd = std::move(legacy);
  }
  if (!fd) return unexpected(as_unsupported(std::move(fd).error(), "trampoline attach").with_context(ctx));
  return Link(std::make_unique<FdAttachment>(std::move(*fd)));
}

Result<Link> attach_lsm(const Program& program) { return attach_tracing(program, {.attach_type = AttachType::lsm_mac}); }

Result<Link> attach_freplace(const Program& program, const FreplaceOptions& o) {
  const std::string ctx = context(program, "freplace", program.attach_to());
  EBPF_TRY_VOID(check_open(program, ctx));
  std::uint32_t tail[2] = {o.target_btf_id, 0};
  const int target = o.target_fd >= 0 ? o.target_fd : 0;
  auto fd = create_fd(program.fd(), target, AttachType::unspec, 0, std::as_bytes(std::span(tail)));
  if (!fd && o.target_fd < 0 && fd.error().is(std::errc::invalid_argument)) {
    auto legacy = sys::raw_tracepoint_open(nullptr, program.fd());
    if (legacy) fd = std::move(legacy);
  }
  if (!fd) return unexpected(std::move(fd).error().with_context(ctx));
  return Link(std::make_unique<FdAttachment>(std::move(*fd)));
}

Result<Link> attach_perf_event(const Program& program, const PerfEventOptions& o) {
  const std::string ctx = context(program, "perf event", {});
  EBPF_TRY_VOID(check_open(program, ctx));
  if (o.pid == -1 && o.cpu == -1)
    return fail(errc::invalid_argument, ctx + ": a perf event needs a pid or a cpu (not both -1)");
  perf_event_attr attr{};
  attr.type = o.type;
  attr.size = sizeof attr;
  attr.config = o.config;
  if (o.frequency != 0) {
    attr.freq = 1;
    attr.sample_freq = o.frequency;
  } else {
    attr.sample_period = o.sample_period != 0 ? o.sample_period : 1;
  }
  EBPF_TRY_CTX(sys::Fd perf, sys::perf_event_open(attr, o.pid, o.cpu, -1, 0, "open perf event"), ctx);
  auto l = attach_perf_event_fd(program, std::move(perf), o.cookie);
  if (!l) return unexpected(std::move(l).error().with_context(ctx));
  return l;
}

Result<Link> attach_kprobe(const Program& program, const KprobeOptions& o) {
  std::string target(o.symbol);
  if (target.empty()) target = "address " + std::to_string(o.address);
  const std::string ctx = context(program, o.retprobe ? "kretprobe" : "kprobe", target);
  EBPF_TRY_VOID(check_open(program, ctx));
  if (o.symbol.empty() && o.address == 0) return fail(errc::invalid_argument, ctx + ": kprobe needs a symbol or an address");
  EBPF_TRY_CTX(std::uint32_t type, detail::pmu_type("kprobe"), ctx);
  perf_event_attr attr{};
  attr.type = type;
  attr.size = sizeof attr;
  if (o.retprobe) {
    EBPF_TRY_CTX(std::uint32_t bit, detail::pmu_retprobe_bit("kprobe"), ctx);
    attr.config |= std::uint64_t{1} << bit;
  }
  const std::string symbol(o.symbol);
  if (!symbol.empty()) {
    attr.config1 = reinterpret_cast<std::uintptr_t>(symbol.c_str());  // kprobe_func
    attr.config2 = o.offset;                                          // probe_offset
  } else {
    attr.config2 = o.address;  // kprobe_addr
  }
  auto perf = sys::perf_event_open(attr, -1, 0, -1, 0, "open kprobe perf event");
  if (!perf) {
    if (perf.error().is(std::errc::no_such_file_or_directory))
      return fail(errc::not_found, ctx + ": no such kernel function (or not probeable)", ENOENT);
    return unexpected(std::move(perf).error().with_context(ctx));
  }
  auto l = attach_perf_event_fd(program, std::move(*perf), o.cookie);
  if (!l) return unexpected(std::move(l).error().with_context(ctx));
  return l;
}

Result<Link> attach_kprobe_multi(const Program& program, const KprobeMultiOptions& o) {
  const std::string ctx = context(program, o.retprobe ? "kretprobe multi" : "kprobe multi",
                                  o.pattern.empty() ? std::string_view{} : o.pattern);
  EBPF_TRY_VOID(check_open(program, ctx));
  std::vector<std::string> names = o.symbols;
  if (!o.pattern.empty()) {
    if (!names.empty() || !o.addresses.empty())
      return fail(errc::invalid_argument, ctx + ": give a pattern or symbols/addresses, not both");
    EBPF_TRY_CTX(std::string root, detail::tracefs_root(), ctx);
    auto text = detail::read_text_file(root + "/available_filter_functions");
    if (!text) {
      if (text.error().is(std::errc::no_such_file_or_directory))
        return fail(errc::not_supported, ctx + ": kernel has no available_filter_functions (no ftrace/kprobes)");
      return unexpected(std::move(text).error().with_context(ctx));
    }
    const std::string pattern(o.pattern);
    std::string_view rest = *text;
    while (!rest.empty()) {
      auto nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
      line = line.substr(0, line.find_first_of(" \t"));  // drop " [module]"
      if (line.empty()) continue;
      std::string name(line);
      if (::fnmatch(pattern.c_str(), name.c_str(), 0) == 0) names.push_back(std::move(name));
    }
    if (names.empty()) return fail(errc::not_found, ctx + ": no function matches");
  }
  if (names.empty() == o.addresses.empty())
    return fail(errc::invalid_argument, ctx + ": give either symbols or addresses");
  const std::size_t count = names.empty() ? o.addresses.size() : names.size();
  if (!o.cookies.empty() && o.cookies.size() != count)
    return fail(errc::invalid_argument, ctx + ": need one cookie per function");
  std::vector<const char*> syms;
  syms.reserve(names.size());
  for (const auto& n : names) syms.push_back(n.c_str());
  struct {
    std::uint32_t flags;
    std::uint32_t cnt;
    std::uint64_t syms;
    std::uint64_t addrs;
    std::uint64_t cookies;
  } tail{o.retprobe ? 1u : 0u, static_cast<std::uint32_t>(count),
         syms.empty() ? 0 : reinterpret_cast<std::uintptr_t>(syms.data()),
         o.addresses.empty() ? 0 : reinterpret_cast<std::uintptr_t>(o.addresses.data()),
         o.cookies.empty() ? 0 : reinterpret_cast<std::uintptr_t>(o.cookies.data())};
  auto fd = create_fd(program.fd(), 0, AttachType::trace_kprobe_multi, 0, bytes_of(tail));
  if (!fd) {
    Error e = std::move(fd).error();
    // Without CONFIG_FPROBE (and so on this kernel without kprobes) the link type exists but refuses.
    if (e.is(std::errc::operation_not_supported) || e.sys_errno() == 524 || e.is(std::errc::function_not_supported))
      return fail(errc::not_supported, ctx + ": kernel has no kprobe multi links (needs CONFIG_FPROBE, Linux 5.18): " +
                                           e.message(), e.sys_errno());
    return unexpected(std::move(e).with_context(ctx));
  }
  return Link(std::make_unique<FdAttachment>(std::move(*fd)));
}

namespace {

// A struct_ops link: update swaps maps, not programs.
class StructOpsAttachment final : public FdAttachment {
 public:
  using FdAttachment::FdAttachment;
  Result<void> update(const Program&, const Program*) override {
    return fail(errc::not_supported, "a struct_ops link is updated with a map (link::update_struct_ops)");
  }
};

}  // namespace

Result<Link> attach_struct_ops(const Map& map) {
  std::string ctx = "struct_ops map ";
  ctx += map.name();
  ctx += ": attach";
  if (!map.valid()) return fail(errc::closed, ctx + ": map is closed");
  if (map.type() != MapType::struct_ops) return fail(errc::invalid_argument, ctx + ": not a struct_ops map");
  if ((map.flags() & map_flags::link) == 0)
    return fail(errc::invalid_argument, ctx + ": map was not created with BPF_F_LINK (use a .struct_ops.link "
                                              "section); it was registered when it was loaded");
  auto fd = create_fd(map.fd(), 0, AttachType::struct_ops);
  if (!fd) return unexpected(as_unsupported(std::move(fd).error(), "struct_ops link").with_context(ctx));
  return Link(std::make_unique<StructOpsAttachment>(std::move(*fd)));
}

Result<void> update_struct_ops(Link& link, const Map& new_map, const Map* expected_old) {
  if (link.fd() < 0) return fail(errc::invalid_argument, "update struct_ops link: not a bpf_link");
  auto r = sys::link_update_map(link.fd(), new_map.fd(), expected_old ? expected_old->fd() : -1);
  if (!r) return unexpected(std::move(r).error().with_context("update struct_ops link to map " + new_map.name()));
  return {};
}

}  // namespace ebpf::link
