#!/usr/bin/env bash
# Installs the built ebpfpp into a temporary prefix and builds a consumer with find_package(ebpfpp) and with
# pkg-config. Arguments: <build dir> <source dir> <c++ compiler>
set -euo pipefail
build=$1 src=$2 cxx=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src/tests/install/consumer" -B "$tmp/consumer" -DCMAKE_CXX_COMPILER="$cxx" \
      -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
out=$("$tmp/consumer/consumer")
[ "$out" = "percpu_hash lookup: No such file or directory" ] || { echo "cmake consumer printed: $out"; exit 1; }
libdir=$(ls -d "$tmp"/prefix/lib*/pkgconfig | head -1)
flags=$(PKG_CONFIG_PATH="$libdir" pkg-config --cflags --libs --static ebpfpp)
# shellcheck disable=SC2086
"$cxx" "$src/tests/install/consumer/main.cpp" -o "$tmp/pc-consumer" $flags
out=$("$tmp/pc-consumer")
[ "$out" = "percpu_hash lookup: No such file or directory" ] || { echo "pkg-config consumer printed: $out"; exit 1; }
# An out-of-tree project with find_package(ebpfpp) + ebpfpp_add_bpf_object: clang object, skeleton from the
# installed tool (one object against a generated vmlinux.h), typed members, attach. Running it needs bpf()
# (root).
cmake -S "$src/tests/install/skeleton_consumer" -B "$tmp/skel" -DCMAKE_CXX_COMPILER="$cxx" \
      -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/skel" >/dev/null
[ -f "$tmp/skel/counter_bpf/counter.skel.hpp" ] || { echo "skeleton header not generated"; exit 1; }
[ -s "$tmp/skel/syscalls_bpf/vmlinux.h" ] || { echo "vmlinux.h not generated"; exit 1; }
if [ "$(id -u)" = 0 ]; then
  out=$("$tmp/skel/skeleton_consumer")
  # Three 64-byte frames: skb->len is 50 once the test run has pulled the ethernet header.
  expected=$'packets=3 bytes=150 kept=2 last=50\nsyscalls counted: yes'
  [ "$out" = "$expected" ] || { echo "skeleton consumer printed: $out"; exit 1; }
fi
echo "install test: cmake, pkg-config and skeleton consumers built and ran"
