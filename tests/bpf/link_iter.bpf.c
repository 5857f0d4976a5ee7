// Iterator test object: iter/task writes the tgid and pid of every task (8 bytes per task); iter/bpf_map writes
// the id of every map (4 bytes per map). (This kernel refuses to load iter/bpf_map_elem programs: EPERM.)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct seq_file;
struct bpf_iter_meta {
  struct seq_file *seq;
  __u64 session_id;
  __u64 seq_num;
} __attribute__((preserve_access_index));

struct task_struct {
  int pid;
  int tgid;
} __attribute__((preserve_access_index));

struct bpf_iter__task {
  struct bpf_iter_meta *meta;
  struct task_struct *task;
} __attribute__((preserve_access_index));

struct bpf_map {
  __u32 id;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_map {
  struct bpf_iter_meta *meta;
  struct bpf_map *map;
} __attribute__((preserve_access_index));

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, __u64);
} walked SEC(".maps");

SEC("iter/task")
int dump_tasks(struct bpf_iter__task *ctx) {
  struct task_struct *t = ctx->task;
  if (!t) return 0;
  __u32 ids[2] = {t->tgid, t->pid};
  bpf_seq_write(ctx->meta->seq, ids, sizeof ids);
  return 0;
}

SEC("iter/bpf_map")
int dump_maps(struct bpf_iter__bpf_map *ctx) {
  struct bpf_map *m = ctx->map;
  if (!m) return 0;
  __u32 id = m->id;
  bpf_seq_write(ctx->meta->seq, &id, sizeof id);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
