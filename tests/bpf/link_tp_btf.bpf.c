// A BTF-typed raw tracepoint (tp_btf), in its own object: it needs the kernel's BTF.
#include "link_counts.h"

SEC("tp_btf/sys_enter")
int on_btf_sys_enter(__u64 *ctx) {
  hit(0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
