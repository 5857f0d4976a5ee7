// Infrared decoding: a lirc_mode2 program on a /dev/lirc* device (BPF_PROG_ATTACH, Linux 4.18 with
// CONFIG_BPF_LIRC_MODE2).
#pragma once

#include <string_view>

#include "ebpf/error.hpp"
#include "ebpf/link/link.hpp"
#include "ebpf/program.hpp"

namespace ebpf::link {

struct LircOptions {
  std::string_view device;  // e.g. "/dev/lirc0", or ...
  int fd = -1;              // ... an open fd of it (the Link keeps its own)
};

// Attaches a lirc_mode2 program to a raw IR receiver. errc::not_found if the device does not exist.
Result<Link> attach_lirc(const Program& program, const LircOptions& options);

}  // namespace ebpf::link
