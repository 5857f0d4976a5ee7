// rtnetlink: the socket and messages that legacy XDP (IFLA_XDP) and tc cls_bpf attachments need.
//
// NetlinkSocket is an RAII NETLINK_ROUTE socket that sends one request at a time and waits for the kernel's
// acknowledgement. It asks for extended acks (NETLINK_EXT_ACK), so a refusal carries the kernel's own
// explanation ("RTM_SETLINK: native and generic XDP can't be active at the same time: device or resource
// busy"). Requests are built in a fixed buffer: building and sending allocate nothing.
//
// Sends go through the fault hook (sys::set_fault_hook) as the pseudo-command kCmdNetlink.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string_view>

#include "ebpf/error.hpp"
#include "ebpf/sys/attr.hpp"
#include "ebpf/sys/fd.hpp"

namespace ebpf::sys {

// Pseudo-command for the fault hook: a netlink request (never passed to bpf()).
inline constexpr Cmd kCmdNetlink = static_cast<Cmd>(1100);

// One netlink request: a header (nlmsghdr), the family header (ifinfomsg, tcmsg, ...) and attributes, built
// in place. Attributes that do not fit make the request invalid; send() then refuses it.
class NetlinkRequest {
 public:
  static constexpr std::size_t kCapacity = 1024;

  // `type`: RTM_SETLINK, RTM_NEWTFILTER, ...; `flags`: NLM_F_CREATE, NLM_F_EXCL, NLM_F_DUMP, NLM_F_ECHO...
  // (NLM_F_REQUEST and NLM_F_ACK are added by the socket). `family_header` is copied after the nlmsghdr.
  NetlinkRequest(std::uint16_t type, std::uint16_t flags, const void* family_header, std::size_t header_size) noexcept;

  template <class Header>
  NetlinkRequest(std::uint16_t type, std::uint16_t flags, const Header& header) noexcept
      : NetlinkRequest(type, flags, &header, sizeof header) {}

  // Appends an attribute (aligned to 4 bytes).
  NetlinkRequest& put(std::uint16_t type, const void* data, std::size_t size) noexcept;
  NetlinkRequest& put_u32(std::uint16_t type, std::uint32_t v) noexcept { return put(type, &v, sizeof v); }
  NetlinkRequest& put_s32(std::uint16_t type, std::int32_t v) noexcept { return put(type, &v, sizeof v); }
  NetlinkRequest& put_u16(std::uint16_t type, std::uint16_t v) noexcept { return put(type, &v, sizeof v); }
  // A NUL-terminated string attribute.
  NetlinkRequest& put_string(std::uint16_t type, std::string_view s) noexcept;
  // Raw bytes inside the current nest (e.g. the ifinfomsg that starts a veth peer).
  NetlinkRequest& append(const void* data, std::size_t size) noexcept;

  // Nested attributes: begin_nested() returns a token to pass to end_nested().
  std::size_t begin_nested(std::uint16_t type) noexcept;
  void end_nested(std::size_t token) noexcept;

  [[nodiscard]] bool ok() const noexcept { return !overflow_; }
  [[nodiscard]] std::uint16_t type() const noexcept;
  [[nodiscard]] std::span<std::byte> bytes() noexcept { return {buf_, len_}; }

 private:
  void set_length() noexcept;

  alignas(4) std::byte buf_[kCapacity] = {};
  std::size_t len_ = 0;
  bool overflow_ = false;
};

// A netlink message the kernel sent back (for NLM_F_ECHO and dumps): its type and the bytes after the
// nlmsghdr (family header and attributes).
struct NetlinkMessage {
  std::uint16_t type = 0;
  std::uint16_t flags = 0;
  std::span<const std::byte> payload;

  // The family header, copied out (zero-filled if the payload is shorter).
  template <class Header>
  [[nodiscard]] Header header() const noexcept {
    Header h{};
    std::memcpy(&h, payload.data(), payload.size() < sizeof h ? payload.size() : sizeof h);
    return h;
  }
  // The attributes after a family header of `header_size` bytes (aligned).
  [[nodiscard]] std::span<const std::byte> attributes(std::size_t header_size) const noexcept;
};

// Calls `fn(type, payload)` for each attribute in `attrs` (type with the nested/byte-order bits cleared).
// Stops at the first malformed attribute.
void for_each_attribute(std::span<const std::byte> attrs,
                        const std::function<void(std::uint16_t type, std::span<const std::byte> payload)>& fn);

// Reads a fixed-size attribute payload; zero if it is too short.
template <class T>
T attribute_value(std::span<const std::byte> payload) noexcept {
  T v{};
  if (payload.size() >= sizeof v) std::memcpy(&v, payload.data(), sizeof v);
  return v;
}

class NetlinkSocket {
 public:
  NetlinkSocket() = default;  // closed

