// Skeleton attach test object: `count_syscalls` (raw_tp/sys_enter, attached from its section) counts the
// syscalls of the process whose tgid is in `target_tgid`; `untouched` (a syscall program) has no attach point
// and is skipped by attach().
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u32 target_tgid;
__u64 hits;

SEC("raw_tp/sys_enter")
int count_syscalls(void *ctx) {
  if ((bpf_get_current_pid_tgid() >> 32) == target_tgid) __sync_fetch_and_add(&hits, 1);
  return 0;
}

SEC("syscall")
int untouched(void *ctx) { return 0; }

char LICENSE[] SEC("license") = "GPL";
