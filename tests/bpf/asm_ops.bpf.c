// Instruction-set coverage for the asm tests (default CPU: 64-bit ALU and jumps, lddw, calls,
// byte swaps, 64-bit atomics, legacy packet loads). Built to be disassembled, not to do anything useful.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __type(key, __u64);
  __type(value, __s64);
} signed_values SEC(".maps");

volatile const __u64 threshold = 10;
volatile const __s64 negative_limit = -1000;
__u64 total = 0;
__u64 seed = 0x123456789abcdef0ull;
__u32 small_seed = 7;

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

static __attribute__((noinline)) __u64 mix(__u64 a, __u64 b) {
  __u64 x = a * 2654435761u + b;
  x ^= x >> 13;
  x <<= 3;
  x |= b & 0xff00;
  x -= a / (b | 1);
  x += a % (b | 3);
  x = x * b;
  return x + 0x1122334455667788ull;
}

static __attribute__((noinline)) __s64 signed_ops(__s64 a, __s64 b) {
  __s64 r = a >> (b & 31);
  if (a < b) r = -r;
  if (a <= -5) r += 3;
  if (b > 100) r ^= a;
  if (b >= negative_limit) r -= b;
  if (a < 0) r *= 7;
  return r;
}

SEC("xdp")
int xdp_ops(struct xdp_md *ctx) {
  __u32 key = ctx->ingress_ifindex & 3;
  __u64 *v = bpf_map_lookup_elem(&counts, &key);
  if (!v) return XDP_PASS;
  __u64 len = ctx->data_end - ctx->data;
  __u64 m = mix(len, *v);
  if (m > threshold) m = threshold;
  if (m == 42) return XDP_DROP;
  if (m != len) m += 1;
  if (m < 8) m <<= 2;
  if (len <= 64) m >>= 1;
  if (len >= 1500) m = 0;
  __sync_fetch_and_add(v, m);
  __sync_fetch_and_add(&total, 1);
  __u64 old = __sync_fetch_and_add(&seed, m);
  old += __sync_fetch_and_or(v, 0x10);
  old += __sync_fetch_and_and(v, ~0x10ull);
  old += __sync_fetch_and_xor(v, old);
  old += __sync_lock_test_and_set(&total, 5);
  old += __sync_val_compare_and_swap(&seed, old, m);
  __s64 s = signed_ops((__s64)len - 100, (__s64)old);
  bpf_map_update_elem(&signed_values, &len, &s, BPF_ANY);
  return old & 1 ? XDP_PASS : XDP_TX;
}

SEC("socket")
int socket_ops(struct __sk_buff *skb) {
  __u64 proto = load_half(skb, 12);
  __u64 first = load_byte(skb, 14);
  __u64 word = load_word(skb, 26);
  __u64 x = __builtin_bswap64(word) ^ __builtin_bswap32((__u32)word) ^ __builtin_bswap16((__u16)proto);
  x += bpf_ktime_get_ns();
  x += small_seed;
  if (proto == 0x0800 && (first & 0xf0) == 0x40) return (int)(x & 0xffff) | 1;
  if (x & 0x80) return 0;
  return skb->len;
}

static __attribute__((noinline)) int leaf(int a) { return a * 3 - 1; }

static __attribute__((noinline)) int middle(int a, int b) { return leaf(a) + leaf(b) * 2; }

SEC("tc")
int tc_calls(struct __sk_buff *skb) {
  int r = middle(skb->len, skb->protocol);
  bpf_printk("r=%d", r);
  return r > 0 ? 0 : 2;
}
