// bpf() commands that attach programs: BPF_LINK_CREATE / UPDATE / DETACH, BPF_PROG_ATTACH / DETACH,
// BPF_RAW_TRACEPOINT_OPEN, BPF_ITER_CREATE and link info. Thin wrappers: errno becomes an Error with a static
// message, EINTR is retried; callers add context.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

#include "ebpf/error.hpp"
#include "ebpf/sys/attr.hpp"
#include "ebpf/sys/fd.hpp"

namespace ebpf::sys {

// BPF_F_REPLACE for BPF_LINK_UPDATE and BPF_PROG_ATTACH.
inline constexpr std::uint32_t kLinkFlagReplace = 1u << 2;
// BPF_F_ALLOW_OVERRIDE / BPF_F_ALLOW_MULTI for BPF_PROG_ATTACH on cgroups.
inline constexpr std::uint32_t kAttachFlagAllowOverride = 1u << 0;
inline constexpr std::uint32_t kAttachFlagAllowMulti = 1u << 1;

// Writes `bytes` into the type-specific tail of a BPF_LINK_CREATE attr (at `offset` bytes into the tail).
// Returns false if they do not fit.
inline bool set_link_tail(LinkCreateAttr& attr, std::span<const std::byte> bytes, std::size_t offset = 0) noexcept {
  if (offset > sizeof attr.tail || bytes.size() > sizeof attr.tail - offset) return false;
  if (!bytes.empty()) std::memcpy(reinterpret_cast<std::byte*>(attr.tail) + offset, bytes.data(), bytes.size());
  return true;
}

// BPF_LINK_CREATE: a new bpf_link fd.
Result<Fd> link_create(LinkCreateAttr& attr);
// BPF_LINK_UPDATE: swaps the link's program; with old_prog_fd >= 0 only if that is the current one
// (BPF_F_REPLACE). Requires Linux 5.7.
Result<void> link_update(int link_fd, int new_prog_fd, int old_prog_fd = -1);
// BPF_LINK_UPDATE on a struct_ops link (new_map_fd; old_map_fd >= 0 with BPF_F_REPLACE). Requires Linux 6.4.
Result<void> link_update_map(int link_fd, int new_map_fd, int old_map_fd = -1);
// BPF_LINK_DETACH: the link stays open but is no longer attached. Requires Linux 5.9.
Result<void> link_detach(int link_fd);
// BPF_PROG_ATTACH / BPF_PROG_DETACH (cgroups, sockmaps, flow dissector, lirc, tc... without links).
Result<void> prog_attach(ProgAttachAttr& attr);
Result<void> prog_detach(ProgAttachAttr& attr);
// BPF_PROG_QUERY: programs attached to a target; attr.prog_cnt is in/out.
Result<void> prog_query(ProgQueryAttr& attr);
// BPF_RAW_TRACEPOINT_OPEN: a link fd for a raw tracepoint (`name`), or with name == nullptr for a tracing
// (fentry/fexit/fmod_ret/tp_btf), lsm or freplace program on kernels without BPF_LINK_CREATE for them.
Result<Fd> raw_tracepoint_open(const char* name, int prog_fd, std::uint64_t cookie = 0);
// BPF_ITER_CREATE: a readable fd over an iterator link. Requires Linux 5.8.
Result<Fd> iter_create(int link_fd);
// struct bpf_link_info of a link fd (the head and the per-type union); `info` may carry buffer pointers the
// kernel fills (tracepoint names, paths). Returns the size the kernel wrote.
Result<std::uint32_t> link_info(int link_fd, LinkInfo& info);

}  // namespace ebpf::sys
