// Example for docs/links-networking.md: counts frames and bytes seen by XDP (before the stack) and by tcx
// ingress/egress on one interface, in a per-CPU array indexed by hook.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

enum { HOOK_XDP, HOOK_TC_INGRESS, HOOK_TC_EGRESS, HOOK_MAX };

struct counters {
  __u64 packets;
  __u64 bytes;
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, HOOK_MAX);
  __type(key, __u32);
  __type(value, struct counters);
} stats SEC(".maps");

static __always_inline void account(__u32 hook, __u64 len) {
  struct counters *c = bpf_map_lookup_elem(&stats, &hook);
  if (c) {
    c->packets++;
    c->bytes += len;
  }
}

SEC("xdp")
int count_xdp(struct xdp_md *ctx) {
  account(HOOK_XDP, ctx->data_end - ctx->data);
  return XDP_PASS;
}

SEC("tcx/ingress")
int count_ingress(struct __sk_buff *skb) {
  account(HOOK_TC_INGRESS, skb->len);
  return TC_ACT_UNSPEC;  // TCX_NEXT: let the next program (or the stack) decide
}

SEC("tcx/egress")
int count_egress(struct __sk_buff *skb) {
  account(HOOK_TC_EGRESS, skb->len);
  return TC_ACT_UNSPEC;  // TCX_NEXT: let the next program (or the stack) decide
}

char _license[] SEC("license") = "GPL";
