// Target BTF for corerelo_c16.bpf.c: only its .BTF section is used.
enum corerelo_e64 { E64_BIG = 0x7700000000ULL, E64_SMALL = 5 };

struct corerelo_m {
  long long b;
  int a;
  int extra;
};

struct corerelo_nm {
  unsigned int a;  // signedness differs: exists, but does not match
};

struct corerelo_m;
struct corerelo_pm {
  struct corerelo_m *p;
};

enum corerelo_e64 e64_instance;
struct corerelo_m m_instance;
struct corerelo_nm nm_instance;
struct corerelo_pm pm_instance;
