// Trampoline-based programs (fentry, fexit), in their own object: some machines refuse them (EPERM at load).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} config SEC(".maps");

static __always_inline void hit(__u32 slot) {
  __u32 k = 0;
  __u64 *tgid = bpf_map_lookup_elem(&config, &k);
  if (!tgid || *tgid != (bpf_get_current_pid_tgid() >> 32)) return;
  __u64 *c = bpf_map_lookup_elem(&counts, &slot);
  if (c) __sync_fetch_and_add(c, 1);
}

SEC("fentry/__do_sys_getpid")
int on_fentry_getpid(__u64 *ctx) {
  hit(1);
  return 0;
}

SEC("fexit/__do_sys_getpid")
int on_fexit_getpid(__u64 *ctx) {
  hit(2);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
