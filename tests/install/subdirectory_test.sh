#!/usr/bin/env bash
# Configures a consumer that uses add_subdirectory(ebpfpp), with ebpfpp's warnings-as-errors on, and checks
# that the consumer's own compile command carries none of ebpfpp's warning flags while the library's does.
# Arguments: <source dir> <c++ compiler>
set -euo pipefail
src=$1 cxx=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake -S "$src/tests/install/subdirectory" -B "$tmp/b" -DCMAKE_CXX_COMPILER="$cxx" -DEBPFPP_SOURCE_DIR="$src" \
      -DEBPFPP_WERROR=ON >/dev/null
python3 - "$tmp/b/compile_commands.json" <<'PY'
import json, sys
cmds = json.load(open(sys.argv[1]))
def flags(suffix):
    found = [c["command"] for c in cmds if c["file"].endswith(suffix)]
    if not found: sys.exit(f"no compile command for {suffix}")
    return found[0].split()
consumer, library = flags("consumer/main.cpp"), flags("src/map.cpp")
forced = [f for f in consumer if f.startswith("-W")]
if forced: sys.exit(f"add_subdirectory consumer got ebpfpp's warning flags: {forced}")
if "-Werror" not in library: sys.exit("the library itself lost -Werror (the check would prove nothing)")
print("add_subdirectory consumer: no warning flags forced on its targets")
PY
