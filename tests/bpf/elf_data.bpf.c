// ELF loader test object libbpf can open too: no map definitions, only data sections (.data, .rodata,
// .bss, custom .data.* / .rodata.* sections, string pool .rodata.str1.1 and constant pool .rodata.cst32),
// subprograms and static functions.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

volatile __u64 packets = 0;                    // .bss
volatile __u32 seed = 0x1234;                  // .data
const volatile __u32 limit = 1000;             // .rodata
SEC(".data.stats") volatile __u64 stats[4] = {1, 2, 3, 4};
SEC(".rodata.config") const volatile __u8 mode = 2;

static __attribute__((noinline)) __u32 mix(__u32 x) { return x * 2654435761u + seed; }

__attribute__((noinline)) int account(int len) {
  packets += 1;
  stats[len & 3] += len;
  return mix(len) < limit;
}

SEC("xdp")
int data_xdp(struct xdp_md *ctx) {
  return account(ctx->data_end - ctx->data) ? XDP_PASS : XDP_DROP;
}

SEC("tc")
int data_tc(struct __sk_buff *skb) {
  const char *digits = "0123456789abcdef";  // .rodata.str1.1
  return account(skb->len) + mix(mode) + digits[skb->len & 15];
}

SEC("socket")
int data_socket(struct __sk_buff *skb) {
  // An anonymous constant pool: .rodata.cst32.
  static const __u64 table[4] = {0x1111111111111111ull, 0x2222222222222222ull, 0x3333333333333333ull,
                                 0x4444444444444444ull};
  return skb->len > limit ? 0 : (int)table[skb->len & 3];
}

char _license[] SEC("license") = "GPL";
