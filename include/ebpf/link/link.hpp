// Link: the RAII owner of one attachment of a program (cilium/ebpf's link.Link).
//
// Destroying a Link, or close(), detaches the program - unless the link was pinned, in which case the
// attachment lives on in bpffs until the pin is removed. A Link holds whatever keeps its attachment valid
// (the bpf_link fd, a perf event fd, duplicates of the program and target fds for PROG_ATTACH), so the
// Program it was made from may be closed first.
//
// A Link is backed by a link::Attachment. Kernels give most program types a bpf_link (an fd the kernel
// detaches on last close); some attachments predate links or have none (a program set on a perf event with
// PERF_EVENT_IOC_SET_BPF, BPF_PROG_ATTACH to a cgroup, XDP or tc through netlink). Each kind is a backend;
// backends that cannot pin or update answer errc::not_supported naming themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "ebpf/error.hpp"
#include "ebpf/sys/fd.hpp"
#include "ebpf/types.hpp"

namespace ebpf {

class Program;

// enum bpf_link_type.
enum class LinkType : std::uint32_t {
  unspec = 0, raw_tracepoint = 1, tracing = 2, cgroup = 3, iter = 4, netns = 5, xdp = 6, perf_event = 7,
  kprobe_multi = 8, struct_ops = 9, netfilter = 10, tcx = 11, uprobe_multi = 12, netkit = 13, sockmap = 14,
};
// "raw_tracepoint", "perf_event", ... (bpftool's names); "unknown" for values the library does not know.
std::string_view to_string(LinkType t) noexcept;

// enum bpf_perf_event_type: what a perf_event link is attached to.
enum class PerfEventKind : std::uint32_t {
  unspec = 0, uprobe = 1, uretprobe = 2, kprobe = 3, kretprobe = 4, tracepoint = 5, event = 6,
};
std::string_view to_string(PerfEventKind k) noexcept;

// What the kernel says about a link (struct bpf_link_info). Fields that do not apply to the link's type
// stay zero / empty.
struct LinkInfo {
  LinkType type = LinkType::unspec;
  std::uint32_t id = 0;
  std::uint32_t program_id = 0;

  // tracing, cgroup, netns, tcx, netkit, sockmap links.
  AttachType attach_type = AttachType::unspec;
  // Tracepoint (raw_tracepoint and perf tracepoint links), iterator target (iter), probed function
  // (kprobe) or probed file (uprobe, uprobe_multi).
  std::string name;
  std::uint32_t target_obj_id = 0;  // tracing: BTF object id (or target program id for freplace)
  std::uint32_t target_btf_id = 0;  // tracing: BTF type id in that object
  std::uint64_t cgroup_id = 0;      // cgroup links, cgroup iterators
  std::uint32_t ifindex = 0;        // xdp, tcx, netkit
  std::uint32_t netns_ino = 0;      // netns (sk_lookup, flow_dissector)
  std::uint32_t map_id = 0;         // struct_ops, sockmap, map iterators
  // netfilter.
  std::uint32_t netfilter_pf = 0;
  std::uint32_t netfilter_hooknum = 0;
  std::int32_t netfilter_priority = 0;
  std::uint32_t netfilter_flags = 0;
  // perf_event links.
  PerfEventKind perf_event = PerfEventKind::unspec;
  std::uint64_t offset = 0;          // uprobe: file offset; kprobe: offset from the function
  std::uint64_t address = 0;         // kprobe: address
  std::uint64_t ref_ctr_offset = 0;  // uprobe
  std::uint64_t cookie = 0;          // perf_event links
  std::uint32_t perf_type = 0;       // event: perf_event_attr.type
  std::uint64_t perf_config = 0;     // event: perf_event_attr.config
  // kprobe_multi, uprobe_multi.
  std::uint32_t count = 0;
  std::uint32_t flags = 0;
  std::uint32_t pid = 0;     // uprobe_multi
  std::uint64_t missed = 0;  // kprobe_multi
};

namespace link {

// A backend of Link. Destroying it detaches (except what is pinned). Implementations must be safe to
// destroy after a failed or partial operation and must not leak descriptors.
class Attachment {
 public:
  Attachment() = default;
  Attachment(const Attachment&) = delete;
  Attachment& operator=(const Attachment&) = delete;
  virtual ~Attachment() = default;

