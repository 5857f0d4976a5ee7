// Collection benchmark object: 64 small socket-filter programs sharing one map.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, __u64);
} hits SEC(".maps");

#define PROG(n)                                          \
  SEC("socket") int prog_##n(struct __sk_buff *skb) {   \
    __u32 key = n;                                       \
    __u64 *v = bpf_map_lookup_elem(&hits, &key);         \
    if (v) __sync_fetch_and_add(v, skb->len);           \
    return n;                                            \
  }
#define PROG8(n) PROG(n##0) PROG(n##1) PROG(n##2) PROG(n##3) PROG(n##4) PROG(n##5) PROG(n##6) PROG(n##7)
PROG8(1)
PROG8(2)
PROG8(3)
PROG8(4)
PROG8(5)
PROG8(6)
PROG8(7)
PROG8(8)

char LICENSE[] SEC("license") = "GPL";
