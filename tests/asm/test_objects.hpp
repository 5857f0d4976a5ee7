// Test-only helpers: the executable sections of the compiled test objects, read with a minimal ELF64
// section-header parser (the library's ELF reader lives in elf/ and is tested there).
#pragma once

#include <bit>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace ebpf::test {

struct CodeSection {
  std::string name;
  std::vector<std::byte> bytes;
};

struct TestObject {
  std::filesystem::path path;
  std::endian order = std::endian::little;
  std::vector<CodeSection> sections;
};

// Every build/tests/bpf/*.o with its executable sections.
std::vector<TestObject> load_test_objects();

// Output lines of a shell command.
std::vector<std::string> run_lines(const std::string& command);

}  // namespace ebpf::test
