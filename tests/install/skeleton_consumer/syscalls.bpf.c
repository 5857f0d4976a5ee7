// Built against vmlinux.h (ebpfpp_add_bpf_object VMLINUX): counts the syscalls of one process, attached from
// its section by the skeleton's attach().
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

__u32 target_tgid;
__u64 calls;

SEC("raw_tp/sys_enter")
int on_enter(struct bpf_raw_tracepoint_args *ctx) {
  if ((bpf_get_current_pid_tgid() >> 32) == target_tgid) __sync_fetch_and_add(&calls, 1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
