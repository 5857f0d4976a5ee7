// Target BTF where two flavours of struct corerelo_s disagree on where `a` is: relocating `a` is ambiguous.
struct corerelo_s___one {
  int a;
  long long b;
};
struct corerelo_s___two {
  long long b;
  int a;
};

struct corerelo_s___one corerelo_one;
struct corerelo_s___two corerelo_two;
