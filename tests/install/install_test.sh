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
echo "install test: cmake and pkg-config consumers built and ran"
