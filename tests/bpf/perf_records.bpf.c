// Perf event buffer test object: an XDP program (run by BPF_PROG_TEST_RUN; syscall programs are sleepable and
// may not use perf event arrays) that writes `count` samples to
// the current CPU's ring of `events` with bpf_perf_event_output, in a bpf_loop. Sample i has size
// sizes[(start + i) % 4] (16, 40, 100 or 512 bytes): its first 8 bytes are the sequence number start + i, then
// the size as 4 bytes, then (size & 0xff) repeated. Outputs the kernel refuses (a full ring) are counted in
// args->dropped. The arguments are the test packet's first bytes, and the program writes its results back
// there (the test reads the packet out).
// bench_<size> writes `count` samples of <size> bytes to `bench`, each starting with its sequence number, for
// the PerfConsume benchmarks and the two-thread test.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, sizeof(__u32));
} bench SEC(".maps");

struct args {
  __u64 start;
  __u64 count;
  __u32 submitted;
  __u32 dropped;
};

struct sample_buf {
  unsigned char b[512];
};

// Lives on the caller's stack so the verifier keeps the pointers' types across the bpf_loop callback.
struct loop_ctx {
  void *prog_ctx;
  unsigned char *buf;
  __u64 start;
  __u32 submitted;
  __u32 dropped;
};

// The sample buffer is larger than the stack allows next to the loop state.
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct sample_buf);
} scratch SEC(".maps");

#define WRITE(SIZE)                                                                        \
  do {                                                                                     \
    *(__u64 *)l->buf = seq;                                                                \
    *(__u32 *)(l->buf + 8) = SIZE;                                                         \
    __builtin_memset(l->buf + 12, (SIZE) & 0xff, (SIZE) - 12);                             \
    if (bpf_perf_event_output(l->prog_ctx, &events, BPF_F_CURRENT_CPU, l->buf, SIZE) == 0) \
      l->submitted++;                                                                   \
    else                                                                                   \
      l->dropped++;                                                                     \
  } while (0)

static long write_one(__u32 i, void *ctx) {
  struct loop_ctx *l = ctx;
  __u64 seq = l->start + i;
  switch (seq % 4) {
    case 0: WRITE(16); break;
    case 1: WRITE(40); break;
    case 2: WRITE(100); break;
    default: WRITE(512); break;
  }
  return 0;
}

SEC("xdp")
int produce(struct xdp_md *ctx) {
  struct args *a = (void *)(long)ctx->data;
  if ((void *)(a + 1) > (void *)(long)ctx->data_end) return XDP_ABORTED;
  __u32 zero = 0;
  struct sample_buf *buf = bpf_map_lookup_elem(&scratch, &zero);
  if (!buf) return XDP_ABORTED;
  struct loop_ctx l = {.prog_ctx = ctx, .buf = buf->b, .start = a->start};
  bpf_loop(a->count, write_one, &l, 0);
  a = (void *)(long)ctx->data;  // re-derived: the helpers may invalidate packet pointers
  if ((void *)(a + 1) > (void *)(long)ctx->data_end) return XDP_ABORTED;
  a->submitted = l.submitted;
  a->dropped = l.dropped;
  return XDP_PASS;
}

#define BENCH(SIZE)                                                                         \
  static long bench_one_##SIZE(__u32 i, void *ctx) {                                        \
    struct loop_ctx *l = ctx;                                                               \
    *(__u64 *)l->buf = l->start + i;                                                     \
    if (bpf_perf_event_output(l->prog_ctx, &bench, BPF_F_CURRENT_CPU, l->buf, SIZE) == 0)  \
      l->submitted++;                                                                    \
    else                                                                                    \
      l->dropped++;                                                                      \
    return 0;                                                                               \
  }                                                                                         \
  SEC("xdp")                                                                                \
  int bench_##SIZE(struct xdp_md *ctx) {                                                    \
    struct args *a = (void *)(long)ctx->data;                                               \
    if ((void *)(a + 1) > (void *)(long)ctx->data_end) return XDP_ABORTED;                  \
    __u32 zero = 0;                                                                         \
    struct sample_buf *buf = bpf_map_lookup_elem(&scratch, &zero);                          \
    if (!buf) return XDP_ABORTED;                                                           \
    struct loop_ctx l = {.prog_ctx = ctx, .buf = buf->b, .start = a->start};                \
    bpf_loop(a->count, bench_one_##SIZE, &l, 0);                                            \
    a = (void *)(long)ctx->data;                                                            \
    if ((void *)(a + 1) > (void *)(long)ctx->data_end) return XDP_ABORTED;                  \
    a->submitted = l.submitted;                                                             \
    a->dropped = l.dropped;                                                                 \
    return XDP_PASS;                                                                        \
  }
BENCH(16)
BENCH(64)
BENCH(512)

char LICENSE[] SEC("license") = "GPL";
