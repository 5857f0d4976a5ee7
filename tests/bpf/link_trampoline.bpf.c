// Trampoline-based programs (fentry, fexit), in their own object: some machines refuse them (EPERM at load).
#include "link_counts.h"

SEC("fentry/__do_sys_getpid")
int on_fentry_getpid(__u64 *ctx) {
  hit(1);
  return 0;
}

SEC("fexit/__do_sys_getpid")
int on_fexit_getpid(__u64 *ctx) {
  hit(2);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
