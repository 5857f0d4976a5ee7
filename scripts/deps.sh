#!/usr/bin/env bash
# Installs the Debian 12 packages ebpfpp needs to build, test and benchmark (as root). Quiet when all are present.
set -euo pipefail
pkgs=(cmake make g++ clang llvm libbpf-dev bpftool libgtest-dev libgmock-dev libbenchmark-dev pkg-config linux-libc-dev zlib1g-dev ccache python3 systemtap-sdt-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
