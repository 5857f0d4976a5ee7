// The BPF side of the stale-skeleton test (see event.h).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "event.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, struct stale_event);
} events SEC(".maps");

SEC("socket")
int record(struct __sk_buff *skb) {
  __u32 k = 0;
  struct stale_event e = {.pid = 1, .bytes = skb->len};
  bpf_map_update_elem(&events, &k, &e, BPF_ANY);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
