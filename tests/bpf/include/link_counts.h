// Shared by the small link test objects: `counts` (4 slots) counts hits of the process whose tgid the test
// writes to config[0], so that other processes on the machine do not disturb the counts.
#pragma once

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} config SEC(".maps");

static __always_inline void hit(__u32 slot) {
  __u32 k = 0;
  __u64 *tgid = bpf_map_lookup_elem(&config, &k);
  if (!tgid || *tgid != (bpf_get_current_pid_tgid() >> 32)) return;
  __u64 *c = bpf_map_lookup_elem(&counts, &slot);
  if (c) __sync_fetch_and_add(c, 1);
}