  // A NETLINK_ROUTE socket with extended acks. Opened in the calling thread's network namespace.
  static Result<NetlinkSocket> open();

  // Sends `request` with NLM_F_REQUEST | NLM_F_ACK and waits for the ack. Messages the kernel sends before the
  // ack (NLM_F_ECHO, NLM_F_DUMP parts) are passed to `on_message` if given. A negative ack becomes an error
  // named after the request type, with the kernel's extended-ack message if it gave one; EOPNOTSUPP is
  // errc::not_supported.
  Result<void> transact(NetlinkRequest& request,
                        const std::function<void(const NetlinkMessage&)>& on_message = {});

  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  [[nodiscard]] bool valid() const noexcept { return fd_.valid(); }

 private:
  explicit NetlinkSocket(Fd fd) noexcept : fd_(std::move(fd)) {}

  Fd fd_;
  std::uint32_t seq_ = 0;
};

// "RTM_SETLINK" etc. for messages; "RTM_<n>" for types not listed.
const char* netlink_type_name(std::uint16_t type) noexcept;

// ---- rtnetlink operations used by links. ----

// XDP mode flags for IFLA_XDP_FLAGS (linux/if_link.h XDP_FLAGS_*).
namespace xdp_flags {
inline constexpr std::uint32_t update_if_noexist = 1u << 0;
inline constexpr std::uint32_t skb_mode = 1u << 1;  // generic
inline constexpr std::uint32_t drv_mode = 1u << 2;  // native (driver)
inline constexpr std::uint32_t hw_mode = 1u << 3;   // offload
inline constexpr std::uint32_t replace = 1u << 4;
inline constexpr std::uint32_t modes = skb_mode | drv_mode | hw_mode;
}  // namespace xdp_flags

// Sets (prog_fd >= 0) or removes (prog_fd == -1) the XDP program of `ifindex` with RTM_SETLINK/IFLA_XDP.
// `expected_fd` >= 0 adds XDP_FLAGS_REPLACE: the kernel only acts if that program is the one attached
// (Linux 5.7). Requires Linux 4.8 (driver mode), 4.12 (generic mode).
Result<void> netlink_set_xdp(NetlinkSocket& sock, int ifindex, int prog_fd, std::uint32_t flags, int expected_fd = -1);

// The XDP programs attached to an interface (ids, 0 for none), read with RTM_GETLINK.
struct XdpAttachment {
  std::uint8_t attached = 0;  // XDP_ATTACHED_NONE/DRV/SKB/HW/MULTI
  std::uint32_t prog_id = 0;  // the single program, if one
  std::uint32_t drv_prog_id = 0;
  std::uint32_t skb_prog_id = 0;
  std::uint32_t hw_prog_id = 0;
};
Result<XdpAttachment> netlink_query_xdp(NetlinkSocket& sock, int ifindex);

// Adds the clsact qdisc to `ifindex`. Returns false if it was already there. Requires Linux 4.5.
Result<bool> netlink_add_clsact(NetlinkSocket& sock, int ifindex);
// Deletes the clsact qdisc of `ifindex` (and every filter on it).
Result<void> netlink_del_clsact(NetlinkSocket& sock, int ifindex);

// A cls_bpf filter on a clsact hook, as tc names it: parent (hook), priority, handle, protocol (host order).
struct TcFilterId {
  int ifindex = 0;
  std::uint32_t parent = 0;    // TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS or TC_H_MIN_EGRESS)
  std::uint16_t priority = 0;  // 0 on add: the kernel picks one
  std::uint32_t handle = 0;    // 0 on add: the kernel picks one
  std::uint16_t protocol = 0;  // ETH_P_ALL if 0
};
inline constexpr std::uint32_t kTcParentIngress = 0xFFFFFFF2u;  // TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS)
inline constexpr std::uint32_t kTcParentEgress = 0xFFFFFFF3u;   // TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS)

// Adds a cls_bpf filter running `prog_fd` (direct action unless `direct_action` is false) and returns the
// filter as the kernel created it (priority and handle filled in). `replace`: replace a filter with the same
// priority and handle instead of failing. Requires Linux 4.1 (4.4 for direct action).
Result<TcFilterId> netlink_add_tc_filter(NetlinkSocket& sock, const TcFilterId& where, int prog_fd,
                                         std::string_view name, bool direct_action = true, bool replace = false);
// Deletes exactly that filter.
Result<void> netlink_del_tc_filter(NetlinkSocket& sock, const TcFilterId& filter);

// The cls_bpf filters on a hook with the ids of their programs (RTM_GETTFILTER dump).
struct TcFilterInfo {
  TcFilterId id;
  std::uint32_t prog_id = 0;
  bool direct_action = false;
};
Result<void> netlink_list_tc_filters(NetlinkSocket& sock, int ifindex, std::uint32_t parent,
                                     const std::function<void(const TcFilterInfo&)>& fn);

}  // namespace ebpf::sys
