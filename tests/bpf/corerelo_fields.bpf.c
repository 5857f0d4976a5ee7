// CO-RE relocations of every kind, compiled against the local definitions below (not vmlinux.h). The tests
// load it against the target BTF of corerelo_target.bpf.c (see ../corerelo/target_layout.h) and check what the
// programs compute.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

enum corerelo_color { CR_RED = 1, CR_GREEN = 2, CR_BLUE = 3, CR_GONE = 9 };

struct corerelo_inner {
  int x;
  int y;
} __attribute__((preserve_access_index));

struct corerelo_s {
  int a;
  long long b;
  unsigned short c;
  int bf1 : 3;
  unsigned int bf2 : 5;
  int missing;
  int arr[4];
  union {
    int anon_u;
    long long anon_l;
  };
  struct corerelo_inner in;
  short sgn;
  int as_bitfield;
} __attribute__((preserve_access_index));

struct corerelo_renamed___v1 {
  int val;
} __attribute__((preserve_access_index));

struct corerelo_absent {
  int z;
} __attribute__((preserve_access_index));

#define NOUT 32
struct out {
  __u64 v[NOUT];
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, char[256]);
} input SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct out);
} output SEC(".maps");

SEC("socket")
int fields(struct __sk_buff *skb) {
  __u32 k = 0;
  struct corerelo_s *p = bpf_map_lookup_elem(&input, &k);
  struct corerelo_renamed___v1 *r = bpf_map_lookup_elem(&input, &k);
  struct out *o = bpf_map_lookup_elem(&output, &k);
  if (!p || !r || !o) return 0;
  struct corerelo_s *cs = p;
  o->v[0] = p->a;
  o->v[1] = p->b;
  o->v[2] = p->c;
  o->v[3] = BPF_CORE_READ_BITFIELD(cs, bf1);
  o->v[4] = BPF_CORE_READ_BITFIELD(cs, bf2);
  o->v[5] = bpf_core_field_exists(p->missing);
  if (bpf_core_field_exists(p->missing))
    o->v[6] = p->missing;
  else
    o->v[6] = 0xdead;
  o->v[7] = p->arr[2];
  o->v[8] = p->anon_u;
  o->v[9] = p->in.y;
  o->v[10] = __builtin_preserve_field_info(p->sgn, BPF_FIELD_SIGNED);
  o->v[11] = bpf_core_field_size(p->c);
  o->v[12] = bpf_core_field_offset(p->b);
  o->v[13] = bpf_core_type_exists(struct corerelo_absent);
  o->v[14] = bpf_core_type_size(struct corerelo_s);
  o->v[15] = bpf_core_type_id_local(struct corerelo_s);
  o->v[16] = bpf_core_type_id_kernel(struct corerelo_s);
  o->v[17] = bpf_core_enum_value_exists(enum corerelo_color, CR_GONE);
  o->v[18] = bpf_core_enum_value(enum corerelo_color, CR_GREEN);
  o->v[19] = bpf_core_enum_value_exists(enum corerelo_color, CR_BLUE);
  o->v[20] = r->val;
  o->v[21] = bpf_core_field_exists(struct corerelo_renamed___v1, val);
  o->v[22] = bpf_core_field_size(p->arr);
  o->v[23] = bpf_core_field_offset(p->in.y);
  o->v[24] = bpf_core_type_exists(struct corerelo_s);
  o->v[25] = __builtin_preserve_field_info(p->a, BPF_FIELD_SIGNED);
  return 1;
}

// Reads a field that became a bitfield in the target: the load is poisoned, the program refused.
SEC("socket")
int bad_bitfield(struct __sk_buff *skb) {
  __u32 k = 0;
  struct corerelo_s *p = bpf_map_lookup_elem(&input, &k);
  if (!p) return 0;
  return p->as_bitfield;
}

// Reads a field the target lacks without checking: poisoned and reached.
SEC("socket")
int bad_missing(struct __sk_buff *skb) {
  __u32 k = 0;
  struct corerelo_s *p = bpf_map_lookup_elem(&input, &k);
  if (!p) return 0;
  return p->missing;
}

// Unreachable poison: loads fine.
SEC("socket")
int guarded_missing(struct __sk_buff *skb) {
  __u32 k = 0;
  struct corerelo_s *p = bpf_map_lookup_elem(&input, &k);
  if (!p) return 0;
  if (bpf_core_field_exists(p->missing)) return p->missing;
  return 7;
}

// Relocations inside a bpf-to-bpf function called from two places.
static __attribute__((noinline)) long long sum_fields(struct corerelo_s *p) {
  return p->a + p->b + p->in.y + bpf_core_field_offset(p->arr);
}

SEC("socket")
int subprog(struct __sk_buff *skb) {
  __u32 k = 0;
  struct corerelo_s *p = bpf_map_lookup_elem(&input, &k);
  if (!p) return 0;
  return (int)(sum_fields(p) + (sum_fields(p) & 0xff));
}

char LICENSE[] SEC("license") = "GPL";
