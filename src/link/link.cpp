#include "ebpf/link/link.hpp"

#include <fcntl.h>
#include <linux/perf_event.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "ebpf/program.hpp"
#include "ebpf/sys/bpf.hpp"
#include "ebpf/sys/link.hpp"
#include "ebpf/sys/perf_event.hpp"

namespace ebpf {

std::string_view to_string(LinkType t) noexcept {
  switch (t) {
    case LinkType::unspec: return "unspec";
    case LinkType::raw_tracepoint: return "raw_tracepoint";
    case LinkType::tracing: return "tracing";
    case LinkType::cgroup: return "cgroup";
    case LinkType::iter: return "iter";
    case LinkType::netns: return "netns";
    case LinkType::xdp: return "xdp";
    case LinkType::perf_event: return "perf_event";
    case LinkType::kprobe_multi: return "kprobe_multi";
    case LinkType::struct_ops: return "struct_ops";
    case LinkType::netfilter: return "netfilter";
    case LinkType::tcx: return "tcx";
    case LinkType::uprobe_multi: return "uprobe_multi";
    case LinkType::netkit: return "netkit";
    case LinkType::sockmap: return "sockmap";
  }
  return "unknown";
}

std::string_view to_string(PerfEventKind k) noexcept {
  switch (k) {
    case PerfEventKind::unspec: return "unspec";
    case PerfEventKind::uprobe: return "uprobe";
    case PerfEventKind::uretprobe: return "uretprobe";
    case PerfEventKind::kprobe: return "kprobe";
    case PerfEventKind::kretprobe: return "kretprobe";
    case PerfEventKind::tracepoint: return "tracepoint";
    case PerfEventKind::event: return "event";
  }
  return "unknown";
}

namespace link {
namespace {

Error unsupported(std::string_view kind, std::string_view what) {
  std::string m(what);
  m += ": not supported by a ";
  m += kind;
  m += " attachment";
  return Error::make(errc::not_supported, std::move(m));
}

// Reads the per-type union of struct bpf_link_info (it starts at byte 16 of the struct).
struct Union {
  const std::byte* p;
  [[nodiscard]] std::uint32_t u32(std::size_t off) const noexcept {
    std::uint32_t v;
    std::memcpy(&v, p + off, 4);
    return v;
  }
  [[nodiscard]] std::uint64_t u64(std::size_t off) const noexcept {
    std::uint64_t v;
    std::memcpy(&v, p + off, 8);
    return v;
  }
};

void put64(sys::LinkInfo& raw, std::size_t off, std::uint64_t v) noexcept {
  std::memcpy(reinterpret_cast<std::byte*>(raw.tail) + off, &v, 8);
}
void put32(sys::LinkInfo& raw, std::size_t off, std::uint32_t v) noexcept {
  std::memcpy(reinterpret_cast<std::byte*>(raw.tail) + off, &v, 4);
}

// Where the kernel writes a name for this link type: offset of the pointer and of its u32 length in the
// union, or {0, 0} if the type has none.
struct NameSlot {
  std::size_t ptr = 0;
  std::size_t len = 0;
  bool present = false;
};

NameSlot name_slot(LinkType type, PerfEventKind perf) noexcept {
  switch (type) {
    case LinkType::raw_tracepoint: return {0, 8, true};
    case LinkType::iter: return {0, 8, true};
    case LinkType::uprobe_multi: return {0, 32, true};
    case LinkType::perf_event:
      // Every perf-event kind but plain events names something at the same place.
      if (perf != PerfEventKind::event && perf != PerfEventKind::unspec) return {8, 16, true};
      return {};
    default: return {};
  }
}

std::string c_string(const char* buf, std::size_t cap) { return std::string(buf, ::strnlen(buf, cap)); }

}  // namespace

// A close-on-exec duplicate of a descriptor the caller does not own (never 0: attrs read 0 as "none").
Result<sys::Fd> dup_fd(int fd) {
  int r = ::fcntl(fd, F_DUPFD_CLOEXEC, 1);
  if (r < 0) return unexpected(Error::from_errno(errno, "duplicate descriptor"));
  return sys::Fd(r);
}

namespace {

}  // namespace

Result<void> Attachment::pin(const std::string&) { return unexpected(unsupported(kind(), "pin")); }
Result<void> Attachment::update(const Program&, const Program*) { return unexpected(unsupported(kind(), "update")); }
Result<void> Attachment::detach() { return unexpected(unsupported(kind(), "detach")); }
Result<LinkInfo> Attachment::info() const { return unexpected(unsupported(kind(), "info")); }

Result<LinkInfo> query_info(int link_fd) {
  sys::LinkInfo raw{};
  EBPF_TRY_VOID(sys::link_info(link_fd, raw));
  const auto type = static_cast<LinkType>(raw.type);
  const auto perf = static_cast<PerfEventKind>(type == LinkType::perf_event ? raw.tail[0] & 0xffffffffu : 0);
  std::string name;
  if (NameSlot slot = name_slot(type, perf); slot.present) {
    // A second call with a buffer for the name (a buffer given to the first could land on another type's field).
    char buf[4096] = {};
    sys::LinkInfo again{};
    put64(again, slot.ptr, reinterpret_cast<std::uintptr_t>(buf));
    put32(again, slot.len, sizeof buf);
    auto r = sys::link_info(link_fd, again);
    if (r) {
      raw = again;
      name = c_string(buf, sizeof buf);
    }
    // Older kernels refuse some buffers (ENOSPC for long names): keep the info without the name.
  }
  const Union u{reinterpret_cast<const std::byte*>(raw.tail)};
  LinkInfo info;
  info.type = type;
  info.id = raw.id;
  info.program_id = raw.prog_id;
  info.name = std::move(name);
  switch (type) {
    case LinkType::tracing:
      info.attach_type = static_cast<AttachType>(u.u32(0));
      info.target_obj_id = u.u32(4);
      info.target_btf_id = u.u32(8);
      break;
    case LinkType::cgroup:
      info.cgroup_id = u.u64(0);
      info.attach_type = static_cast<AttachType>(u.u32(8));
      break;
    case LinkType::iter:
      info.map_id = u.u32(12);
      info.cgroup_id = u.u64(16);
      break;
    case LinkType::netns:
      info.netns_ino = u.u32(0);
      info.attach_type = static_cast<AttachType>(u.u32(4));
      break;
    case LinkType::xdp: info.ifindex = u.u32(0); break;
    case LinkType::struct_ops: info.map_id = u.u32(0); break;
    case LinkType::netfilter:
      info.netfilter_pf = u.u32(0);
      info.netfilter_hooknum = u.u32(4);
      info.netfilter_priority = static_cast<std::int32_t>(u.u32(8));
      info.netfilter_flags = u.u32(12);
      break;
    case LinkType::kprobe_multi:
      info.count = u.u32(8);
      info.flags = u.u32(12);
      info.missed = u.u64(16);
      break;
    case LinkType::uprobe_multi:
      info.count = u.u32(36);
      info.flags = u.u32(40);
      info.pid = u.u32(44);
      break;
    case LinkType::perf_event:
      info.perf_event = perf;
      switch (perf) {
        case PerfEventKind::uprobe:
        case PerfEventKind::uretprobe:
          info.offset = u.u32(20);
          info.cookie = u.u64(24);
          info.ref_ctr_offset = u.u64(32);
          break;
        case PerfEventKind::kprobe:
        case PerfEventKind::kretprobe:
          info.offset = u.u32(20);
          info.address = u.u64(24);
          info.missed = u.u64(32);
          info.cookie = u.u64(40);
          break;
        case PerfEventKind::tracepoint: info.cookie = u.u64(24); break;
        case PerfEventKind::event:
          info.perf_config = u.u64(8);
          info.perf_type = u.u32(16);
          info.cookie = u.u64(24);
          break;
        case PerfEventKind::unspec: break;
      }
      break;
    case LinkType::tcx:
    case LinkType::netkit:
      info.ifindex = u.u32(0);
      info.attach_type = static_cast<AttachType>(u.u32(4));
      break;
    case LinkType::sockmap:
      info.map_id = u.u32(0);
      info.attach_type = static_cast<AttachType>(u.u32(4));
      break;
    case LinkType::raw_tracepoint:
    case LinkType::unspec: break;
  }
  return info;
}

// ---- FdAttachment ----

Result<void> FdAttachment::pin(const std::string& path) {
  EBPF_TRY_VOID(sys::obj_pin(fd_.get(), path.c_str()));
  return {};
}

Result<void> FdAttachment::update(const Program& new_program, const Program* expected_old) {
  EBPF_TRY_VOID(sys::link_update(fd_.get(), new_program.fd(), expected_old ? expected_old->fd() : -1));
  return {};
}

Result<void> FdAttachment::detach() {
  EBPF_TRY_VOID(sys::link_detach(fd_.get()));
  return {};
}

Result<void> FdAttachment::close() {
  // The kernel detaches on the last close of the link (its pins count as references).
  fd_.reset();
  return {};
}

Result<LinkInfo> FdAttachment::info() const { return query_info(fd_.get()); }

PerfLinkAttachment::~PerfLinkAttachment() { (void)PerfLinkAttachment::close(); }

Result<void> PerfLinkAttachment::close() {
  // The link first: it holds the program on the event.
  fd_.reset();
  perf_fd_.reset();
  return {};
}

// ---- PerfEventAttachment ----

PerfEventAttachment::~PerfEventAttachment() { (void)PerfEventAttachment::close(); }

Result<void> PerfEventAttachment::detach() {
  if (!perf_fd_) return {};
  // Disabling stops the program at once; closing the event releases it.
  auto r = sys::perf_ioctl(perf_fd_.get(), PERF_EVENT_IOC_DISABLE, 0, "disable perf event");
  perf_fd_.reset();
  if (!r) return unexpected(std::move(r).error());
  return {};
}

Result<void> PerfEventAttachment::close() { return detach(); }

Result<LinkInfo> PerfEventAttachment::info() const {
  LinkInfo info;
  info.type = LinkType::perf_event;
  info.program_id = program_id_;
  return info;
}

// ---- ProgAttachment ----

ProgAttachment::~ProgAttachment() { (void)ProgAttachment::close(); }

Result<void> ProgAttachment::update(const Program& new_program, const Program* expected_old) {
  sys::ProgAttachAttr attr{.target_fd = static_cast<std::uint32_t>(target_.get()),
                           .attach_bpf_fd = static_cast<std::uint32_t>(new_program.fd()),
                           .attach_type = kernel_value(type_),
                           .attach_flags = flags_};
  // With several programs on the target, only BPF_F_REPLACE swaps ours; otherwise an attach overrides.
  const int old = expected_old ? expected_old->fd() : prog_.get();
  if ((flags_ & sys::kAttachFlagAllowMulti) != 0) {
    attr.attach_flags |= sys::kLinkFlagReplace;
    attr.replace_bpf_fd = static_cast<std::uint32_t>(old);
  }
  EBPF_TRY(sys::Fd dup, dup_fd(new_program.fd()));
  EBPF_TRY_VOID(sys::prog_attach(attr));
  prog_ = std::move(dup);
  return {};
}

Result<void> ProgAttachment::detach() {
  if (!prog_) return {};
  sys::ProgAttachAttr attr{.target_fd = static_cast<std::uint32_t>(target_.get()),
                           .attach_bpf_fd = static_cast<std::uint32_t>(prog_.get()),
                           .attach_type = kernel_value(type_)};
  auto r = sys::prog_detach(attr);
  prog_.reset();
  target_.reset();
  if (!r) return unexpected(std::move(r).error());
  return {};
}

Result<void> ProgAttachment::close() { return detach(); }

Result<LinkInfo> ProgAttachment::info() const {
  LinkInfo info;
  info.attach_type = type_;
  if (prog_) {
    sys::ProgInfo pi{};
    if (sys::obj_get_info_by_fd(prog_.get(), &pi, sizeof pi)) info.program_id = pi.id;
  }
  return info;
}

Result<std::unique_ptr<Attachment>> prog_attach(const Program& program, int target_fd, AttachType type,
                                                std::uint32_t flags) {
  std::string ctx = "program ";
  ctx += program.name();
  ctx += ": attach ";
  ctx += to_string(type);
  if (!program.valid()) return fail(errc::closed, ctx + ": program is closed");
  EBPF_TRY_CTX(sys::Fd prog, dup_fd(program.fd()), ctx);
  EBPF_TRY_CTX(sys::Fd target, dup_fd(target_fd), ctx);
  sys::ProgAttachAttr attr{.target_fd = static_cast<std::uint32_t>(target_fd),
                           .attach_bpf_fd = static_cast<std::uint32_t>(program.fd()),
                           .attach_type = kernel_value(type),
                           .attach_flags = flags};
  if (auto r = sys::prog_attach(attr); !r) return unexpected(std::move(r).error().with_context(ctx));
  return std::unique_ptr<Attachment>(std::make_unique<ProgAttachment>(std::move(prog), std::move(target), type, flags));
}

Result<sys::Fd> create_fd(int program_fd, int target_fd, AttachType type, std::uint32_t flags,
                          std::span<const std::byte> tail) {
  sys::LinkCreateAttr attr{.prog_fd = static_cast<std::uint32_t>(program_fd),
                           .target_fd = static_cast<std::uint32_t>(target_fd),
                           .attach_type = kernel_value(type),
                           .flags = flags};
  if (!sys::set_link_tail(attr, tail))
    return fail(errc::invalid_argument, "create link: type-specific attributes larger than 48 bytes");
  return sys::link_create(attr);
}

Result<Link> create(const Program& program, int target_fd, AttachType type, std::uint32_t flags,
                    std::span<const std::byte> tail) {
  auto fd = create_fd(program.fd(), target_fd, type, flags, tail);
  if (!fd) {
    std::string ctx = "program ";
    ctx += program.name();
    ctx += ": create ";
    ctx += to_string(type);
    ctx += " link";
    return unexpected(std::move(fd).error().with_context(ctx));
  }
  return Link(std::make_unique<FdAttachment>(std::move(*fd)));
}

}  // namespace link

// ---- Link ----

Result<link::Attachment*> Link::live(const char* what) const {
  if (!impl_) return unexpected(Error(errc::closed, EBADF, what));
  return impl_.get();
}

Result<Link> Link::load_pinned(const std::string& path) {
  const std::string ctx = "load pinned link " + path;
  EBPF_TRY_CTX(sys::Fd fd, sys::obj_get(path.c_str(), 0), ctx);
  // A pin may hold a map or program as well: only a link answers with a link type.
  char target[64] = {};
  std::string proc = "/proc/self/fd/" + std::to_string(fd.get());
  ssize_t n = ::readlink(proc.c_str(), target, sizeof target - 1);
  const std::string_view kind(target, n > 0 ? static_cast<std::size_t>(n) : 0);
  if (n > 0 && kind != "anon_inode:bpf-link" && kind != "anon_inode:bpf_link")
    return fail(errc::invalid_argument, ctx + ": not a link (" + std::string(target, static_cast<std::size_t>(n)) + ")");
  Link l(std::make_unique<link::FdAttachment>(std::move(fd)));
  l.pinned_path_ = path;
  return l;
}

Result<Link> Link::from_id(std::uint32_t id) {
  EBPF_TRY_CTX(sys::Fd fd, sys::get_fd_by_id(sys::ObjectKind::link, id), "link id " + std::to_string(id));
  return Link(std::make_unique<link::FdAttachment>(std::move(fd)));
}

Result<std::uint32_t> Link::next_id(std::uint32_t id) { return sys::get_next_id(sys::ObjectKind::link, id); }

Result<void> Link::pin(const std::string& path) {
  EBPF_TRY(link::Attachment * a, live("pin link: link is closed"));
  if (path == pinned_path_) return {};
  auto r = a->pin(path);
  if (!r) return unexpected(std::move(r).error().with_context("link: pin to " + path));
  if (!pinned_path_.empty()) (void)sys::remove_pin(pinned_path_.c_str());
  pinned_path_ = path;
  return {};
}

Result<void> Link::unpin() {
  if (pinned_path_.empty()) return {};
  auto r = sys::remove_pin(pinned_path_.c_str());
  if (!r && !r.error().is(std::errc::no_such_file_or_directory))
    return unexpected(std::move(r).error().with_context("link: unpin " + pinned_path_));
  pinned_path_.clear();
  return {};
}

Result<void> Link::update(const Program& new_program, const Program* expected_old) {
  EBPF_TRY(link::Attachment * a, live("update link: link is closed"));
  if (!new_program.valid()) return unexpected(Error(errc::closed, EBADF, "update link: new program is closed"));
  auto r = a->update(new_program, expected_old);
  if (!r) return unexpected(std::move(r).error().with_context("link: update to program " + new_program.name()));
  return {};
}

Result<void> Link::detach() {
  EBPF_TRY(link::Attachment * a, live("detach link: link is closed"));
  auto r = a->detach();
  if (!r) return unexpected(std::move(r).error().with_context("link: detach"));
  return {};
}

Result<LinkInfo> Link::info() const {
  EBPF_TRY(link::Attachment * a, live("link info: link is closed"));
  auto r = a->info();
  if (!r) return unexpected(std::move(r).error().with_context("link info"));
  return r;
}

Result<std::uint32_t> Link::id() const {
  EBPF_TRY(LinkInfo i, info());
  return i.id;
}

Result<void> Link::close() {
  if (!impl_) return {};
  auto r = impl_->close();
  impl_.reset();
  pinned_path_.clear();
  if (!r) return unexpected(std::move(r).error().with_context("link: close"));
  return {};
}

}  // namespace ebpf
