#include "ebpf/sys/netlink.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <cerrno>
#include <string>

#include "ebpf/sys/bpf.hpp"

namespace ebpf::sys {
namespace {

constexpr std::size_t align4(std::size_t n) noexcept { return (n + 3) & ~std::size_t{3}; }

nlmsghdr* header_of(std::byte* buf) noexcept { return reinterpret_cast<nlmsghdr*>(buf); }

// Kernel sizes netlink dump skbs to at most 32 KiB (and a page); 64 KiB leaves room.
constexpr std::size_t kReceiveBuffer = 64 * 1024;

// NLM_F_CAPPED: the ack echoes only the request's header (NETLINK_CAP_ACK).
constexpr std::uint16_t kFlagCapped = 0x100;

std::string extended_ack_message(const nlmsghdr* h) {
  if ((h->nlmsg_flags & NLM_F_ACK_TLVS) == 0) return {};
  const auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
  std::size_t offset = NLMSG_HDRLEN + sizeof(nlmsgerr);
  if ((h->nlmsg_flags & kFlagCapped) == 0) offset += err->msg.nlmsg_len - NLMSG_HDRLEN;
  if (offset >= h->nlmsg_len) return {};
  std::span<const std::byte> tlvs(reinterpret_cast<const std::byte*>(h) + offset, h->nlmsg_len - offset);
  std::string message;
  for_each_attribute(tlvs, [&](std::uint16_t type, std::span<const std::byte> payload) {
    if (type != NLMSGERR_ATTR_MSG || payload.empty()) return;
    const char* s = reinterpret_cast<const char*>(payload.data());
    message.assign(s, strnlen(s, payload.size()));
  });
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

Error negative_ack(std::uint16_t request_type, int error, std::string extack) {
  std::string message = netlink_type_name(request_type);
  if (!extack.empty()) {
    message += ": ";
    message += extack;
  }
  message += ": ";
  char buf[128];
  message += strerror_r(error, buf, sizeof buf);
  errc code = (error == EOPNOTSUPP || error == 524 /* ENOTSUPP */) ? errc::not_supported : errc::sys;
  return Error::make(code, std::move(message), error);
}

}  // namespace

// ---- NetlinkRequest ----

NetlinkRequest::NetlinkRequest(std::uint16_t type, std::uint16_t flags, const void* family_header,
                               std::size_t header_size) noexcept {
  len_ = NLMSG_HDRLEN;
  nlmsghdr* h = header_of(buf_);
  h->nlmsg_type = type;
  h->nlmsg_flags = flags;
  append(family_header, header_size);
  len_ = align4(len_);
  set_length();
}

std::uint16_t NetlinkRequest::type() const noexcept {
  return reinterpret_cast<const nlmsghdr*>(buf_)->nlmsg_type;
}

void NetlinkRequest::set_length() noexcept { header_of(buf_)->nlmsg_len = static_cast<std::uint32_t>(len_); }

NetlinkRequest& NetlinkRequest::append(const void* data, std::size_t size) noexcept {
  if (overflow_ || size > kCapacity - len_) {
    overflow_ = true;
    return *this;
  }
  if (size != 0) std::memcpy(buf_ + len_, data, size);
  len_ += size;
  set_length();
  return *this;
}

NetlinkRequest& NetlinkRequest::put(std::uint16_t type, const void* data, std::size_t size) noexcept {
  const std::size_t total = align4(NLA_HDRLEN + size);
  if (overflow_ || total > kCapacity - len_) {
    overflow_ = true;
    return *this;
  }
  nlattr a{.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + size), .nla_type = type};
  std::memcpy(buf_ + len_, &a, sizeof a);
  if (size != 0) std::memcpy(buf_ + len_ + NLA_HDRLEN, data, size);
  len_ += total;  // padding is already zero
  set_length();
  return *this;
}

NetlinkRequest& NetlinkRequest::put_string(std::uint16_t type, std::string_view s) noexcept {
  const std::size_t total = align4(NLA_HDRLEN + s.size() + 1);
  if (overflow_ || total > kCapacity - len_) {
    overflow_ = true;
    return *this;
  }
  nlattr a{.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + s.size() + 1), .nla_type = type};
  std::memcpy(buf_ + len_, &a, sizeof a);
  if (!s.empty()) std::memcpy(buf_ + len_ + NLA_HDRLEN, s.data(), s.size());
  len_ += total;
  set_length();
  return *this;
}

std::size_t NetlinkRequest::begin_nested(std::uint16_t type) noexcept {
  const std::size_t token = len_;
  put(static_cast<std::uint16_t>(type | NLA_F_NESTED), nullptr, 0);
  return token;
}

