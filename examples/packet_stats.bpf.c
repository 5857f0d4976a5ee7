// Example collection for the README main job: two programs sharing maps.
//
// xdp_count counts frames per ethertype and bytes in total; xdp_filter drops frames whose ethertype is on a
// block list, also counting what it drops. Both update the same `stats` array.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum { STAT_FRAMES, STAT_BYTES, STAT_DROPPED, STAT_MAX };

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, STAT_MAX);
  __type(key, __u32);
  __type(value, __u64);
} stats SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __type(key, __u16);   // ethertype, host order
  __type(value, __u64); // frames seen
} per_ethertype SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __type(key, __u16);  // ethertype, host order
  __type(value, __u8);
} blocked SEC(".maps");

// Set before load (a .rodata variable): frames shorter than this are dropped by xdp_filter.
volatile const __u32 min_frame_len = 14;

static __always_inline void add_stat(__u32 which, __u64 delta) {
  __u64 *v = bpf_map_lookup_elem(&stats, &which);
  if (v) __sync_fetch_and_add(v, delta);
}

static __always_inline int ethertype_of(struct xdp_md *ctx, __u16 *out) {
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end) return -1;
  *out = bpf_ntohs(eth->h_proto);
  return 0;
}

SEC("xdp")
int xdp_count(struct xdp_md *ctx) {
  __u16 proto = 0;
  add_stat(STAT_FRAMES, 1);
  add_stat(STAT_BYTES, ctx->data_end - ctx->data);
  if (ethertype_of(ctx, &proto) == 0) {
    __u64 one = 1, *n = bpf_map_lookup_elem(&per_ethertype, &proto);
    if (n)
      __sync_fetch_and_add(n, 1);
    else
      bpf_map_update_elem(&per_ethertype, &proto, &one, BPF_NOEXIST);
  }
  return XDP_PASS;
}

SEC("xdp")
int xdp_filter(struct xdp_md *ctx) {
  __u16 proto = 0;
  if (ctx->data_end - ctx->data < min_frame_len || ethertype_of(ctx, &proto) != 0 ||
      bpf_map_lookup_elem(&blocked, &proto)) {
    add_stat(STAT_DROPPED, 1);
    return XDP_DROP;
  }
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
