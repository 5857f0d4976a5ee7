// Socket-level and stack-level attachments: sk_lookup and flow_dissector (netns links), sockmap/sockhash
// programs, netfilter hooks and lirc devices.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <span>
#include <string>

#include "ebpf/link/lirc.hpp"
#include "ebpf/link/netfilter.hpp"
#include "ebpf/link/netns.hpp"
#include "ebpf/link/sockmap.hpp"
#include "ebpf/sys/bpf.hpp"
#include "ebpf/sys/link.hpp"
#include "net_attach.hpp"

namespace ebpf::link {
namespace {

// Runs `fn` with the calling thread in the network namespace `ns_fd`, then returns it to its own.
template <class F>
auto in_netns(int ns_fd, F&& fn) -> decltype(fn()) {
  sys::Fd own(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!own) return fail(Error::from_errno(errno, "open /proc/thread-self/ns/net"));
  if (::setns(ns_fd, CLONE_NEWNET) != 0) return fail(Error::from_errno(errno, "setns"));
  auto r = fn();
  // Going back can only fail if the namespace vanished, which our open fd prevents.
  (void)::setns(own.get(), CLONE_NEWNET);
  return r;
}

// A flow dissector attached with BPF_PROG_ATTACH (kernels before netns links): detached with BPF_PROG_DETACH
// from inside its namespace, naming the program (Linux 5.8 requires it).
class NetnsProgAttachment final : public Attachment {
 public:
  NetnsProgAttachment(sys::Fd netns, sys::Fd prog, AttachType type) noexcept
      : netns_(std::move(netns)), prog_(std::move(prog)), type_(type) {}
  ~NetnsProgAttachment() override { (void)NetnsProgAttachment::detach(); }
  [[nodiscard]] std::string_view kind() const noexcept override { return "prog_attach netns"; }
  Result<void> detach() override {
    if (!prog_) return {};
    auto r = in_netns(netns_.get(), [&]() -> Result<void> {
      sys::ProgAttachAttr attr{.attach_bpf_fd = static_cast<std::uint32_t>(prog_.get()), .attach_type = kernel_value(type_)};
      return sys::prog_detach(attr);
    });
    prog_.reset();
    netns_.reset();
    if (!r && !r.error().is(std::errc::no_such_file_or_directory)) return fail(r.error().with_context("netns: detach"));
    return {};
  }
  Result<void> close() override { return detach(); }
  [[nodiscard]] Result<LinkInfo> info() const override {
    LinkInfo info;
    info.attach_type = type_;
    if (prog_) {
      sys::ProgInfo pi{};
      if (sys::obj_get_info_by_fd(prog_.get(), &pi, sizeof pi)) info.program_id = pi.id;
    }
    return info;
  }

