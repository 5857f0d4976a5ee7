// A lirc_mode2 program, kept apart from link_net: kernels without CONFIG_BPF_LIRC_MODE2 refuse to load it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("lirc_mode2")
int lirc_count(unsigned int *sample) { return 0; }

char _license[] SEC("license") = "GPL";
