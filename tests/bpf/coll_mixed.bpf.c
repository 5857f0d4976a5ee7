// Collection benchmark object (libbpf loads it too): BTF maps incl. a map of maps with static contents, data
// sections, global and static subprograms shared by several programs, a bpf_loop callback.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32);
  __type(value, __u64);
} flows SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __u64);
} counters SEC(".maps");

struct inner_map {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u32);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 2);
  __type(key, __u32);
  __array(values, struct inner_map);
} outer SEC(".maps") = {
    .values = {&inner_a, &inner_b},
};

const volatile __u32 sample_rate = 4;
volatile __u64 seen = 0;
volatile __u32 salt = 0x9e3779b9;
char tag[16] = "mixed";

static __attribute__((noinline)) __u32 hash32(__u32 x) { return (x ^ salt) * 2654435761u; }

__attribute__((noinline)) int account(__u32 key, __u64 bytes) {
  __u64 *v = bpf_map_lookup_elem(&flows, &key);
  if (v) {
    *v += bytes;
  } else {
    bpf_map_update_elem(&flows, &key, &bytes, BPF_ANY);
  }
  __u32 slot = key & 7;
  __u64 *c = bpf_map_lookup_elem(&counters, &slot);
  if (c) *c += 1;
  seen += 1;
  return hash32(key) % sample_rate == 0;
}

static long step(__u32 i, void *ctx) {
  *(__u64 *)ctx += hash32(i);
  return 0;
}

SEC("socket")
int sock_account(struct __sk_buff *skb) { return account(hash32(skb->len), skb->len); }

SEC("tc")
int tc_account(struct __sk_buff *skb) { return account(skb->ifindex, skb->len) ? 0 : 2; }

SEC("xdp")
int xdp_account(struct xdp_md *ctx) {
  return account(ctx->ingress_ifindex, ctx->data_end - ctx->data) ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int xdp_inner(struct xdp_md *ctx) {
  __u32 k = 1, z = 0;
  void *m = bpf_map_lookup_elem(&outer, &k);
  if (!m) return XDP_ABORTED;
  __u32 *v = bpf_map_lookup_elem(m, &z);
  return v && *v ? XDP_DROP : XDP_PASS;
}

SEC("socket")
int sock_loop(struct __sk_buff *skb) {
  __u64 acc = 0;
  bpf_loop(16, step, &acc, 0);
  return acc & 0xff;
}

SEC("tc")
int tc_tag(struct __sk_buff *skb) { return tag[skb->len & 15] + hash32(skb->len); }

char LICENSE[] SEC("license") = "GPL";
