// ELF loader test object: struct_ops maps (.struct_ops and .struct_ops.link) whose function pointers refer to
// struct_ops programs, including a sleepable one.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct demo_ops {
  int (*init)(void *ctx);
  void (*release)(void *ctx);
  int flags;
  char name[16];
};

SEC("struct_ops/demo_init")
int demo_init(void *ctx) { return 0; }

SEC("struct_ops.s/demo_release")
int demo_release(void *ctx) { return 0; }

SEC(".struct_ops")
struct demo_ops plain_ops = {
    .init = (void *)demo_init,
    .flags = 7,
    .name = "plain",
};

SEC(".struct_ops.link")
struct demo_ops linked_ops = {
    .init = (void *)demo_init,
    .release = (void *)demo_release,
    .name = "linked",
};

char _license[] SEC("license") = "GPL";
