#!/usr/bin/env bash
# The README main job: install what is missing, build, and run the ebpfpp tool: a builder-made program, then the
# shipped example collection (examples/packet_stats.bpf.c) loaded, run on sample frames, its maps printed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# The tool, and the example collection it loads (build/examples/packet_stats.bpfel.o).
cmake --build build -j"$(nproc)" --target ebpfpp-cli ebpfpp-example-bpf

# Tracing: examples/exec_trace.bpf.c on the tracepoint sched/sched_process_exec writes {pid, comm, filename} to a
# ring buffer; `ebpfpp trace` attaches it and prints the records decoded. The demo execs a short command itself.
# Tracepoints are found through tracefs, which a fresh machine may not have mounted.
if ! mountpoint -q /sys/kernel/tracing && ! mountpoint -q /sys/kernel/debug/tracing; then
  mount -t tracefs nodev /sys/kernel/tracing
fi
echo "== ebpfpp trace build/examples/exec_trace.bpfel.o (exec events, decoded from the ring buffer) =="
trace_out=$(mktemp)
./build/tools/ebpfpp/ebpfpp trace build/examples/exec_trace.bpfel.o --duration 4 >"$trace_out" 2>&1 &
trace_pid=$!
for _ in $(seq 50); do grep -q "attached" "$trace_out" && break; sleep 0.1; done
uname -r >/dev/null
/bin/echo "hello from an exec the trace sees" >/dev/null
wait "$trace_pid"
grep -E "attached|comm=\"(uname|echo)\"" "$trace_out" || cat "$trace_out"
rm -f "$trace_out"
echo

./build/tools/ebpfpp/ebpfpp demo build/examples/packet_stats.bpfel.o
