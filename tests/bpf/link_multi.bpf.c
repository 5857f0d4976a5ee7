// Programs that need newer link types, in their own object so that a kernel refusing one does not keep the
// others from loading: uprobe multi and kprobe multi.
#include "link_counts.h"

SEC("uprobe.multi")
int on_uprobe_multi(void *ctx) {
  hit(0);
  return 0;
}

SEC("kprobe.multi/do_nanosleep")
int on_kprobe_multi(void *ctx) {
  hit(1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
