// ELF loader negative test: a program refers to a map definition declared static (a local symbol), which
// the loader refuses ("possible erroneous static qualifier on map definition").
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct def { unsigned int type, key_size, value_size, max_entries, map_flags; };
static struct def hidden_map SEC("maps") = {.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 1};

SEC("xdp")
int uses_static_map(struct xdp_md *ctx) {
  int k = 0;
  return bpf_map_lookup_elem(&hidden_map, &k) ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
