// XDP attachments: a bpf_link (BPF_LINK_CREATE, Linux 5.9) or, for older kernels and tools that expect it,
// the legacy netlink attachment (RTM_SETLINK with IFLA_XDP). Either way the returned Link owns the
// attachment: closing it removes exactly this program from the interface.
#pragma once

#include <cstdint>
#include <string_view>

#include "ebpf/error.hpp"
#include "ebpf/link/link.hpp"
#include "ebpf/link/method.hpp"
#include "ebpf/program.hpp"

namespace ebpf::link {

enum class XdpMode : std::uint8_t {
  automatic,  // the driver's native XDP if it has one, else generic (the kernel decides)
  generic,    // XDP_FLAGS_SKB_MODE: works on every device, after the skb is built (Linux 4.12)
  driver,     // XDP_FLAGS_DRV_MODE: in the driver, before any skb (Linux 4.8)
  offload,    // XDP_FLAGS_HW_MODE: on the NIC (offload-capable devices only; program loaded for that ifindex)
};

struct XdpOptions {
  int ifindex = 0;             // the interface, by index ...
  std::string_view interface;  // ... or by name (in the calling thread's network namespace)
  XdpMode mode = XdpMode::automatic;
  AttachMethod method = AttachMethod::automatic;
  // Legacy only: replace a program another owner attached in the same mode (without it, an interface that
  // already has a program is refused with EBUSY/EEXIST, as a link attach is).
  bool replace = false;
};

// Attaches an XDP program to an interface. Link-based needs Linux 5.9; legacy netlink needs Linux 4.8.
// Errors: errc::not_supported if the device cannot run XDP in the requested mode (offload on a device that
// cannot offload), errc::not_found for an unknown interface; the kernel's netlink explanation is kept.
Result<Link> attach_xdp(const Program& program, const XdpOptions& options);

// Ifindex of an interface name in the calling thread's network namespace; errc::not_found if there is none.
Result<int> interface_index(std::string_view name);

}  // namespace ebpf::link
