// Second half of the statically linked test object (see linked_a.bpf.c): an iproute2-style legacy map (struct
// bpf_elf_map, 36 bytes), a BTF hash map and a global in .data.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct map_def_b {
  unsigned int type, key_size, value_size, max_entries, map_flags;
  unsigned int id, pinning, inner_id, inner_idx;
};

struct map_def_b legacy_array_b SEC("maps") = {
    .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 3,
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 4);
} btf_hash_b SEC(".maps");

volatile __u32 calls_b = 0;

SEC("socket")
int prog_b(struct __sk_buff *skb) {
  __u32 k = 2;
  __u32 *arr = bpf_map_lookup_elem(&legacy_array_b, &k);
  if (arr) *arr = 44;
  __u32 v = 55;
  bpf_map_update_elem(&btf_hash_b, &k, &v, BPF_ANY);
  calls_b++;
  return 200;
}
