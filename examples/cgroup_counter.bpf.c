// Example for docs/links-cgroup.md: counts the packets and bytes the processes of a cgroup send and receive,
// and the sockets they create. Every program allows what it sees (returns 1).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum { CG_EGRESS, CG_INGRESS, CG_SOCKETS, CG_MAX };

struct counters {
  __u64 packets;
  __u64 bytes;
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, CG_MAX);
  __type(key, __u32);
  __type(value, struct counters);
} cgroup_stats SEC(".maps");

static __always_inline void account(__u32 which, __u64 len) {
  struct counters *c = bpf_map_lookup_elem(&cgroup_stats, &which);
  if (c) {
    c->packets++;
    c->bytes += len;
  }
}

SEC("cgroup_skb/egress")
int count_egress(struct __sk_buff *skb) {
  account(CG_EGRESS, skb->len);
  return 1;
}

SEC("cgroup_skb/ingress")
int count_ingress(struct __sk_buff *skb) {
  account(CG_INGRESS, skb->len);
  return 1;
}

SEC("cgroup/sock_create")
int count_sockets(struct bpf_sock *sk) {
  account(CG_SOCKETS, 0);
  return 1;
}

char _license[] SEC("license") = "GPL";