  // What backs the link, for messages: "bpf_link", "perf event", "prog_attach", "netlink xdp", ...
  [[nodiscard]] virtual std::string_view kind() const noexcept = 0;
  // The kernel bpf_link fd, or -1 for backends without one.
  [[nodiscard]] virtual int fd() const noexcept { return -1; }
  // Makes the attachment outlive the process (BPF_OBJ_PIN). Default: not_supported.
  virtual Result<void> pin(const std::string& path);
  // Replaces the program (atomically where the kernel can). Default: not_supported.
  virtual Result<void> update(const Program& new_program, const Program* expected_old);
  // Detaches now, keeping the object (for bpf_links: BPF_LINK_DETACH). Default: not_supported.
  virtual Result<void> detach();
  // Detaches and releases everything; reports what the destructor would swallow. Default: nothing to do.
  virtual Result<void> close() { return {}; }
  // What the kernel knows of the attachment. Default: not_supported.
  [[nodiscard]] virtual Result<LinkInfo> info() const;
};

// A kernel bpf_link: pin, update, detach and info all work on its fd.
class FdAttachment : public Attachment {
 public:
  explicit FdAttachment(sys::Fd link_fd) noexcept : fd_(std::move(link_fd)) {}
  [[nodiscard]] std::string_view kind() const noexcept override { return "bpf_link"; }
  [[nodiscard]] int fd() const noexcept override { return fd_.get(); }
  Result<void> pin(const std::string& path) override;
  Result<void> update(const Program& new_program, const Program* expected_old) override;
  Result<void> detach() override;
  Result<void> close() override;
  [[nodiscard]] Result<LinkInfo> info() const override;

 protected:
  sys::Fd fd_;
};

// A bpf_link made on a perf event (BPF_LINK_CREATE with BPF_PERF_EVENT, Linux 5.15): keeps the perf event
// open as long as the link (the kernel needs the event, not the fd, but closing the event first would make
// a link on a dead event).
class PerfLinkAttachment final : public FdAttachment {
 public:
  PerfLinkAttachment(sys::Fd link_fd, sys::Fd perf_fd) noexcept
      : FdAttachment(std::move(link_fd)), perf_fd_(std::move(perf_fd)) {}
  ~PerfLinkAttachment() override;
  Result<void> close() override;
  [[nodiscard]] int perf_fd() const noexcept { return perf_fd_.get(); }

 private:
  sys::Fd perf_fd_;
};

// A program set on a perf event with PERF_EVENT_IOC_SET_BPF (kernels before perf links): disabling and closing
// the event detaches. Cannot be pinned or updated.
class PerfEventAttachment final : public Attachment {
 public:
  // `program_id` is reported by info() (0 if unknown).
  PerfEventAttachment(sys::Fd perf_fd, std::uint32_t program_id) noexcept
      : perf_fd_(std::move(perf_fd)), program_id_(program_id) {}
  ~PerfEventAttachment() override;
  [[nodiscard]] std::string_view kind() const noexcept override { return "perf event ioctl"; }
  Result<void> detach() override;
  Result<void> close() override;
  [[nodiscard]] Result<LinkInfo> info() const override;
  [[nodiscard]] int perf_fd() const noexcept { return perf_fd_.get(); }

 private:
  sys::Fd perf_fd_;
  std::uint32_t program_id_ = 0;
};

// BPF_PROG_ATTACH without a link (cgroups on old kernels, sockmaps, lirc, ...): BPF_PROG_DETACH on close.
// Holds duplicates of the program and target fds so the detach names the same objects.
class ProgAttachment final : public Attachment {
 public:
  ProgAttachment(sys::Fd program_fd, sys::Fd target_fd, AttachType type, std::uint32_t flags) noexcept
      : prog_(std::move(program_fd)), target_(std::move(target_fd)), type_(type), flags_(flags) {}
  ~ProgAttachment() override;
  [[nodiscard]] std::string_view kind() const noexcept override { return "prog_attach"; }
  // Re-attaches the new program in place of the old one (BPF_F_REPLACE where the target allows multiple
  // programs, else a plain attach that overrides).
  Result<void> update(const Program& new_program, const Program* expected_old) override;
  Result<void> detach() override;
  Result<void> close() override;
  [[nodiscard]] Result<LinkInfo> info() const override;

