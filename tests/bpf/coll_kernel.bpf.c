// Collection test object: .kconfig values, typed and typeless .ksyms, a weak missing ksym and a kfunc.
#include <linux/bpf.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig;
extern int CONFIG_HZ __kconfig;
extern int CONFIG_EBPFPP_NOT_A_REAL_OPTION __kconfig __weak;

extern const int bpf_prog_active __ksym;        // typed, per-CPU, in vmlinux BTF
extern const void bpf_prog_put __ksym;          // typeless: address from /proc/kallsyms
extern const int ebpfpp_no_such_ksym __ksym __weak;  // missing, weak: address 0

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

volatile __u32 kernel_version = 0;
volatile __u32 hz = 0;
volatile __u32 has_bpf_syscall = 0;
volatile __u32 not_real = 99;
volatile __u64 prog_put_addr = 0;
volatile __u32 prog_active = 1234;
volatile __u32 missing_is_null = 0;

SEC("socket")
int kconfig(struct __sk_buff *skb) {
  kernel_version = LINUX_KERNEL_VERSION;
  hz = CONFIG_HZ;
  has_bpf_syscall = CONFIG_BPF_SYSCALL;
  not_real = CONFIG_EBPFPP_NOT_A_REAL_OPTION;
  return LINUX_KERNEL_VERSION >> 16;
}

SEC("socket")
int ksym_typed(struct __sk_buff *skb) {
  const int *active = bpf_this_cpu_ptr(&bpf_prog_active);
  prog_active = *active;
  return 1;
}

SEC("socket")
int ksyms(struct __sk_buff *skb) {
  prog_put_addr = (__u64)&bpf_prog_put;
  missing_is_null = &ebpfpp_no_such_ksym == 0;
  return 1;
}

SEC("xdp")
int kfunc(struct xdp_md *ctx) {
  void *kctx = bpf_cast_to_kern_ctx(ctx);
  return kctx ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
