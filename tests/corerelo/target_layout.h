/* Target layouts for the CO-RE tests: compiled into tests/bpf/corerelo_target.bpf.c (whose .BTF is the target
 * BTF) and included by the C++ test, which fills memory with this layout. The local definitions the programs
 * are compiled against live in tests/bpf/corerelo_fields.bpf.c. */
#ifndef EBPFPP_CORERELO_TARGET_LAYOUT_H
#define EBPFPP_CORERELO_TARGET_LAYOUT_H

enum corerelo_color { CR_RED = 10, CR_GREEN = 20, CR_BLUE = 30 }; /* CR_GONE is missing */

struct corerelo_inner {
  long long pad;
  int y; /* moved */
  int x;
};

struct corerelo_s {
  unsigned int c;        /* resized: unsigned short -> unsigned int, moved */
  long long b;
  int pad0;
  int a;                 /* moved */
  unsigned int bf2 : 7;  /* wider, moved */
  int bf1 : 4;           /* wider, after bf2 */
  int arr[8];            /* longer array */
  struct {
    int before;
    union {
      int anon_u;        /* now two anonymous levels deep */
      long long anon_l;
    };
  };
  struct corerelo_inner in;
  unsigned short sgn;    /* no longer signed */
  int as_bitfield : 8;   /* was a plain int */
  /* `missing` is absent */
};

/* Renamed flavour target: the local program uses struct corerelo_renamed___v1 */
struct corerelo_renamed {
  int pad[3];
  int val;
};

#endif