 private:
  sys::Fd prog_;
  sys::Fd target_;
  AttachType type_ = AttachType::unspec;
  std::uint32_t flags_ = 0;
};

// BPF_PROG_ATTACH of `program` to `target_fd` (a cgroup, sockmap, netns, lirc device ... as the attach type
// wants), owned as a Link that detaches with BPF_PROG_DETACH. flags: sys::kAttachFlagAllowMulti etc.
Result<std::unique_ptr<Attachment>> prog_attach(const Program& program, int target_fd, AttachType type,
                                                std::uint32_t flags = 0);

// A close-on-exec duplicate (never fd 0) of a descriptor the caller does not own: what backends keep so that
// the objects they were made from may be closed.
Result<sys::Fd> dup_fd(int fd);

// BPF_LINK_CREATE of `program` (for struct_ops: of a map, see attach_struct_ops) on `target_fd` (an ifindex,
// cgroup fd, netns fd, perf event fd or 0, as the attach type wants) with the type-specific tail bytes
// (at most 48: struct bpf_attr's link_create union after the flags). Errors name the attach type; EINVAL
// from a kernel that does not know the attach type is reported as errc::not_supported only by the callers
// that have probed it.
Result<sys::Fd> create_fd(int program_fd, int target_fd, AttachType type, std::uint32_t flags = 0,
                          std::span<const std::byte> tail = {});

}  // namespace link

class Link {
 public:
  Link() = default;  // an empty (closed) link
  explicit Link(std::unique_ptr<link::Attachment> attachment) noexcept : impl_(std::move(attachment)) {}
  Link(Link&&) noexcept = default;
  // Detaches what this link held before taking over `other`'s attachment.
  Link& operator=(Link&&) noexcept = default;
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;
  ~Link() = default;

  // Opens a link pinned in bpffs. The Link owns a new fd; destroying it does not detach while the pin exists.
  static Result<Link> load_pinned(const std::string& path);
  // A new fd for the kernel link with `id` (BPF_LINK_GET_FD_BY_ID, Linux 5.8).
  static Result<Link> from_id(std::uint32_t id);
  // The next link id after `id` (errc::not_found at the end). Linux 5.8.
  static Result<std::uint32_t> next_id(std::uint32_t id);

  // Pins the link at `path` in bpffs: it then outlives this object. Backends without a kernel link:
  // errc::not_supported.
  Result<void> pin(const std::string& path);
  // Removes the pin (if any): closing the Link then detaches again.
  Result<void> unpin();
  // Atomically replaces the program (BPF_LINK_UPDATE, Linux 5.7); with `expected_old`, only if that is the
  // program attached now (BPF_F_REPLACE; otherwise EPERM). Not every link type supports it (EOPNOTSUPP /
  // EINVAL from the kernel).
  Result<void> update(const Program& new_program, const Program* expected_old = nullptr);
  // Detaches without closing (BPF_LINK_DETACH, Linux 5.9): the link (and a pin) stays but is defunct.
  Result<void> detach();
  // The kernel's view of the link (BPF_OBJ_GET_INFO_BY_FD on the link, Linux 5.8).
  [[nodiscard]] Result<LinkInfo> info() const;
  // The kernel link id (from info()).
  [[nodiscard]] Result<std::uint32_t> id() const;
  // Detaches (unless pinned) and releases everything; the Link is empty afterwards even on error.
  Result<void> close();

  // The bpf_link fd, or -1 for backends without one (and for an empty Link).
  [[nodiscard]] int fd() const noexcept { return impl_ ? impl_->fd() : -1; }
  [[nodiscard]] bool valid() const noexcept { return impl_ != nullptr; }
  [[nodiscard]] const std::string& pinned_path() const noexcept { return pinned_path_; }
  // The backend (for backend-specific calls); null for an empty Link.
  [[nodiscard]] link::Attachment* attachment() const noexcept { return impl_.get(); }

 private:
  Result<link::Attachment*> live(const char* what) const;

  std::unique_ptr<link::Attachment> impl_;
  std::string pinned_path_;
};

namespace link {
// BPF_LINK_CREATE as a Link (see create_fd). The generic entry point for link types without a dedicated
// attach function. Requires Linux 5.7 (and whatever the attach type needs).
Result<Link> create(const Program& program, int target_fd, AttachType type, std::uint32_t flags = 0,
                    std::span<const std::byte> tail = {});
// The info of any bpf_link fd, with names (tracepoint, iterator target, probed function or file) fetched.
Result<LinkInfo> query_info(int link_fd);
}  // namespace link

}  // namespace ebpf
