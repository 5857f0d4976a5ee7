// bpf-cflags: -mcpu=v3
// Instruction-set coverage for the asm tests with CPU v3: 32-bit subregisters (w0-w10), JMP32
// compares, 32-bit atomics with fetch, xchg and cmpxchg.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u32);
} words SEC(".maps");

__u32 counter32 = 0;
__u64 counter64 = 0;
volatile const __s32 bias = -17;

static __attribute__((noinline)) __u32 alu32(__u32 a, __u32 b) {
  __u32 x = a + b;
  x -= a >> 3;
  x *= b | 1;
  x /= (a & 7) + 1;
  x %= (b & 15) + 1;
  x ^= a << 5;
  x &= 0x0ffffff0;
  x |= 0x3;
  __s32 s = (__s32)x >> 2;
  s = -s;
  return (__u32)s + (__u32)bias;
}

static __attribute__((noinline)) int compare32(__s32 a, __s32 b, __u32 c, __u32 d) {
  int r = 0;
  if (a < b) r |= 1;
  if (a <= -3) r |= 2;
  if (a > b) r |= 4;
  if (b >= 9) r |= 8;
  if (c < d) r |= 16;
  if (c <= 100) r |= 32;
  if (c > d) r |= 64;
  if (d >= 7) r |= 128;
  if (c == d) r |= 256;
  if (c != 5) r |= 512;
  return r;
}

SEC("xdp")
int xdp_alu32(struct xdp_md *ctx) {
  __u32 key = 0;
  __u32 *w = bpf_map_lookup_elem(&words, &key);
  if (!w) return XDP_PASS;
  __u32 len = ctx->data_end - ctx->data;
  __u32 x = alu32(len, *w);
  int r = compare32((__s32)len, (__s32)x, len, x);
  __sync_fetch_and_add(w, 1);
  __u32 old = __sync_fetch_and_add(&counter32, x);
  old += __sync_fetch_and_or(w, 0x100);
  old += __sync_fetch_and_and(w, 0xff);
  old += __sync_fetch_and_xor(w, old);
  __sync_fetch_and_or(&counter32, 1);
  __sync_fetch_and_and(&counter32, 3);
  __sync_fetch_and_xor(&counter32, 8);
  old += __sync_lock_test_and_set(&counter32, 5);
  old += __sync_val_compare_and_swap(&counter32, old, x);
  __u64 o64 = __sync_fetch_and_or(&counter64, old);
  __sync_fetch_and_xor(&counter64, 3);
  return (int)((old + r + o64) & 3);
}
