// Collection test object: maps whose BTF value type describes records, not the map's value (as cilium's main
// loader object declares its perf event array): a perf event array and a ring buffer with __type(value, struct
// record) of 16 bytes. The spec keeps the type with value size 0, and the object loads and runs.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct record {
  __u64 seq;
  __u64 len;
};

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __type(key, __u32);
  __type(value, struct record);
} perf_records SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
  __type(value, struct record);
} ring_records SEC(".maps");

SEC("socket")
int emit(struct __sk_buff *skb) {
  struct record r = {.seq = 1, .len = skb->len};
  // No perf event is installed in the array: the output fails, which the program reports in its result.
  long perf = bpf_perf_event_output(skb, &perf_records, BPF_F_CURRENT_CPU, &r, sizeof(r));
  long ring = bpf_ringbuf_output(&ring_records, &r, sizeof(r), 0);
  return (perf != 0 ? 1 : 0) | (ring == 0 ? 2 : 0);
}

char LICENSE[] SEC("license") = "GPL";
