#!/usr/bin/env bash
# The README main job: install what is missing, build, and run the ebpfpp tool: a builder-made program, then the
# shipped example collection (examples/packet_stats.bpf.c) loaded, run on sample frames, its maps printed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# The tool, and the example collection it loads (build/examples/packet_stats.bpfel.o).
cmake --build build -j"$(nproc)" --target ebpfpp-cli ebpfpp-example-bpf
./build/tools/ebpfpp/ebpfpp demo build/examples/packet_stats.bpfel.o