void NetlinkRequest::end_nested(std::size_t token) noexcept {
  if (overflow_) return;
  const auto size = static_cast<std::uint16_t>(len_ - token);
  std::memcpy(buf_ + token + offsetof(nlattr, nla_len), &size, sizeof size);
}

// ---- Parsing ----

std::span<const std::byte> NetlinkMessage::attributes(std::size_t header_size) const noexcept {
  const std::size_t off = align4(header_size);
  if (off >= payload.size()) return {};
  return payload.subspan(off);
}

void for_each_attribute(std::span<const std::byte> attrs,
                        const std::function<void(std::uint16_t, std::span<const std::byte>)>& fn) {
  while (attrs.size() >= NLA_HDRLEN) {
    nlattr a;
    std::memcpy(&a, attrs.data(), sizeof a);
    if (a.nla_len < NLA_HDRLEN || a.nla_len > attrs.size()) return;
    fn(static_cast<std::uint16_t>(a.nla_type & NLA_TYPE_MASK), attrs.subspan(NLA_HDRLEN, a.nla_len - NLA_HDRLEN));
    const std::size_t step = std::min(align4(a.nla_len), attrs.size());
    attrs = attrs.subspan(step);
  }
}

// ---- NetlinkSocket ----

Result<NetlinkSocket> NetlinkSocket::open() {
  Fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd) return unexpected(Error::from_errno(errno, "netlink socket"));
  const int one = 1;
  // Both are best effort: without them errors just lose the kernel's explanation.
  (void)::setsockopt(fd.get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  (void)::setsockopt(fd.get(), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    return unexpected(Error::from_errno(errno, "netlink bind"));
  }
  return NetlinkSocket(std::move(fd));
}

Result<void> NetlinkSocket::transact(NetlinkRequest& request,
                                     const std::function<void(const NetlinkMessage&)>& on_message) {
  const std::uint16_t type = request.type();
  if (!fd_) return fail(errc::closed, std::string(netlink_type_name(type)) + ": netlink socket is closed");
  if (!request.ok()) return fail(errc::invalid_argument, std::string(netlink_type_name(type)) + ": request too large");
  if (detail::g_fault_hook != nullptr) [[unlikely]] {
    if (int e = detail::run_fault_hook(kCmdNetlink); e != 0) return unexpected(negative_ack(type, e, {}));
  }
  nlmsghdr* h = header_of(request.bytes().data());
  h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  h->nlmsg_seq = ++seq_;
  h->nlmsg_pid = 0;
  const std::uint32_t seq = h->nlmsg_seq;

  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  for (;;) {
    ssize_t n = ::sendto(fd_.get(), request.bytes().data(), request.bytes().size(), 0,
                         reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
    if (n >= 0) break;
    if (errno == EINTR) continue;
    return unexpected(Error::from_errno(errno, "netlink send"));
  }

  alignas(nlmsghdr) static thread_local std::byte buffer[kReceiveBuffer];
  for (;;) {
    ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      return unexpected(Error::from_errno(errno, "netlink receive"));
    }
    if (static_cast<std::size_t>(n) > sizeof buffer) {
      return fail(errc::sys, std::string(netlink_type_name(type)) + ": netlink reply truncated", EMSGSIZE);
    }
    const auto total = static_cast<std::size_t>(n);
    for (std::size_t off = 0, next = 0; total - off >= sizeof(nlmsghdr); off = next) {
      auto* m = reinterpret_cast<nlmsghdr*>(buffer + off);
      if (m->nlmsg_len < sizeof(nlmsghdr) || m->nlmsg_len > total - off) break;
      next = off + align4(m->nlmsg_len);
      if (m->nlmsg_seq != seq) continue;  // a stale reply to an earlier request
      if (m->nlmsg_type == NLMSG_DONE) return {};
      if (m->nlmsg_type == NLMSG_ERROR) {
        if (m->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) {
          return fail(errc::malformed, std::string(netlink_type_name(type)) + ": short netlink error message");
        }
        const auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(m));
        if (err->error == 0) return {};
        return unexpected(negative_ack(type, -err->error, extended_ack_message(m)));
      }
      if (on_message) {
        const auto* data = static_cast<const std::byte*>(NLMSG_DATA(m));
        on_message(NetlinkMessage{.type = m->nlmsg_type,
                                  .flags = m->nlmsg_flags,
                                  .payload = {data, m->nlmsg_len - NLMSG_HDRLEN}});
      }
    }
  }
}

