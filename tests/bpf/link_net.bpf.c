// Networking link tests: programs that count what they see, for XDP, tc (tcx and cls_bpf), netkit, sk_lookup,
// sk_msg/sk_skb, netfilter and the flow dissector. Packet programs count only frames of the test ethertype
// (0x88b5, IEEE local experimental) so that IPv6 neighbour discovery on a fresh veth does not disturb counts.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TEST_ETHERTYPE 0x88b5
#define STEER_PORT 7007

enum {
  C_XDP,
  C_XDP_OTHER,
  C_TC,
  C_TC_OTHER,
  C_TCX_FIRST,
  C_TCX_SECOND,
  C_SK_LOOKUP,
  C_SK_MSG,
  C_SK_SKB,
  C_NETFILTER,
  C_FLOW_DISSECTOR,
  C_MAX
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, C_MAX);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");

// Order in which the tcx programs ran for the last test frame: each shifts its own digit in.
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} trace SEC(".maps");

// sk_lookup steers connections to STEER_PORT to the socket in slot 0.
struct {
  __uint(type, BPF_MAP_TYPE_SOCKMAP);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} steer_to SEC(".maps");

// sk_msg and sk_skb programs are attached to these maps.
struct {
  __uint(type, BPF_MAP_TYPE_SOCKMAP);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} msg_socks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_SOCKHASH);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} skb_socks SEC(".maps");

static __always_inline void count(__u32 which) {
  __u64 *v = bpf_map_lookup_elem(&counts, &which);
  if (v) __sync_fetch_and_add(v, 1);
}

static __always_inline int is_test_frame(void *data, void *data_end) {
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return 0;
  return eth->h_proto == bpf_htons(TEST_ETHERTYPE);
}

static __always_inline void trace_step(__u64 digit) {
  __u32 zero = 0;
  __u64 *t = bpf_map_lookup_elem(&trace, &zero);
  if (t) *t = *t * 16 + digit;
}

SEC("xdp")
int xdp_count(struct xdp_md *ctx) {
  if (is_test_frame((void *)(long)ctx->data, (void *)(long)ctx->data_end)) count(C_XDP);
  return XDP_PASS;
}

SEC("xdp")
int xdp_count_other(struct xdp_md *ctx) {
  if (is_test_frame((void *)(long)ctx->data, (void *)(long)ctx->data_end)) count(C_XDP_OTHER);
  return XDP_PASS;
}

// Returns TC_ACT_UNSPEC (TCX_NEXT): the next program or filter runs too.
SEC("tc")
int tc_count(struct __sk_buff *skb) {
  if (is_test_frame((void *)(long)skb->data, (void *)(long)skb->data_end)) count(C_TC);
  return TC_ACT_UNSPEC;
}

SEC("tc")
int tc_count_other(struct __sk_buff *skb) {
  if (is_test_frame((void *)(long)skb->data, (void *)(long)skb->data_end)) count(C_TC_OTHER);
  return TC_ACT_UNSPEC;
}

SEC("tcx/ingress")
int tcx_first(struct __sk_buff *skb) {
  if (is_test_frame((void *)(long)skb->data, (void *)(long)skb->data_end)) {
    count(C_TCX_FIRST);
    trace_step(1);
  }
  return TC_ACT_UNSPEC;
}

SEC("tcx/ingress")
int tcx_second(struct __sk_buff *skb) {
  if (is_test_frame((void *)(long)skb->data, (void *)(long)skb->data_end)) {
    count(C_TCX_SECOND);
    trace_step(2);
  }
  return TC_ACT_UNSPEC;
}

SEC("sk_lookup")
int steer(struct bpf_sk_lookup *ctx) {
  if (ctx->local_port != STEER_PORT) return SK_PASS;
  __u32 zero = 0;
  struct bpf_sock *sk = bpf_map_lookup_elem(&steer_to, &zero);
  if (!sk) return SK_PASS;
  long err = bpf_sk_assign(ctx, sk, 0);
  bpf_sk_release(sk);
  if (err == 0) count(C_SK_LOOKUP);
  return err ? SK_DROP : SK_PASS;
}

SEC("sk_msg")
int msg_count(struct sk_msg_md *msg) {
  count(C_SK_MSG);
  return SK_PASS;
}

SEC("sk_skb/stream_verdict")
int skb_verdict(struct __sk_buff *skb) {
  count(C_SK_SKB);
  return SK_PASS;
}

// struct bpf_nf_ctx is kernel-internal; the program does not look at it.
SEC("netfilter")
int nf_count(void *ctx) {
  count(C_NETFILTER);
  return 1;  // NF_ACCEPT
}

SEC("flow_dissector")
int dissect(struct __sk_buff *skb) {
  count(C_FLOW_DISSECTOR);
  return BPF_FLOW_DISSECTOR_CONTINUE;  // let the kernel's own dissector do the work
}

char _license[] SEC("license") = "GPL";
