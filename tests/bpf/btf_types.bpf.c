// Rich BTF for the btf tests: structs, unions, bitfields, enums (incl. 64-bit), typedef chains,
// function prototypes, arrays, globals in .data/.bss/.rodata and maps with BTF keys/values.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef unsigned int u32_t;
typedef u32_t id_t;
typedef id_t chained_id_t;

enum color { RED, GREEN = 5, BLUE = -3 };
enum big_values { BIG_SMALL = 1, BIG_LARGE = 0x1234567890ULL };

struct flags {
  unsigned int a : 3;
  unsigned int b : 5;
  int c : 7;
  unsigned long long wide : 40;
  char tail;
};

union either {
  int i;
  float f;
  unsigned char bytes[8];
};

typedef int (*callback_t)(void *ctx, int arg);

struct btf_value {
  chained_id_t id;
  enum color col;
  enum big_values big;
  struct flags fl;
  union either u;
  const volatile char name[16];
  struct {
    int x, y;
  } anon_point;
  union {
    long as_long;
    void *as_ptr;
  };
  callback_t cb;
  struct btf_value *next;
  int matrix[2][3];
  int tagged __attribute__((btf_decl_tag("tagged_member")));
  int __attribute__((btf_type_tag("user"))) *user_ptr;
};

struct btf_key {
  __u32 pid;
  __u16 port;
  __u8 proto;
  __u8 pad;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __type(key, struct btf_key);
  __type(value, struct btf_value);
} btf_hash SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} btf_array SEC(".maps");

int data_var = 7;
long bss_var;
const volatile unsigned int rodata_var = 42;
struct btf_value bss_value;

static __attribute__((noinline)) int helper_fn(struct btf_value *v, int n) {
  return v ? v->id + n : n;
}

__attribute__((noinline)) int global_fn(int x) {
  return x * 3;
}

SEC("socket")
int btf_prog(struct __sk_buff *skb) {
  struct btf_key key = {.pid = skb->len, .port = 1, .proto = 6};
  struct btf_value *v = bpf_map_lookup_elem(&btf_hash, &key);
  __u32 idx = 0;
  __u64 *cnt = bpf_map_lookup_elem(&btf_array, &idx);
  if (cnt) __sync_fetch_and_add(cnt, 1);
  bss_var += data_var + rodata_var;
  return helper_fn(v, bss_value.fl.a) + global_fn(skb->len);
}

char _license[] SEC("license") = "GPL";
