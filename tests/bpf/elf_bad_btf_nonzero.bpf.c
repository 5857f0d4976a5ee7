// ELF loader negative test: a BTF map definition initialised with data (not relocations) is not supported.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(key_size, 4);
  __uint(value_size, 4);
  __uint(max_entries, 1);
} initialised_map SEC(".maps") = {.max_entries = (void *)8};

SEC("xdp")
int uses_initialised_map(struct xdp_md *ctx) {
  __u32 k = 0;
  return bpf_map_lookup_elem(&initialised_map, &k) ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
