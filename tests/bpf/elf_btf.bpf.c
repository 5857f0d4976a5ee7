// ELF loader test object with BTF map definitions (.maps): typed keys and values, explicit sizes, pinning,
// map_extra, numa_node, ring buffer and perf event array, a prog array with `values`, and maps of
// maps with anonymous and named inner definitions; programs and a subprogram shared between them.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct flow {
  __u32 saddr, daddr;
  __u16 sport, dport;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, struct flow);
  __type(value, __u64);
  __uint(max_entries, 1024);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(pinning, 1 /* LIBBPF_PIN_BY_NAME */);
} flows SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(key_size, 4);
  __uint(value_size, 16);
  __uint(max_entries, 8);
  __uint(numa_node, 0);
} stats SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
  __type(value, __u32);
  __uint(max_entries, 64);
  __uint(map_extra, 3);
} bloom SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, 4);
  __uint(value_size, 4);
} perf_events SEC(".maps");

struct inner_def {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 1);
};
struct inner_def inner_one SEC(".maps");
struct inner_def inner_two SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 4);
  __type(key, __u32);
  __array(values, struct inner_def);
} outer_array SEC(".maps") = {
    .values = {[0] = &inner_one, [2] = &inner_two},
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
  __uint(max_entries, 4);
  __type(key, __u32);
  __array(values, struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u64);
    __type(value, __u64);
  });
} outer_hash SEC(".maps");

int tail_target(struct __sk_buff *skb);

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 3);
  __type(key, __u32);
  __array(values, int(struct __sk_buff *));
} jumps SEC(".maps") = {
    .values = {[1] = (void *)&tail_target},
};

volatile __u32 hits = 0;
const volatile __u32 sample_rate = 10;

__attribute__((noinline)) int count_flow(__u32 addr) {
  struct flow f = {.saddr = addr};
  __u64 one = 1, *v = bpf_map_lookup_elem(&flows, &f);
  if (v) return (int)*v;
  bpf_map_update_elem(&flows, &f, &one, BPF_ANY);
  hits++;
  return addr % sample_rate;
}

SEC("tc")
int tail_target(struct __sk_buff *skb) { return count_flow(skb->len); }

SEC("tc")
int classify(struct __sk_buff *skb) {
  __u32 k = 0;
  void *inner = bpf_map_lookup_elem(&outer_array, &k);
  if (inner) bpf_map_lookup_elem(inner, &k);
  __u64 *s = bpf_map_lookup_elem(&stats, &k);
  if (s) *s += 1;
  bpf_map_push_elem(&bloom, &k, 0);
  bpf_tail_call(skb, &jumps, 1);
  return count_flow(skb->ifindex);
}

SEC("xdp")
int report(struct xdp_md *ctx) {
  __u32 k = 0;
  if (bpf_map_lookup_elem(&outer_hash, &k)) return XDP_DROP;
  bpf_ringbuf_output(&events, &k, sizeof(k), 0);
  bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, &k, sizeof(k));
  return count_flow(ctx->ingress_ifindex) ? XDP_PASS : XDP_DROP;
}

// A CO-RE relocation: the field offset is recorded in .BTF.ext.
struct task_struct {
  int pid;
  int tgid;
} __attribute__((preserve_access_index));

SEC("kprobe/do_exit")
int core_read(void *ctx) {
  struct task_struct *task = (void *)bpf_get_current_task();
  int tgid = 0;
  bpf_core_read(&tgid, sizeof(tgid), &task->tgid);
  return tgid;
}

char _license[] SEC("license") = "GPL";
