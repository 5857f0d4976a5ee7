// USDT test object written against libbpf's usdt.bpf.h: records the probe's arguments (bpf_usdt_arg, a __hidden
// global function the loader turns static), its cookie and its argument count.
// bpf-cflags: -D__TARGET_ARCH_x86
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __u64);
} out SEC(".maps");

static __always_inline void put(__u32 k, __u64 v) { bpf_map_update_elem(&out, &k, &v, BPF_ANY); }

SEC("usdt")
int on_usdt(struct pt_regs *ctx) {
  long a = 0, b = 0, c = 0;
  bpf_usdt_arg(ctx, 0, &a);
  bpf_usdt_arg(ctx, 1, &b);
  bpf_usdt_arg(ctx, 2, &c);
  __u32 k = 0;
  __u64 *n = bpf_map_lookup_elem(&out, &k);
  if (n) __sync_fetch_and_add(n, 1);
  put(1, a);
  put(2, b);
  put(3, c);
  put(4, bpf_usdt_cookie(ctx));
  put(5, bpf_usdt_arg_cnt(ctx));
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
