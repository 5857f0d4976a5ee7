// `ebpfpp trace` record types named by a `<map>_record` global (the fallback when a map declares no value type):
// every getpid() writes {pid, marker} to the ring buffer `hinted` and to the perf event array `perf_hinted`.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct hint_rec {
  __u32 pid;
  __u32 marker;
};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 14);
} hinted SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, sizeof(__u32));
} perf_hinted SEC(".maps");

const struct hint_rec *const hinted_record = 0;
const struct hint_rec *const perf_hinted_record = 0;

SEC("tracepoint/syscalls/sys_enter_getpid")
int on_getpid_hinted(void *ctx) {
  struct hint_rec r = {.pid = bpf_get_current_pid_tgid() >> 32, .marker = 0xfeedbeef};
  bpf_ringbuf_output(&hinted, &r, sizeof r, 0);
  bpf_perf_event_output(ctx, &perf_hinted, BPF_F_CURRENT_CPU, &r, sizeof r);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
