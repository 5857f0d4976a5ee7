// ELF loader negative test: legacy map definitions of unequal sizes in one `maps` section.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct small_def { unsigned int type, key_size, value_size, max_entries, map_flags; };
struct large_def { unsigned int type, key_size, value_size, max_entries, map_flags, extra; };
struct small_def map_a SEC("maps") = {.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 1};
struct small_def map_b SEC("maps") = {.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 1};
struct large_def map_c SEC("maps") = {.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 1};

SEC("xdp")
int uses_maps(struct xdp_md *ctx) {
  int k = 0;
  return bpf_map_lookup_elem(&map_a, &k) && bpf_map_lookup_elem(&map_b, &k) && bpf_map_lookup_elem(&map_c, &k);
}

char _license[] SEC("license") = "GPL";
