// ELF loader negative test: a BTF map definition with a field the loader does not know.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(key_size, 4);
  __uint(value_size, 4);
  __uint(max_entries, 1);
  __uint(colour, 3);
} odd_map SEC(".maps");

SEC("xdp")
int uses_odd_map(struct xdp_md *ctx) {
  __u32 k = 0;
  return bpf_map_lookup_elem(&odd_map, &k) ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
