// How an attach function attaches where the kernel has both a bpf_link and an older mechanism for a hook.
#pragma once

#include <cstdint>

namespace ebpf::link {

enum class AttachMethod : std::uint8_t {
  automatic,  // a bpf_link where the kernel has one for this hook, the legacy mechanism otherwise
  link,       // BPF_LINK_CREATE only (errc::not_supported on kernels without the link type)
  legacy,     // the pre-link mechanism only (netlink for XDP and tc, BPF_PROG_ATTACH for cgroups and maps)
};

}  // namespace ebpf::link
