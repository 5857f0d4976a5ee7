// Event readers fed by a tracepoint: every getpid() of the process `target_tgid` (set before load) writes the
// record {seq, tid, 0xfeedbeef} to the ring buffer `ring` and, with bpf_perf_event_output, to the current CPU's
// ring of `perf`. seq counts the calls, from 0.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 16);
} ring SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, sizeof(__u32));
} perf SEC(".maps");

volatile const __u32 target_tgid = 0;
__u64 calls = 0;

struct record {
  __u64 seq;
  __u32 tid;
  __u32 marker;
};

SEC("tracepoint/syscalls/sys_enter_getpid")
int on_getpid(void *ctx) {
  __u64 id = bpf_get_current_pid_tgid();
  if ((__u32)(id >> 32) != target_tgid) return 0;
  struct record r = {.seq = __sync_fetch_and_add(&calls, 1), .tid = (__u32)id, .marker = 0xfeedbeef};
  bpf_ringbuf_output(&ring, &r, sizeof r, 0);
  bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU, &r, sizeof r);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
