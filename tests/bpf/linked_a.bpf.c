// First half of an object made by static linking (tests/CMakeLists.txt links linked_a and linked_b with
// `bpftool gen object` into linked.bpfel.o): legacy maps in libbpf's 20-byte struct bpf_map_def, a BTF map and a
// global in .data. linked_b's legacy maps use iproute2's 36-byte struct bpf_elf_map, so the linked `maps` section
// holds definitions of two sizes that cannot be found by dividing the section evenly.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct map_def_a {
  unsigned int type, key_size, value_size, max_entries, map_flags;
};

struct map_def_a legacy_hash_a SEC("maps") = {
    .type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 8, .max_entries = 8,
};
struct map_def_a legacy_array_a SEC("maps") = {
    .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 2,
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1);
} btf_array_a SEC(".maps");

volatile __u64 calls_a = 0;

SEC("socket")
int prog_a(struct __sk_buff *skb) {
  __u32 k = 0;
  __u64 v = 11;
  bpf_map_update_elem(&legacy_hash_a, &k, &v, BPF_ANY);
  __u64 *arr = bpf_map_lookup_elem(&legacy_array_a, &k);
  if (arr) *arr = 22;
  __u64 *b = bpf_map_lookup_elem(&btf_array_a, &k);
  if (b) *b = 33;
  calls_a++;
  return 100;
}

char LICENSE[] SEC("license") = "GPL";
