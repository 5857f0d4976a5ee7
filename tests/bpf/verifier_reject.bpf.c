// Programs the verifier refuses, one reason each, for the verifier report tests (tests/features). Each refused
// statement carries a marker comment `// REFUSED: <program>`: the tests find its line by the marker instead of
// hard-coding a number.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} values SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} table SEC(".maps");

// A type the running kernel has, with a field no kernel has: the CO-RE relocation of its access fails, the
// loader poisons the load and the verifier reaches it.
struct task_struct {
  int ebpfpp_no_such_field;
} __attribute__((preserve_access_index));

// Reads 8 bytes past an 8-byte map value.
SEC("socket")
int out_of_bounds(struct __sk_buff *skb) {
  __u32 key = 0;
  __u64 *v = bpf_map_lookup_elem(&values, &key);
  if (!v) return 0;
  return (int)v[1];  // REFUSED: out_of_bounds
}

// Dereferences a map lookup result without checking it for NULL.
SEC("socket")
int unchecked_pointer(struct __sk_buff *skb) {
  __u32 key = skb->len;
  __u64 *v = bpf_map_lookup_elem(&table, &key);
  return *v > 0;  // REFUSED: unchecked_pointer
}

// Spins as long as the map value is zero: nothing in the loop changes, so the verifier finds the same state at
// the loop's head again.
SEC("socket")
int unbounded_loop(struct __sk_buff *skb) {
  __u32 key = 0;
  __u64 *v = bpf_map_lookup_elem(&values, &key);
  if (!v) return 0;
  while (*(volatile __u64 *)v == 0) {  // REFUSED: unbounded_loop
  }
  return 1;
}

// Reads a field of the current task that no kernel's task_struct has.
SEC("tracepoint/syscalls/sys_enter_getpid")
int core_missing_field(void *ctx) {
  int x;
  // One statement: clang gives the offset's instruction the line of the statement that computes the address.
  bpf_probe_read_kernel(&x, 4, &((struct task_struct *)bpf_get_current_task())->ebpfpp_no_such_field);  // REFUSED: core_missing_field
  return x;
}

// The refused read is in a subprogram (a bpf-to-bpf call, not inlined): the instruction the verifier stops at is
// counted from the start of the linked program.
static __attribute__((noinline)) int read_past(__u64 *v, int i) {
  return (int)v[i + 2];  // REFUSED: subprogram
}

SEC("socket")
int subprogram(struct __sk_buff *skb) {
  __u32 key = 0;
  __u64 *v = bpf_map_lookup_elem(&values, &key);
  if (!v) return 0;
  return read_past(v, skb->len & 1) + 1;
}

char LICENSE[] SEC("license") = "GPL";
