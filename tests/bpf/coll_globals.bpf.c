// Programs without calls that read and write global variables at non-zero offsets of .rodata, .data and .bss:
// the ELF loader leaves them encoded, and loading patches the data-section references in their bytes.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 factor = 3;  // .rodata
const volatile __u64 bias = 7;
__u32 seed = 11;                  // .data
__u32 step = 5;
__u32 runs = 0;                   // .bss
__u64 total = 0;

SEC("socket") int read_globals(struct __sk_buff *skb) { return factor * 100 + bias + seed + step; }

SEC("socket") int write_globals(struct __sk_buff *skb) {
  runs += 1;
  total += skb->len;
  seed = step * 2;
  return runs;
}

char LICENSE[] SEC("license") = "GPL";
