// ELF loader test object: a 64-bit map_extra, encoded as an enum whose single value is the number (the form of
// newer libbpf's __ulong; Debian's libbpf 1.1 cannot read it). Needs BTF_KIND_ENUM64: built with clang >= 15.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
  __type(value, __u64);
  __uint(max_entries, 16);
  enum { big_extra_value = 0x500000003ull } map_extra;
} big_extra SEC(".maps");

SEC("xdp")
int uses_big_extra(struct xdp_md *ctx) {
  __u64 v = 1;
  return bpf_map_push_elem(&big_extra, &v, 0) ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
