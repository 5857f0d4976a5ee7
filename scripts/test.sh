#!/usr/bin/env bash
# The whole test suite: build with g++ (tests, tool, examples, benchmarks) and run every test with ctest,
# then check that clang++ also builds the library, tool and examples warning-free.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
jobs=$(nproc)

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++ -DEBPFPP_BUILD_BENCH=ON >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs" --timeout 300)

cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ -DEBPFPP_BUILD_TESTS=OFF >/dev/null
cmake --build build-clang -j"$jobs"
echo "clang++ build: ok"
