// Target BTF for the CO-RE tests: only its .BTF section is used (types from ../corerelo/target_layout.h).
#include "../corerelo/target_layout.h"

struct corerelo_s corerelo_s_instance;
struct corerelo_renamed corerelo_renamed_instance;
enum corerelo_color corerelo_color_instance;
