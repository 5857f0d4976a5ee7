// Helpers for the ELF loader tests: reading test objects and patching their bytes.
#pragma once

#include <cstddef>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/kernel_test.hpp"

namespace ebpf::test {

inline std::vector<std::byte> read_object(std::string_view stem, std::string_view order = "bpfel") {
  std::ifstream in(bpf_object(stem, order), std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(chars.size());
  std::memcpy(out.data(), chars.data(), chars.size());
  return out;
}

// Little-endian patch helpers (the mutation tests use the bpfel objects).
inline void put_u16(std::vector<std::byte>& b, std::size_t off, std::uint16_t v) { std::memcpy(&b[off], &v, 2); }
inline void put_u32(std::vector<std::byte>& b, std::size_t off, std::uint32_t v) { std::memcpy(&b[off], &v, 4); }
inline void put_u64(std::vector<std::byte>& b, std::size_t off, std::uint64_t v) { std::memcpy(&b[off], &v, 8); }

}  // namespace ebpf::test
