// Collection test object: `char NAME[N]` kconfig externs whose value is shorter than, as long as and longer than N.
// The kernel's own CONFIG_DEFAULT_HOSTNAME is read into 3 bytes; the EBPFPP_ options exist only in the synthetic
// configs of the unit tests (weak: zero on a real kernel). Also the data-section rules: an unreferenced .bss is
// pruned, and the .kconfig externs show as a map of their own.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern char CONFIG_DEFAULT_HOSTNAME[3] __kconfig __weak;
extern char CONFIG_EBPFPP_SHORT[8] __kconfig __weak;
extern char CONFIG_EBPFPP_EQUAL[4] __kconfig __weak;
extern char CONFIG_EBPFPP_LONG[2] __kconfig __weak;
extern unsigned char CONFIG_EBPFPP_BYTES[3] __kconfig __weak;

volatile char hostname[3] = {1, 1, 1};  // .data
// The object's only .bss variable, which no instruction uses: libbpf creates a 24-byte .bss map, the spec prunes it.
volatile __u64 unused_bss[3];

SEC("socket")
int kconfig_strings(struct __sk_buff *skb) {
  hostname[0] = CONFIG_DEFAULT_HOSTNAME[0];
  hostname[1] = CONFIG_DEFAULT_HOSTNAME[1];
  hostname[2] = CONFIG_DEFAULT_HOSTNAME[2];
  return CONFIG_EBPFPP_SHORT[0] + CONFIG_EBPFPP_EQUAL[0] + CONFIG_EBPFPP_LONG[0] + CONFIG_EBPFPP_BYTES[0] + 1;
}

char LICENSE[] SEC("license") = "GPL";
