// ELF loader test object: legacy `maps` definitions (struct bpf_map_def and iproute2's struct bpf_elf_map),
// data sections of every kind, subprograms shared by several programs, static functions, function pointers,
// kfunc/ksym/kconfig externs and many section names. Debian's libbpf (>= 1.0) refuses legacy map sections,
// so this object is compared against the seeds' expectations only.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct legacy_map_def {
  unsigned int type, key_size, value_size, max_entries, map_flags;
  unsigned int id, pinning, inner_id, inner_idx;  // iproute2's struct bpf_elf_map tail
};

struct legacy_map_def counts SEC("maps") = {
    .type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 8, .max_entries = 64, .map_flags = BPF_F_NO_PREALLOC,
};
struct legacy_map_def pinned SEC("maps") = {
    .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 2, .pinning = 2,
};
struct legacy_map_def jump_table SEC("maps") = {
    .type = BPF_MAP_TYPE_PROG_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 4,
};

// Data sections.
volatile int counter = 0;                        // .bss
volatile int initialised = 42;                   // .data
const volatile unsigned int threshold = 7;       // .rodata
const volatile unsigned long long big_limit = 1ull << 40;
__attribute__((visibility("hidden"))) volatile int hidden_var = 3;  // .data, not a variable
SEC(".data.custom") volatile unsigned char custom[16] = {1, 2, 3};
SEC(".rodata.custom") const volatile unsigned short custom_ro = 0x1234;
SEC(".data.unused") volatile int never_used = 9;  // pruned: no instruction refers to it

// Externs.
extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_HZ __kconfig __weak;
extern void bpf_rcu_read_lock(void) __ksym __weak;
extern void bpf_rcu_read_unlock(void) __ksym __weak;

static __attribute__((noinline)) int static_helper(int x) {
  return x * 3 + counter;
}

__attribute__((noinline)) int shared_global(int x) {
  int k = x;
  long *v = bpf_map_lookup_elem(&counts, &k);
  return (v ? (int)*v : 0) + static_helper(x) + initialised;
}

__attribute__((noinline)) int leaf(int x) {
  return x + custom[x & 7] + custom_ro;
}

__attribute__((noinline)) int middle(int x) {
  return leaf(x) + 1;
}

static long loop_cb(__u32 index, void *ctx) {
  counter += index;
  return 0;
}

SEC("xdp")
int xdp_prog(struct xdp_md *ctx) {
  if (threshold > 100) return XDP_DROP;
  return shared_global(1) + middle(2) > 0 ? XDP_PASS : XDP_ABORTED;
}

SEC("socket/filter")
int socket_prog(struct __sk_buff *skb) {
  unsigned int k = 0;
  int *p = bpf_map_lookup_elem(&pinned, &k);
  if (p) *p += 1;
  return shared_global(2) + (int)big_limit;
}

SEC("tc")
int tc_prog(struct __sk_buff *skb) {
  bpf_loop(4, loop_cb, 0, 0);
  bpf_tail_call(skb, &jump_table, 0);
  return middle(3) + static_helper(4);
}

SEC("kprobe/do_unlinkat")
int kprobe_prog(void *ctx) {
  return LINUX_KERNEL_VERSION > 0 && CONFIG_HZ > 0;
}

SEC("fentry.s/do_unlinkat")
int sleepable_prog(void *ctx) {
  if (bpf_rcu_read_lock) {
    bpf_rcu_read_lock();
    bpf_rcu_read_unlock();
  }
  return 0;
}

SEC("xdp.frags")
int frags_prog(struct xdp_md *ctx) { return XDP_PASS; }

SEC("tcx/ingress")
int tcx_prog(struct __sk_buff *skb) { return 0; }

SEC("my_custom_section")
int unknown_prog(void *ctx) { return 0; }

// Two programs in one section.
SEC("tracepoint/syscalls/sys_enter_openat")
int tp_one(void *ctx) { return leaf(1); }
SEC("tracepoint/syscalls/sys_enter_openat")
int tp_two(void *ctx) { return leaf(2); }

char _license[] SEC("license") = "Dual MIT/GPL";
unsigned int _version SEC("version") = 0x050a00;
