#!/usr/bin/env bash
# The whole test suite, building what users and packagers build:
#   1. g++ RelWithDebInfo: library, tool, examples, tests and benchmarks; every test through ctest;
#      then every benchmark once, briefly (a benchmark that errors fails this script).
#   2. g++ Release and Debug, clang++ Release: library, tool and examples.
#   3. `cmake --install` of the g++ Release build, consumed by the install test (find_package and pkg-config),
#      and a configure-only add_subdirectory consumer that must receive none of ebpfpp's warning flags.
# Warnings are errors in every build here (EBPFPP_WERROR=ON); users' builds default to OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
jobs=$(nproc)
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  # Paths relative to the checkout, so a second clone (CI's) hits the cache the first one filled.
  export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
fi
start=$SECONDS
step() { echo "== $* ($((SECONDS - start)) s)"; }

configure() {  # configure <dir> <build type> <c++ compiler> [extra cmake args...]
  local dir=$1 type=$2 cxx=$3
  shift 3
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" -DCMAKE_CXX_COMPILER="$cxx" -DEBPFPP_WERROR=ON \
        "${launcher[@]}" "$@" >/dev/null
}

step "g++ RelWithDebInfo: library, tool, examples, tests, benchmarks"
configure build RelWithDebInfo g++ -DEBPFPP_BUILD_BENCH=ON
cmake --build build -j"$jobs"
test -x build/bench/ebpfpp-bench || { echo "ebpfpp-bench was not built"; exit 1; }

step "ctest"
(cd build && ctest --output-on-failure -j"$jobs" --timeout 300)

step "benchmarks, one short run each"
bench_json=build/bench/short-run.json
build/bench/ebpfpp-bench --benchmark_min_time=0.001 --benchmark_format=json --benchmark_out="$bench_json" \
  --benchmark_out_format=json >/dev/null
python3 - "$bench_json" <<'EOF'
import json, sys
runs = json.load(open(sys.argv[1]))["benchmarks"]
failed = [f'{b["name"]}: {b.get("error_message", "")}' for b in runs if b.get("error_occurred")]
if not runs or failed:
    print("benchmarks that no longer run:" if failed else "no benchmark ran", *failed, sep="\n  ")
    sys.exit(1)
print(f"benchmarks: {len(runs)} ran")
EOF

for type in Release Debug; do
  step "g++ $type: library, tool, examples"
  configure "build-gcc-${type,,}" "$type" g++ -DEBPFPP_BUILD_TESTS=OFF
  cmake --build "build-gcc-${type,,}" -j"$jobs"
done

step "clang++ Release: library, tool, examples"
configure build-clang-release Release clang++ -DEBPFPP_BUILD_TESTS=OFF
cmake --build build-clang-release -j"$jobs"

step "install of the g++ Release build, consumed"
bash tests/install/install_test.sh build-gcc-release "$PWD" g++
bash tests/install/subdirectory_test.sh "$PWD" g++

step "done"
