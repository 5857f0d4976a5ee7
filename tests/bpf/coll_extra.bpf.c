// Collection test object: a program the verifier rejects, one of unspecified type, freplace and fentry on a
// BPF program.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__attribute__((noinline)) int replaceable(struct __sk_buff *skb) {
  return skb->len > 1000000 ? 2 : 1;
}

SEC("socket")
int target(struct __sk_buff *skb) { return replaceable(skb) + 10; }

SEC("freplace/replaceable")
int replacement(struct __sk_buff *skb) { return 32; }

SEC("fentry/target")
int on_target(void *ctx) { return 0; }

SEC("socket")
int rejected(struct __sk_buff *skb) {
  int *p = (int *)(long)skb->len;
  return *p;  // dereferences a number: invalid mem access 'scalar'
}

SEC("ebpfpp_unknown_section")
int untyped(void *ctx) { return 0; }

char LICENSE[] SEC("license") = "GPL";
