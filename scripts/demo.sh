#!/usr/bin/env bash
# The README main job: install what is missing, build, and run the ebpfpp tool on the shipped example.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target ebpfpp-cli
./build/tools/ebpfpp/ebpfpp demo
