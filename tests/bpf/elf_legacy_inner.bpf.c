// ELF loader test object: iproute2's legacy map-in-map (struct bpf_elf_map's id / inner_id / inner_idx in a
// SEC("maps") section). `inner` (id 7) is the inner map template of `outer` (inner_id 7) and is stored at
// index 1 of it (inner_idx 1); `template_only` (id 9, inner_idx ~0) is the template of `outer_hash` but is not
// stored in it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_elf_map {
  __u32 type, size_key, size_value, max_elem, flags;
  __u32 id, pinning, inner_id, inner_idx;
};

struct bpf_elf_map inner SEC("maps") = {
    .type = BPF_MAP_TYPE_ARRAY, .size_key = 4, .size_value = 8, .max_elem = 2, .id = 7, .inner_idx = 1,
};
struct bpf_elf_map outer SEC("maps") = {
    .type = BPF_MAP_TYPE_ARRAY_OF_MAPS, .size_key = 4, .size_value = 4, .max_elem = 4, .inner_id = 7,
};
struct bpf_elf_map template_only SEC("maps") = {
    .type = BPF_MAP_TYPE_HASH, .size_key = 4, .size_value = 4, .max_elem = 8, .id = 9, .inner_idx = ~0u,
};
struct bpf_elf_map outer_hash SEC("maps") = {
    .type = BPF_MAP_TYPE_HASH_OF_MAPS, .size_key = 4, .size_value = 4, .max_elem = 4, .inner_id = 9,
    .pinning = 0,
};

SEC("socket")
int lookup_inner(struct __sk_buff *skb) {
  __u32 key = 1;
  void *m = bpf_map_lookup_elem(&outer, &key);
  if (!m) return 0;
  __u32 k = 0;
  __u64 *v = bpf_map_lookup_elem(m, &k);
  return v ? (int)*v : 1;
}

char _license[] SEC("license") = "GPL";
