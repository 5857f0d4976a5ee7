#include "test_objects.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "support/kernel_test.hpp"

namespace ebpf::test {

namespace {

std::uint64_t read_uint(const std::vector<std::byte>& f, std::size_t off, std::size_t n, std::endian order) {
  if (off + n > f.size()) return 0;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t idx = order == std::endian::little ? off + n - 1 - i : off + i;
    v = v << 8 | static_cast<std::uint8_t>(f[idx]);
  }
  return v;
}

}  // namespace

std::vector<TestObject> load_test_objects() {
  std::vector<TestObject> out;
  std::vector<std::filesystem::path> paths;
  for (const auto& e : std::filesystem::directory_iterator(EBPFPP_TEST_BPF_DIR))
    if (e.path().extension() == ".o") paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> f(raw.size());
    std::memcpy(f.data(), raw.data(), raw.size());
    if (f.size() < 64 || static_cast<char>(f[0]) != 0x7f || static_cast<char>(f[1]) != 'E') continue;
    TestObject obj;
    obj.path = p;
    obj.order = static_cast<std::uint8_t>(f[5]) == 2 ? std::endian::big : std::endian::little;
    auto rd = [&](std::size_t off, std::size_t n) { return read_uint(f, off, n, obj.order); };
    std::uint64_t shoff = rd(0x28, 8);
    std::uint64_t shentsize = rd(0x3a, 2), shnum = rd(0x3c, 2), shstrndx = rd(0x3e, 2);
    auto sh = [&](std::uint64_t i, std::size_t field, std::size_t n) { return rd(shoff + i * shentsize + field, n); };
    std::uint64_t strtab = sh(shstrndx, 0x18, 8);
    for (std::uint64_t i = 0; i < shnum; ++i) {
      std::uint64_t type = sh(i, 0x04, 4), flags = sh(i, 0x08, 8);
      if (type != 1 /*PROGBITS*/ || (flags & 0x4 /*EXECINSTR*/) == 0) continue;
      std::uint64_t off = sh(i, 0x18, 8), size = sh(i, 0x20, 8);
      if (size == 0 || off + size > f.size()) continue;
      CodeSection s;
      const char* name = reinterpret_cast<const char*>(f.data() + strtab + sh(i, 0x00, 4));
      s.name = name;
      s.bytes.assign(f.begin() + static_cast<std::ptrdiff_t>(off), f.begin() + static_cast<std::ptrdiff_t>(off + size));
      obj.sections.push_back(std::move(s));
    }
    out.push_back(std::move(obj));
  }
  return out;
}

std::vector<std::string> run_lines(const std::string& command) {
  std::vector<std::string> lines;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return lines;
  std::string cur;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p) != nullptr) {
    cur += buf;
    if (!cur.empty() && cur.back() == '\n') {
      cur.pop_back();
      lines.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) lines.push_back(cur);
  ::pclose(p);
  return lines;
}

}  // namespace ebpf::test
