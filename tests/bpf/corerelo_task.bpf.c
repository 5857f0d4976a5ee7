// Reads fields of the current task through CO-RE (local definition of struct task_struct, not vmlinux.h): a
// syscall program run with BPF_PROG_TEST_RUN runs in the calling thread.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
  int pid;
  int tgid;
  char comm[16];
  struct task_struct *group_leader;
} __attribute__((preserve_access_index));

struct task_ids {
  __u64 pid, tgid, leader_pid;
  char comm[16];
};

SEC("syscall")
int task_fields(struct task_ids *ids) {
  struct task_struct *t = bpf_get_current_task_btf();
  ids->pid = t->pid;
  ids->tgid = t->tgid;
  ids->leader_pid = t->group_leader->pid;
  for (int i = 0; i < 16; i++) ids->comm[i] = t->comm[i];
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
