// Link backends for the attachments made through rtnetlink: legacy XDP (IFLA_XDP) and cls_bpf filters.
// Each keeps its netlink socket, which is bound to the network namespace the attachment was made in, so
// closing works from any thread and namespace.
#pragma once

#include <cstdint>

#include "ebpf/link/link.hpp"
#include "ebpf/sys/fd.hpp"
#include "ebpf/sys/netlink.hpp"

namespace ebpf::link {

// An XDP program set with RTM_SETLINK. Detaching removes it only if it is still the interface's program in
// that mode (XDP_FLAGS_REPLACE with the program as the expected one, Linux 5.7). Cannot be pinned.
class NetlinkXdpAttachment final : public Attachment {
 public:
  NetlinkXdpAttachment(sys::NetlinkSocket sock, int ifindex, std::uint32_t mode_flags, sys::Fd program) noexcept
      : sock_(std::move(sock)), ifindex_(ifindex), mode_flags_(mode_flags), prog_(std::move(program)) {}
  ~NetlinkXdpAttachment() override;
  [[nodiscard]] std::string_view kind() const noexcept override { return "netlink xdp"; }
  // Swaps the program with one RTM_SETLINK (only if ours is still attached).
  Result<void> update(const Program& new_program, const Program* expected_old) override;
  Result<void> detach() override;
  Result<void> close() override { return detach(); }
  [[nodiscard]] Result<LinkInfo> info() const override;
  [[nodiscard]] int ifindex() const noexcept { return ifindex_; }

 private:
  sys::NetlinkSocket sock_;
  int ifindex_ = 0;
  std::uint32_t mode_flags_ = 0;  // XDP_FLAGS_SKB_MODE / DRV_MODE / HW_MODE or 0
  sys::Fd prog_;
};

// A cls_bpf filter on a clsact hook. Detaching deletes exactly that filter (parent, priority, handle,
// protocol) if it still runs this attachment's program (a filter someone replaced in place is left alone); the
// clsact qdisc stays. Cannot be pinned.
class TcFilterAttachment final : public Attachment {
 public:
  TcFilterAttachment(sys::NetlinkSocket sock, const sys::TcFilterId& filter, std::uint32_t program_id,
                     bool direct_action) noexcept
      : sock_(std::move(sock)), filter_(filter), program_id_(program_id), direct_action_(direct_action) {}
  ~TcFilterAttachment() override;
  [[nodiscard]] std::string_view kind() const noexcept override { return "netlink tc filter"; }
  // Replaces the filter's program in place (RTM_NEWTFILTER with NLM_F_REPLACE on the same priority and handle);
  // with `expected_old`, only if that is the filter's program now.
  Result<void> update(const Program& new_program, const Program* expected_old) override;
  Result<void> detach() override;
  Result<void> close() override { return detach(); }
  [[nodiscard]] Result<LinkInfo> info() const override;
  [[nodiscard]] const sys::TcFilterId& filter() const noexcept { return filter_; }

 private:
  sys::NetlinkSocket sock_;
  sys::TcFilterId filter_;
  std::uint32_t program_id_ = 0;
  bool direct_action_ = true;
  bool attached_ = true;
};

}  // namespace ebpf::link
