// Example for the tracing guide (docs/links-tracing.md): counts openat() calls per process with a tracepoint,
// and the calls of a user-space function (named by the loader at attach time) with a uprobe.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32);    // tgid
  __type(value, __u64);  // openat() calls
} opens SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} probe_hits SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int count_openat(void *ctx) {
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  __u64 one = 1, *n = bpf_map_lookup_elem(&opens, &tgid);
  if (n)
    __sync_fetch_and_add(n, 1);
  else
    bpf_map_update_elem(&opens, &tgid, &one, BPF_NOEXIST);
  return 0;
}

SEC("uprobe")  // the target ("path:function") is given by the loader
int count_calls(void *ctx) {
  __u32 k = 0;
  __u64 *n = bpf_map_lookup_elem(&probe_hits, &k);
  if (n) __sync_fetch_and_add(n, 1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
