#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/kernel_test.hpp"

namespace ebpf::test {

inline std::vector<std::byte> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(c.size());
  for (std::size_t i = 0; i < c.size(); ++i) out[i] = static_cast<std::byte>(c[i]);
  return out;
}

// Extracts a section with llvm-objcopy-14 (independent of ebpfpp's own section lookup).
inline std::vector<std::byte> dump_section(const std::filesystem::path& obj, const std::string& section) {
  auto out = std::filesystem::temp_directory_path() /
             ("ebpfpp-btf-" + std::to_string(::getpid()) + "-" + obj.filename().string() + section);
  std::string cmd = "llvm-objcopy-14 --dump-section " + section + "=" + out.string() + " " + obj.string() +
                    " /dev/null 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) return {};
  auto bytes = read_bytes(out);
  std::filesystem::remove(out);
  return bytes;
}

inline std::string run_capture(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int st = ::pclose(f);
  if (status != nullptr) *status = st;
  return out;
}

inline const char* const kBtfObjects[] = {"btf_types", "btf_core"};

}  // namespace ebpf::test
