// Socket map attachments: sk_msg and sk_skb programs run for the sockets in a sockmap or sockhash.
// Attached with BPF_PROG_ATTACH on the map (Linux 4.14), or as a bpf_link on kernels that have sockmap
// links (Linux 6.10).
//
// A socket added to the map takes the map's programs at that moment: detaching stops the program for sockets
// added afterwards, while sockets already in the map keep it until they leave the map.
#pragma once

#include "ebpf/error.hpp"
#include "ebpf/link/link.hpp"
#include "ebpf/link/method.hpp"
#include "ebpf/map.hpp"
#include "ebpf/program.hpp"
#include "ebpf/types.hpp"

namespace ebpf::link {

struct SockmapOptions {
  // sk_msg_verdict, sk_skb_stream_parser, sk_skb_stream_verdict or sk_skb_verdict; unspec: sk_msg_verdict for
  // sk_msg programs, sk_skb_stream_verdict for sk_skb programs.
  AttachType attach_type = AttachType::unspec;
  AttachMethod method = AttachMethod::automatic;
};

// Attaches `program` to `map` (a sockmap or sockhash); the Link keeps the map alive.
Result<Link> attach_sockmap(const Program& program, const Map& map, const SockmapOptions& options = {});

}  // namespace ebpf::link
