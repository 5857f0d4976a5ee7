// Network-namespace attachments: sk_lookup (Linux 5.9) and the BPF flow dissector (links since Linux 5.8),
// both bpf_links on a network namespace.
#pragma once

#include <string_view>

#include "ebpf/error.hpp"
#include "ebpf/link/link.hpp"
#include "ebpf/link/method.hpp"
#include "ebpf/program.hpp"

namespace ebpf::link {

struct NetnsOptions {
  std::string_view path;  // a namespace file such as /proc/<pid>/ns/net or a bind mount of one, or ...
  int fd = -1;            // ... an open fd of it. Neither: the calling thread's namespace.
  // flow_dissector only: AttachMethod::legacy (or automatic on kernels before 5.8) uses BPF_PROG_ATTACH, which
  // the kernel applies to the caller's namespace: the calling thread enters the target namespace for the
  // attach and the detach (setns) and returns to its own. sk_lookup has only links.
  AttachMethod method = AttachMethod::automatic;
};

// Attaches an sk_lookup program: it picks the socket for new connections and datagrams arriving in the
// namespace (bpf_sk_assign). Requires Linux 5.9.
Result<Link> attach_sk_lookup(const Program& program, const NetnsOptions& options = {});

// Attaches a flow_dissector program to the namespace. Requires Linux 5.8 (errc::invalid_argument if another
// flow dissector is attached: there can be one per namespace).
Result<Link> attach_flow_dissector(const Program& program, const NetnsOptions& options = {});

}  // namespace ebpf::link