const char* netlink_type_name(std::uint16_t type) noexcept {
  switch (type) {
    case RTM_NEWLINK: return "RTM_NEWLINK";
    case RTM_DELLINK: return "RTM_DELLINK";
    case RTM_GETLINK: return "RTM_GETLINK";
    case RTM_SETLINK: return "RTM_SETLINK";
    case RTM_NEWADDR: return "RTM_NEWADDR";
    case RTM_DELADDR: return "RTM_DELADDR";
    case RTM_NEWQDISC: return "RTM_NEWQDISC";
    case RTM_DELQDISC: return "RTM_DELQDISC";
    case RTM_GETQDISC: return "RTM_GETQDISC";
    case RTM_NEWTFILTER: return "RTM_NEWTFILTER";
    case RTM_DELTFILTER: return "RTM_DELTFILTER";
    case RTM_GETTFILTER: return "RTM_GETTFILTER";
    default: return "netlink request";
  }
}

// ---- rtnetlink operations ----

Result<void> netlink_set_xdp(NetlinkSocket& sock, int ifindex, int prog_fd, std::uint32_t flags, int expected_fd) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = ifindex;
  NetlinkRequest req(RTM_SETLINK, 0, ifi);
  const std::size_t xdp = req.begin_nested(IFLA_XDP);
  req.put_s32(IFLA_XDP_FD, prog_fd);
  if (expected_fd >= 0) {
    flags |= xdp_flags::replace;
    req.put_s32(IFLA_XDP_EXPECTED_FD, expected_fd);
  }
  if (flags != 0) req.put_u32(IFLA_XDP_FLAGS, flags);
  req.end_nested(xdp);
  return sock.transact(req);
}

Result<XdpAttachment> netlink_query_xdp(NetlinkSocket& sock, int ifindex) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = ifindex;
  NetlinkRequest req(RTM_GETLINK, 0, ifi);
  // Skip the per-VF statistics; the XDP attribute is always there.
  req.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  XdpAttachment out;
  bool seen = false;
  EBPF_TRY_VOID(sock.transact(req, [&](const NetlinkMessage& m) {
    if (m.type != RTM_NEWLINK || m.header<ifinfomsg>().ifi_index != ifindex) return;
    seen = true;
    for_each_attribute(m.attributes(sizeof(ifinfomsg)), [&](std::uint16_t type, std::span<const std::byte> p) {
      if (type != IFLA_XDP) return;
      for_each_attribute(p, [&](std::uint16_t t, std::span<const std::byte> v) {
        switch (t) {
          case IFLA_XDP_ATTACHED: out.attached = attribute_value<std::uint8_t>(v); break;
          case IFLA_XDP_PROG_ID: out.prog_id = attribute_value<std::uint32_t>(v); break;
          case IFLA_XDP_DRV_PROG_ID: out.drv_prog_id = attribute_value<std::uint32_t>(v); break;
          case IFLA_XDP_SKB_PROG_ID: out.skb_prog_id = attribute_value<std::uint32_t>(v); break;
          case IFLA_XDP_HW_PROG_ID: out.hw_prog_id = attribute_value<std::uint32_t>(v); break;
          default: break;
        }
      });
    });
  }));
  if (!seen) return fail(errc::not_found, "RTM_GETLINK: no reply for interface " + std::to_string(ifindex));
  // With a single program the kernel reports only IFLA_XDP_PROG_ID: fill in the per-mode id too.
  if (out.prog_id != 0) {
    if (out.attached == XDP_ATTACHED_DRV && out.drv_prog_id == 0) out.drv_prog_id = out.prog_id;
    if (out.attached == XDP_ATTACHED_SKB && out.skb_prog_id == 0) out.skb_prog_id = out.prog_id;
    if (out.attached == XDP_ATTACHED_HW && out.hw_prog_id == 0) out.hw_prog_id = out.prog_id;
  }
  return out;
}

namespace {
tcmsg clsact_tcmsg(int ifindex) {
  tcmsg tc{};
  tc.tcm_family = AF_UNSPEC;
  tc.tcm_ifindex = ifindex;
  tc.tcm_handle = TC_H_MAKE(TC_H_CLSACT, 0);
  tc.tcm_parent = TC_H_CLSACT;
  return tc;
}
}  // namespace

Result<bool> netlink_add_clsact(NetlinkSocket& sock, int ifindex) {
  NetlinkRequest req(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, clsact_tcmsg(ifindex));
  req.put_string(TCA_KIND, "clsact");
  auto r = sock.transact(req);
  if (!r) {
    if (r.error().is(std::errc::file_exists)) return false;
    return unexpected(std::move(r).error());
  }
  return true;
}

Result<void> netlink_del_clsact(NetlinkSocket& sock, int ifindex) {
  NetlinkRequest req(RTM_DELQDISC, 0, clsact_tcmsg(ifindex));
  req.put_string(TCA_KIND, "clsact");
  return sock.transact(req);
}

