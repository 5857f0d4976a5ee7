// ELF loader test object: BTF declaration tags on map definitions, on the variable and on the struct.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1);
} tagged SEC(".maps") __attribute__((btf_decl_tag("owner:net"))) __attribute__((btf_decl_tag("second")));

struct __attribute__((btf_decl_tag("on_struct"))) def {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 4);
};
struct def by_struct SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 1);
} untagged SEC(".maps");

SEC("socket")
int use_maps(struct __sk_buff *skb) {
  __u32 k = 0;
  void *a = bpf_map_lookup_elem(&tagged, &k);
  void *b = bpf_map_lookup_elem(&by_struct, &k);
  void *c = bpf_map_lookup_elem(&untagged, &k);
  return (a != 0) + (b != 0) + (c != 0);
}

char _license[] SEC("license") = "GPL";
