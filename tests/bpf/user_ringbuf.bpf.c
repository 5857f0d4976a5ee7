// User ring buffer test object: `drain` (a syscall program run by BPF_PROG_TEST_RUN) drains `input` with
// bpf_user_ringbuf_drain and copies every sample it sees, unchanged, into the kernel ring buffer `echo`, so the
// test can compare what user space wrote with what the program read. Samples are 8 to 255 bytes.
// Returns the samples drained (or the helper's negative error); args->copied counts the samples echoed.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_USER_RINGBUF);
  __uint(max_entries, 4096);
} input SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 16);
} echo SEC(".maps");

struct args {
  __u32 copied;
  __u32 errors;
  __u64 flags;
};

struct drain_ctx {
  __u32 copied;
  __u32 errors;
  unsigned char buf[256];
};

// Sample layout (written by the test): u32 total size, then anything.
static long echo_one(struct bpf_dynptr *sample, void *ctx) {
  struct drain_ctx *d = ctx;
  __u32 len = 0;
  if (bpf_dynptr_read(&len, sizeof len, sample, 0, 0) != 0 || len < 8 || len > 255) {
    d->errors++;
    return 0;
  }
  if (bpf_dynptr_read(d->buf, len & 0xff, sample, 0, 0) != 0) {
    d->errors++;
    return 0;
  }
  if (bpf_ringbuf_output(&echo, d->buf, len & 0xff, 0) != 0) {
    d->errors++;
    return 0;
  }
  d->copied++;
  return 0;
}

SEC("syscall")
int drain(struct args *ctx) {
  struct drain_ctx d = {};
  long n = bpf_user_ringbuf_drain(&input, echo_one, &d, ctx->flags);
  ctx->copied = d.copied;
  ctx->errors = d.errors;
  return n;
}

char LICENSE[] SEC("license") = "GPL";
