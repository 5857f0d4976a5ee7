// USDT test object: reads the probe's arguments and cookie through the spec map layout of libbpf's usdt.bpf.h
// (struct __bpf_usdt_spec in __bpf_usdt_specs, the spec id as the BPF cookie). The reading is written out here,
// as static functions: usdt.bpf.h's own bpf_usdt_arg() is a __hidden global function, which libbpf turns into a
// static one before loading and ebpfpp's loader does not yet.
// bpf-cflags: -D__TARGET_ARCH_x86
#include <linux/bpf.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

struct usdt_arg_spec {
  __u64 val_off;
  __u32 arg_type;  // 0 constant, 1 register, 2 register + offset, dereferenced
  short reg_off;
  bool arg_signed;
  char arg_bitshift;
};

struct usdt_spec {
  struct usdt_arg_spec args[12];
  __u64 usdt_cookie;
  short arg_cnt;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 16);
  __type(key, int);
  __type(value, struct usdt_spec);
} __bpf_usdt_specs SEC(".maps") __weak;

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __u64);
} out SEC(".maps");

static __always_inline void put(__u32 k, __u64 v) { bpf_map_update_elem(&out, &k, &v, BPF_ANY); }

static __always_inline long arg(void *ctx, struct usdt_spec *spec, int i) {
  if (i >= spec->arg_cnt) return 0;
  struct usdt_arg_spec *a = &spec->args[i];
  __u64 v = 0;
  switch (a->arg_type) {
    case 0: v = a->val_off; break;
    case 1: bpf_probe_read_kernel(&v, sizeof v, ctx + a->reg_off); break;
    case 2:
      bpf_probe_read_kernel(&v, sizeof v, ctx + a->reg_off);
      bpf_probe_read_user(&v, sizeof v, (void *)v + a->val_off);
      break;
    default: return 0;
  }
  char shift = a->arg_bitshift & 63;
  v <<= shift;
  if (a->arg_signed) return ((long)v) >> shift;
  return v >> shift;
}

SEC("usdt")
int on_usdt(void *ctx) {
  int id = bpf_get_attach_cookie(ctx);
  struct usdt_spec *spec = bpf_map_lookup_elem(&__bpf_usdt_specs, &id);
  if (!spec) return 0;
  __u32 k = 0;
  __u64 *n = bpf_map_lookup_elem(&out, &k);
  if (n) __sync_fetch_and_add(n, 1);
  put(1, arg(ctx, spec, 0));
  put(2, arg(ctx, spec, 1));
  put(3, arg(ctx, spec, 2));
  put(4, spec->usdt_cookie);
  put(5, spec->arg_cnt);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
