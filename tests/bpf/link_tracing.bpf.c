// Link test object: one program per tracing attach point, each counting its hits in `counts` (slots below)
// for the process whose tgid is in config[0] only, so that other processes on the machine do not disturb
// the counts. The uprobe sections name no target: tests give it (Program::attach("path:symbol")).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum { TP = 0, RAW_TP = 1, UPROBE = 2, URETPROBE = 3, PERF = 4, UPROBE_MULTI = 5, KPROBE = 6, TP2 = 7, NSLOTS = 8 };

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, NSLOTS);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
} config SEC(".maps");

// The value of the last uprobe hit's first argument, and the last uretprobe's return value.
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
} seen SEC(".maps");

static __always_inline int mine(void) {
  __u32 k = 0;
  __u64 *tgid = bpf_map_lookup_elem(&config, &k);
  return tgid && *tgid == (bpf_get_current_pid_tgid() >> 32);
}

static __always_inline void hit(__u32 slot) {
  __u64 *c = bpf_map_lookup_elem(&counts, &slot);
  if (c) __sync_fetch_and_add(c, 1);
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int on_getpid(void *ctx) {
  if (mine()) hit(TP);
  return 0;
}

SEC("tp/syscalls/sys_enter_getppid")
int on_getppid(void *ctx) {
  if (mine()) hit(TP2);
  return 0;
}

SEC("raw_tp/sys_enter")
int on_sys_enter(void *ctx) {
  if (mine()) hit(RAW_TP);
  return 0;
}

struct pt_regs_x86 {
  unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

SEC("uprobe")
int on_uprobe(struct pt_regs_x86 *ctx) {
  if (!mine()) return 0;
  hit(UPROBE);
  __u32 k = 0;
  __u64 v = ctx->di;
  bpf_map_update_elem(&seen, &k, &v, BPF_ANY);
  return 0;
}

SEC("uretprobe")
int on_uretprobe(struct pt_regs_x86 *ctx) {
  if (!mine()) return 0;
  hit(URETPROBE);
  __u32 k = 1;
  __u64 v = ctx->ax;
  bpf_map_update_elem(&seen, &k, &v, BPF_ANY);
  return 0;
}

SEC("perf_event")
int on_perf_event(void *ctx) {
  if (mine()) hit(PERF);
  return 0;
}

SEC("kprobe/do_nanosleep")
int on_kprobe(void *ctx) {
  if (mine()) hit(KPROBE);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
