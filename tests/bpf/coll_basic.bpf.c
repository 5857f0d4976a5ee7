// Collection test object: legacy and BTF maps, a bpf_spin_lock value, map-in-map and prog-array contents
// (a tail call really taken), global variables, global and static subprograms shared by several programs, a
// bpf_loop callback, a map pinned by name.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct legacy_map_def {
  unsigned int type, key_size, value_size, max_entries, map_flags;
};

struct legacy_map_def legacy_counts SEC("maps") = {
    .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 4,
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u64);
} btf_hash SEC(".maps");

struct locked_value {
  struct bpf_spin_lock lock;
  __u64 count;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct locked_value);
} locked SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} pinned_counter SEC(".maps");

struct inner_map {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} inner SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 2);
  __type(key, __u32);
  __array(values, struct inner_map);
} outer SEC(".maps") = {
    .values = {[1] = &inner},
};

int tail_target(struct __sk_buff *skb);

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 4);
  __uint(key_size, sizeof(__u32));
  __array(values, int(struct __sk_buff *));
} jump_table SEC(".maps") = {
    .values = {[2] = (void *)&tail_target},
};

// Globals: settable before load, readable after through the data-section maps.
const volatile __u32 rodata_factor = 3;  // .rodata
volatile __u32 data_offset = 5;          // .data
volatile __u64 bss_result = 0;           // .bss
volatile __u32 loop_sum = 0;             // .bss

static __attribute__((noinline)) __u32 scale(__u32 x) { return x * rodata_factor; }

__attribute__((noinline)) int shared_compute(__u32 x) { return scale(x) + data_offset; }

static long add_index(__u32 index, void *ctx) {
  *(__u32 *)ctx += index;
  return 0;
}

SEC("socket")
int compute(struct __sk_buff *skb) {
  __u32 key = 0;
  __u64 *v = bpf_map_lookup_elem(&legacy_counts, &key);
  if (v) *v += 1;
  __u64 one = 1;
  bpf_map_update_elem(&btf_hash, &key, &one, BPF_ANY);
  int r = shared_compute(10);  // 10 * rodata_factor + data_offset
  bss_result = r;
  return r;
}

SEC("socket")
int compute_again(struct __sk_buff *skb) { return shared_compute(1) + scale(2); }

SEC("socket")
int loop(struct __sk_buff *skb) {
  __u32 sum = 0;
  bpf_loop(5, add_index, &sum, 0);  // 0 + 1 + 2 + 3 + 4
  loop_sum = sum;
  return sum;
}

SEC("tc")
int lock(struct __sk_buff *skb) {
  __u32 key = 0;
  struct locked_value *v = bpf_map_lookup_elem(&locked, &key);
  if (!v) return 0;
  bpf_spin_lock(&v->lock);
  v->count += 1;
  bpf_spin_unlock(&v->lock);
  return 1;
}

SEC("socket")
int inner_lookup(struct __sk_buff *skb) {
  __u32 key = 1, zero = 0;
  void *m = bpf_map_lookup_elem(&outer, &key);
  if (!m) return 0;
  __u32 *v = bpf_map_lookup_elem(m, &zero);
  if (!v) return 1;
  return 100 + *v;
}

SEC("socket")
int pinned_bump(struct __sk_buff *skb) {
  __u32 key = 0;
  __u32 *v = bpf_map_lookup_elem(&pinned_counter, &key);
  if (!v) return 0;
  *v += 1;
  return *v;
}

SEC("socket")
int tail_target(struct __sk_buff *skb) { return 77; }

SEC("socket")
int tail_caller(struct __sk_buff *skb) {
  bpf_tail_call(skb, &jump_table, 2);
  return 1;  // only when the tail call is not taken
}

char LICENSE[] SEC("license") = "GPL";
