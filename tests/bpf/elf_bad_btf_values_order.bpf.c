// ELF loader negative test: `values` must be the last field of a BTF map definition.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(key_size, 4);
  __uint(value_size, 4);
  __uint(max_entries, 1);
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(key_size, 4);
  struct inner *values[0];
  __uint(max_entries, 1);
} misordered SEC(".maps");

SEC("xdp")
int uses_misordered(struct xdp_md *ctx) {
  __u32 k = 0;
  return bpf_map_lookup_elem(&misordered, &k) ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