 private:
  sys::Fd netns_;
  sys::Fd prog_;
  AttachType type_;
};

Result<Link> attach_netns_legacy(const Program& program, sys::Fd netns, AttachType type) {
  EBPF_TRY(auto prog, dup_fd(program.fd()));
  EBPF_TRY_VOID(in_netns(netns.get(), [&]() -> Result<void> {
    sys::ProgAttachAttr attr{.attach_bpf_fd = static_cast<std::uint32_t>(prog.get()), .attach_type = kernel_value(type)};
    return sys::prog_attach(attr);
  }));
  return Link(std::make_unique<NetnsProgAttachment>(std::move(netns), std::move(prog), type));
}

Result<Link> attach_netns(const Program& program, const NetnsOptions& options, AttachType type, const char* what) {
  const std::string ctx = detail::program_context(program, what);
  if (!program.valid()) return fail(errc::closed, ctx + ": program is closed");
  EBPF_TRY_CTX(auto netns, detail::open_target(options.path, options.fd, "/proc/thread-self/ns/net", "netns", false), ctx);
  const bool legacy_ok = type == AttachType::flow_dissector;
  if (options.method == AttachMethod::legacy) {
    if (!legacy_ok) return fail(errc::invalid_argument, ctx + ": sk_lookup has no attachment but a link");
    auto l = attach_netns_legacy(program, std::move(netns), type);
    if (!l) return fail(l.error().with_context(ctx));
    return l;
  }
  auto fd = create_fd(program.fd(), netns.get(), type);
  if (!fd && legacy_ok && options.method == AttachMethod::automatic && fd.error().is(std::errc::invalid_argument)) {
    // Kernels before 5.8 have no netns links.
    auto l = attach_netns_legacy(program, std::move(netns), type);
    if (!l) return fail(l.error().with_context(ctx));
    return l;
  }
  if (!fd) {
    Error e = std::move(fd).error();
    if (e.is(std::errc::invalid_argument) && type == AttachType::sk_lookup) {
      // Kernels before 5.9 do not know BPF_SK_LOOKUP; later ones accept any valid sk_lookup program.
      e = Error::make(errc::not_supported, "sk_lookup links are not supported by this kernel: " + e.message(), e.sys_errno());
    }
    return fail(e.with_context(ctx));
  }
  return detail::wrap_link_fd(std::move(*fd));
}

}  // namespace

Result<Link> attach_sk_lookup(const Program& program, const NetnsOptions& options) {
  return attach_netns(program, options, AttachType::sk_lookup, "attach sk_lookup");
}

Result<Link> attach_flow_dissector(const Program& program, const NetnsOptions& options) {
  return attach_netns(program, options, AttachType::flow_dissector, "attach flow_dissector");
}

Result<Link> attach_sockmap(const Program& program, const Map& map, const SockmapOptions& options) {
  AttachType type = options.attach_type != AttachType::unspec ? options.attach_type : program.attach_type();
  if (type == AttachType::unspec) {
    type = program.type() == ProgramType::sk_msg ? AttachType::sk_msg_verdict : AttachType::sk_skb_stream_verdict;
  }
  std::string ctx = detail::program_context(program, "attach ");
  ctx += to_string(type);
  ctx += " to map ";
  ctx += map.name();
  if (!program.valid()) return fail(errc::closed, ctx + ": program is closed");
  if (map.type() != MapType::sockmap && map.type() != MapType::sockhash) {
    return fail(errc::invalid_argument, ctx + ": not a sockmap or sockhash");
  }
  if (options.method != AttachMethod::legacy) {
    // Sockmap links (Linux 6.10) hold the map themselves.
    auto fd = create_fd(program.fd(), map.fd(), type);
    if (fd) return detail::wrap_link_fd(std::move(*fd));
    if (options.method == AttachMethod::link || !detail::link_type_unsupported(fd.error())) {
      return fail(fd.error().with_context(ctx));
    }
  }
  auto attachment = prog_attach(program, map.fd(), type);
  if (!attachment) return fail(attachment.error().with_context(ctx));
  return Link(std::move(*attachment));
}

Result<Link> attach_netfilter(const Program& program, const NetfilterOptions& options) {
  std::string ctx = detail::program_context(program, "attach netfilter");
  ctx += " (family " + std::to_string(options.family) + ", hook " + std::to_string(options.hook) + ", priority " +
         std::to_string(options.priority) + ")";
  if (!program.valid()) return fail(errc::closed, ctx + ": program is closed");
  // link_create.netfilter: pf, hooknum, priority, flags.
  struct {
    std::uint32_t pf;
    std::uint32_t hooknum;
    std::int32_t priority;
    std::uint32_t flags;
  } tail{options.family, options.hook, options.priority, options.flags};
  auto fd = create_fd(program.fd(), 0, AttachType::netfilter, 0, std::as_bytes(std::span(&tail, 1)));
  if (!fd) {
    Error e = std::move(fd).error();
    // Without CONFIG_NETFILTER_BPF_LINK (or before 6.4) the kernel refuses the link type itself.
    if (e.is(std::errc::operation_not_supported) || e.is(errc::not_supported)) {
      e = Error::make(errc::not_supported, "netfilter links are not supported by this kernel: " + e.message(), e.sys_errno());
    }
    return fail(e.with_context(ctx));
  }
  return detail::wrap_link_fd(std::move(*fd));
}

Result<Link> attach_lirc(const Program& program, const LircOptions& options) {
  std::string ctx = detail::program_context(program, "attach lirc_mode2");
  if (!options.device.empty()) {
    ctx += " to ";
    ctx += options.device;
  }
  if (!program.valid()) return fail(errc::closed, ctx + ": program is closed");
  EBPF_TRY_CTX(auto device, detail::open_target(options.device, options.fd, nullptr, "lirc device", false), ctx);
  auto attachment = prog_attach(program, device.get(), AttachType::lirc_mode2);
  if (!attachment) return fail(attachment.error().with_context(ctx));
  return Link(std::move(*attachment));
}

}  // namespace ebpf::link
