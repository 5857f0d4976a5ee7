// CO-RE relocations against the running kernel's BTF, compiled against the local definitions below.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct list_head {
  struct list_head *next, *prev;
} __attribute__((preserve_access_index));

struct task_struct {
  int pid;
  int tgid;
  char comm[16];
  struct list_head tasks;
} __attribute__((preserve_access_index));

struct task_struct___nope {
  int no_such_field_in_any_kernel;
} __attribute__((preserve_access_index));

struct corerelo_no_such_kernel_type {
  int x;
};

enum bpf_map_type___l { BPF_MAP_TYPE_RINGBUF___l = 0, BPF_MAP_TYPE_NO_SUCH___l = 1 };

#define NOUT 16
struct out {
  __u64 v[NOUT];
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct out);
} output SEC(".maps");

SEC("socket")
int kernel_values(struct __sk_buff *skb) {
  __u32 k = 0;
  struct out *o = bpf_map_lookup_elem(&output, &k);
  if (!o) return 0;
  o->v[0] = bpf_core_field_offset(struct task_struct, pid);
  o->v[1] = bpf_core_field_offset(struct task_struct, tgid);
  o->v[2] = bpf_core_field_size(struct task_struct, comm);
  o->v[3] = bpf_core_field_offset(struct task_struct, comm);
  o->v[4] = bpf_core_field_exists(struct task_struct___nope, no_such_field_in_any_kernel);
  o->v[5] = bpf_core_type_size(struct task_struct);
  o->v[6] = bpf_core_type_exists(struct corerelo_no_such_kernel_type);
  o->v[7] = bpf_core_enum_value(enum bpf_map_type___l, BPF_MAP_TYPE_RINGBUF___l);
  o->v[8] = bpf_core_enum_value_exists(enum bpf_map_type___l, BPF_MAP_TYPE_NO_SUCH___l);
  o->v[9] = bpf_core_type_id_kernel(struct task_struct);
  o->v[10] = bpf_core_field_offset(struct task_struct, tasks.prev);
  o->v[11] = bpf_core_type_exists(struct task_struct);
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
