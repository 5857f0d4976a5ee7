// A header shared by stale.bpf.c and consumer.cpp, as libbpf-style projects share one between the BPF side and
// user space. The skeleton is generated with `--include event.h --shared-types stale_event`: it aliases this
// struct and asserts its layout as the object's BTF gives it. ctest compiles consumer.cpp twice: as is (must
// compile) and with STALE_EVENT_CHANGED, which stands for an edit of the struct after the skeleton was generated
// (must fail on the skeleton's static_assert).
#pragma once

#include <linux/types.h>

struct stale_event {
  __u32 pid;
#ifdef STALE_EVENT_CHANGED
  __u64 start;
#endif
  __u64 bytes;
};
