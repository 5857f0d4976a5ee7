// CO-RE relocations that need clang >= 15: 64-bit enumerators (BTF_KIND_ENUM64) and type_matches. Loaded
// against the target BTF of corerelo_c16_target.bpf.c.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

enum corerelo_e64 { E64_SMALL = 1, E64_BIG = 0x100000000ULL, E64_GONE = 0x200000000ULL };

struct corerelo_m {
  int a;
  long long b;
};

struct corerelo_nm {
  int a;
};

struct corerelo_pm {
  struct corerelo_m *p;
};

struct out {
  __u64 v[8];
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct out);
} output SEC(".maps");

SEC("socket")
int c16_values(struct __sk_buff *skb) {
  __u32 k = 0;
  struct out *o = bpf_map_lookup_elem(&output, &k);
  if (!o) return 0;
  o->v[0] = bpf_core_enum_value(enum corerelo_e64, E64_BIG);
  o->v[1] = bpf_core_enum_value(enum corerelo_e64, E64_SMALL);
  o->v[2] = bpf_core_enum_value_exists(enum corerelo_e64, E64_GONE);
  o->v[3] = bpf_core_type_matches(struct corerelo_m);
  o->v[4] = bpf_core_type_matches(struct corerelo_nm);
  o->v[5] = bpf_core_type_exists(struct corerelo_nm);
  o->v[6] = bpf_core_type_matches(struct corerelo_pm);
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
