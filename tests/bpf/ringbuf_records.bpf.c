// Ring buffer test object: a syscall program (run by BPF_PROG_TEST_RUN) that writes `count` records into
// `events` in a bpf_loop. Record i has size sizes[(start + i) % 4] (16, 40, 100 or 512 bytes): its first 8 bytes
// are the sequence number start + i, then the size as 4 bytes, then (size & 0xff) repeated. Every
// `discard_every`-th record (if non-zero) is reserved and discarded. Returns the records submitted; reservations
// the full ring refuses are counted in args->dropped.
// The bench_* programs reserve N fixed-size records and submit them, for RingbufConsume benchmarks.
// `stream` writes 16-byte records {seq, ~seq} into `stream_ring` until `count` are written or the ring is full,
// and returns how many it wrote (the two-thread test resumes from there).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 16384);
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} other SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 24);
} bench SEC(".maps");

struct args {
  __u64 start;
  __u64 count;  // 64-bit: clang passes a u32 helper argument without clearing the register's upper half
  __u32 discard_every;
  __u32 submitted;
  __u32 dropped;
  __u32 to_other;  // write to `other` instead of `events`
};

#define WRITE(SIZE)                                                     \
  do {                                                                  \
    unsigned char *p = bpf_ringbuf_reserve(ring, SIZE, 0);              \
    if (!p) {                                                           \
      a->dropped++;                                                     \
      return 0;                                                         \
    }                                                                   \
    *(__u64 *)p = seq;                                                  \
    *(__u32 *)(p + 8) = SIZE;                                           \
    __builtin_memset(p + 12, (SIZE) & 0xff, (SIZE) - 12);               \
    if (a->discard_every && (seq % a->discard_every) == 0) {            \
      bpf_ringbuf_discard(p, 0);                                        \
    } else {                                                            \
      bpf_ringbuf_submit(p, 0);                                         \
      a->submitted++;                                                   \
    }                                                                   \
  } while (0)

static long write_one(__u32 i, void *ctx) {
  struct args *a = ctx;
  __u64 seq = a->start + i;
  void *ring = a->to_other ? (void *)&other : (void *)&events;
  switch (seq % 4) {
    case 0: WRITE(16); break;
    case 1: WRITE(40); break;
    case 2: WRITE(100); break;
    default: WRITE(512); break;
  }
  return 0;
}

SEC("syscall")
int produce(struct args *ctx) {
  struct args a = *ctx;
  a.submitted = 0;
  a.dropped = 0;
  bpf_loop(a.count, write_one, &a, 0);
  ctx->submitted = a.submitted;
  ctx->dropped = a.dropped;
  return a.submitted;
}

#define BENCH(SIZE)                                                      \
  static long bench_one_##SIZE(__u32 i, void *ctx) {                     \
    __u64 *p = bpf_ringbuf_reserve(&bench, SIZE, 0);                     \
    if (!p) return 1;                                                    \
    *p = i;                                                              \
    bpf_ringbuf_submit(p, BPF_RB_NO_WAKEUP);                             \
    return 0;                                                            \
  }                                                                      \
  SEC("syscall")                                                         \
  int bench_##SIZE(__u64 *count) {                                       \
    return bpf_loop(*count, bench_one_##SIZE, 0, 0);                     \
  }
BENCH(16)
BENCH(64)
BENCH(512)

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 18);
} stream_ring SEC(".maps");

struct stream_args {
  __u64 start;
  __u64 count;
  __u64 written;
};

static long stream_one(__u32 i, void *ctx) {
  struct stream_args *a = ctx;
  __u64 *p = bpf_ringbuf_reserve(&stream_ring, 16, 0);
  if (!p) return 1;  // full: stop, the caller retries from start + written
  p[0] = a->start + i;
  p[1] = ~(a->start + i);
  bpf_ringbuf_submit(p, 0);
  a->written++;
  return 0;
}

SEC("syscall")
int stream(struct stream_args *ctx) {
  struct stream_args a = *ctx;
  a.written = 0;
  bpf_loop(a.count, stream_one, &a, 0);
  ctx->written = a.written;
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