namespace {
tcmsg filter_tcmsg(const TcFilterId& f) {
  tcmsg tc{};
  tc.tcm_family = AF_UNSPEC;
  tc.tcm_ifindex = f.ifindex;
  tc.tcm_parent = f.parent;
  tc.tcm_handle = f.handle;
  const std::uint16_t proto = f.protocol != 0 ? f.protocol : static_cast<std::uint16_t>(ETH_P_ALL);
  tc.tcm_info = TC_H_MAKE(static_cast<std::uint32_t>(f.priority) << 16, htons(proto));
  return tc;
}

TcFilterId filter_id_of(const tcmsg& tc) {
  return TcFilterId{.ifindex = tc.tcm_ifindex,
                    .parent = tc.tcm_parent,
                    .priority = static_cast<std::uint16_t>(TC_H_MAJ(tc.tcm_info) >> 16),
                    .handle = tc.tcm_handle,
                    .protocol = ntohs(static_cast<std::uint16_t>(TC_H_MIN(tc.tcm_info)))};
}

// The kind and the cls_bpf options of a filter message.
void parse_bpf_filter(const NetlinkMessage& m, TcFilterInfo& info, bool& is_bpf) {
  is_bpf = false;
  for_each_attribute(m.attributes(sizeof(tcmsg)), [&](std::uint16_t type, std::span<const std::byte> p) {
    if (type == TCA_KIND) {
      is_bpf = p.size() >= 3 && std::memcmp(p.data(), "bpf", 3) == 0 && (p.size() == 3 || p[3] == std::byte{0});
    } else if (type == TCA_OPTIONS) {
      for_each_attribute(p, [&](std::uint16_t t, std::span<const std::byte> v) {
        if (t == TCA_BPF_ID) info.prog_id = attribute_value<std::uint32_t>(v);
        if (t == TCA_BPF_FLAGS) info.direct_action = (attribute_value<std::uint32_t>(v) & TCA_BPF_FLAG_ACT_DIRECT) != 0;
      });
    }
  });
}
}  // namespace

Result<TcFilterId> netlink_add_tc_filter(NetlinkSocket& sock, const TcFilterId& where, int prog_fd,
                                         std::string_view name, bool direct_action, bool replace) {
  const auto flags = static_cast<std::uint16_t>(NLM_F_CREATE | NLM_F_ECHO | (replace ? NLM_F_REPLACE : NLM_F_EXCL));
  NetlinkRequest req(RTM_NEWTFILTER, flags, filter_tcmsg(where));
  req.put_string(TCA_KIND, "bpf");
  const std::size_t opts = req.begin_nested(TCA_OPTIONS);
  req.put_u32(TCA_BPF_FD, static_cast<std::uint32_t>(prog_fd));
  if (!name.empty()) req.put_string(TCA_BPF_NAME, name);
  if (direct_action) req.put_u32(TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
  req.end_nested(opts);
  std::optional<TcFilterId> created;
  EBPF_TRY_VOID(sock.transact(req, [&](const NetlinkMessage& m) {
    if (m.type != RTM_NEWTFILTER) return;
    TcFilterId id = filter_id_of(m.header<tcmsg>());
    if (id.handle != 0) created = id;
  }));
  if (!created) {
    // No echo (should not happen): the request had to name handle and priority for the result to be known.
    if (where.handle == 0 || where.priority == 0) {
      return fail(errc::sys, "RTM_NEWTFILTER: the kernel did not echo the new filter");
    }
    created = where;
  }
  if (created->protocol == 0) created->protocol = where.protocol != 0 ? where.protocol : ETH_P_ALL;
  return *created;
}

Result<void> netlink_del_tc_filter(NetlinkSocket& sock, const TcFilterId& filter) {
  NetlinkRequest req(RTM_DELTFILTER, 0, filter_tcmsg(filter));
  req.put_string(TCA_KIND, "bpf");
  return sock.transact(req);
}

Result<void> netlink_list_tc_filters(NetlinkSocket& sock, int ifindex, std::uint32_t parent,
                                     const std::function<void(const TcFilterInfo&)>& fn) {
  tcmsg tc{};
  tc.tcm_family = AF_UNSPEC;
  tc.tcm_ifindex = ifindex;
  tc.tcm_parent = parent;
  NetlinkRequest req(RTM_GETTFILTER, NLM_F_DUMP, tc);
  return sock.transact(req, [&](const NetlinkMessage& m) {
    if (m.type != RTM_NEWTFILTER) return;
    TcFilterInfo info{.id = filter_id_of(m.header<tcmsg>())};
    bool is_bpf = false;
    parse_bpf_filter(m, info, is_bpf);
    // The dump's first entry per priority is the classifier itself (handle 0, no options): skip it.
    if (is_bpf && info.id.handle != 0) fn(info);
  });
}

}  // namespace ebpf::sys
