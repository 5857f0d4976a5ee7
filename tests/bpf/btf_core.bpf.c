// CO-RE relocations and several functions for .BTF.ext tests.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct core_target {
  int first;
  long second;
  unsigned int bits : 4;
  char name[8];
} __attribute__((preserve_access_index));

enum core_enum { CORE_A = 1, CORE_B = 2 };

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct core_target);
} core_map SEC(".maps");

static __attribute__((noinline)) long read_second(struct core_target *t) {
  return t->second + __builtin_preserve_field_info(t->bits, 0 /* byte offset */);
}

SEC("socket")
int core_prog(struct __sk_buff *skb) {
  __u32 k = 0;
  struct core_target *t = bpf_map_lookup_elem(&core_map, &k);
  if (!t) return 0;
  int v = t->first;
  v += __builtin_preserve_enum_value(*(enum core_enum *)CORE_B, 1 /* value */);
  v += __builtin_preserve_type_info(*t, 1 /* size */);
  return v + read_second(t);
}

SEC("socket")
int core_prog2(struct __sk_buff *skb) {
  return skb->len > 10 ? 1 : 0;
}

char _license[] SEC("license") = "GPL";
