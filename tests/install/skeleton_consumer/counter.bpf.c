// Counts the packets and bytes a socket filter sees; keeps at most `limit` (set before load) of them.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

volatile const __u32 limit = 100;
__u64 packets;
__u64 bytes;

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} last_len SEC(".maps");

SEC("socket")
int count(struct __sk_buff *skb) {
  __u32 k = 0;
  __u64 len = skb->len;
  packets++;
  bytes += len;
  bpf_map_update_elem(&last_len, &k, &len, BPF_ANY);
  return packets <= limit ? skb->len : 0;
}

char LICENSE[] SEC("license") = "GPL";
