// Skeleton test object: every kind of type a skeleton must spell (nested and anonymous records, a union,
// bitfields, an enum, a typedef'd anonymous struct, arrays, a C++ keyword as a name) in maps and in the three
// data sections. `compute` (a syscall program run by BPF_PROG_TEST_RUN) reads .rodata, .data and a bitfield
// struct, and writes .bss, the `totals` array and the `records` hash, so a test can check what the typed
// members read against what it computed.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum mode { MODE_ADD = 1, MODE_MUL = 2, MODE_NEG = -1 };

struct point {
  __s32 x, y;
};

struct flags {
  __u32 kind : 3;
  __s32 delta : 5;
  __u32 wide : 20;
  __u8 tail;
};

struct record {
  struct point at;
  union {
    __u64 raw;
    __u32 halves[2];
  };
  struct {
    __u16 lo, hi;
  } range;
  enum mode mode;
  char tag[6];
  __u64 stamp;
  __u8 grid[2][3];
};

typedef struct {
  __u32 id;
  __u16 port;
} endpoint_t;

// On the wire: no padding (the skeleton marks it packed).
struct __attribute__((packed)) wire {
  __u8 kind;
  __u32 len;
  __u16 port;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __type(key, endpoint_t);
  __type(value, struct record);
} records SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} totals SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct point);
} scratch SEC(".maps");

// .rodata: set before load.
volatile const __u32 multiplier = 3;
volatile const enum mode default_mode = MODE_ADD;
// .data
volatile __u64 base = 100;
volatile struct flags packed_flags = {.kind = 5, .delta = -3, .wide = 12345, .tail = 7};
// .bss
volatile __u64 counter;
volatile __u64 last_result;
volatile struct point last_point;
volatile __s32 class;  // a C++ keyword: `class_` in the skeleton
volatile __u32 inputs[4];
volatile struct wire last_wire;

struct args {
  __u32 value;
  __u32 mode;
};

SEC("syscall")
int compute(struct args *ctx) {
  __u64 v = ctx->value;
  enum mode m = ctx->mode ? (enum mode)ctx->mode : default_mode;
  __u64 r = m == MODE_MUL ? v * multiplier : v + base;
  r += packed_flags.kind + packed_flags.delta + packed_flags.wide;
  counter++;
  last_result = r;
  last_point.x = ctx->value;
  last_point.y = -(__s32)ctx->value;
  class = -42;
  inputs[counter & 3] = ctx->value;
  packed_flags.tail = packed_flags.tail + 1;
  last_wire.kind = 3;
  last_wire.len = ctx->value;
  last_wire.port = 8080;

  __u32 k = 0;
  __u64 *t = bpf_map_lookup_elem(&totals, &k);
  if (t) *t += r;

  endpoint_t ep = {.id = ctx->value, .port = 80};
  struct record rec = {};
  rec.at.x = ctx->value;
  rec.at.y = 2;
  rec.raw = r;
  rec.range.lo = 10;
  rec.range.hi = 20;
  rec.mode = m;
  rec.tag[0] = 'o';
  rec.tag[1] = 'k';
  rec.stamp = counter;
  rec.grid[1][2] = 9;
  bpf_map_update_elem(&records, &ep, &rec, BPF_ANY);
  return (int)r;
}

char LICENSE[] SEC("license") = "GPL";
