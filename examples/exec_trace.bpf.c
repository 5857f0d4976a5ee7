// The README main job's tracing half: every exec on the machine (tracepoint sched/sched_process_exec) becomes a
// record {pid, comm, filename} in the ring buffer `exec_events`, which `ebpfpp trace` prints decoded: the map
// declares its records' type with __type(value, ...) (see docs/readers.md).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct exec_event {
  __u32 pid;
  char comm[16];
  char filename[128];
};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 16);
  __type(value, struct exec_event);
} exec_events SEC(".maps");

// The tracepoint's fields (tracefs events/sched/sched_process_exec/format).
struct sched_process_exec_ctx {
  __u64 common;              // common_type, common_flags, common_preempt_count, common_pid
  __u32 filename_data_loc;   // __data_loc char[]: offset in the low 16 bits, length in the high 16
  int pid;
  int old_pid;
};

SEC("tracepoint/sched/sched_process_exec")
int on_exec(struct sched_process_exec_ctx *ctx) {
  struct exec_event *e = bpf_ringbuf_reserve(&exec_events, sizeof(*e), 0);
  if (!e) return 0;
  e->pid = bpf_get_current_pid_tgid() >> 32;
  bpf_get_current_comm(e->comm, sizeof e->comm);
  bpf_probe_read_kernel_str(e->filename, sizeof e->filename, (void *)ctx + (ctx->filename_data_loc & 0xffff));
  bpf_ringbuf_submit(e, 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
