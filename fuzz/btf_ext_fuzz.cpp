// Fuzzes .BTF.ext parsing. The input is a 2-byte length L (little-endian), then L bytes of .BTF, then .BTF.ext.
#include <cstddef>
#include <cstdint>
#include <span>

#include "ebpf/btf/btf.hpp"
#include "ebpf/btf/ext.hpp"

using namespace ebpf::btf;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::size_t btf_len = data[0] | (static_cast<std::size_t>(data[1]) << 8);
  if (btf_len > size - 2) return 0;
  std::span<const std::byte> all(reinterpret_cast<const std::byte*>(data), size);
  auto btf = all.subspan(2, btf_len);
  auto ext = all.subspan(2 + btf_len);
  for (std::endian order : {std::endian::little, std::endian::big}) {
    auto spec = Spec::parse_elf_section(btf, order);
    if (!spec) continue;
    auto e = parse_ext(ext, order, *spec);
    if (!e) continue;
    std::size_t sink = 0;
    for (const auto& s : e->line_info)
      for (const auto& l : s.records) sink += l.file_name.size() + l.line_text.size();
    for (const auto& s : e->core_relos)
      for (const auto& c : s.records) sink += c.access.size() + core_relo_kind_name(c.kind).size();
    for (const auto& s : e->func_info)
      for (const auto& f : s.records) sink += spec->type(f.type).has_value();
    (void)sink;
  }
  return 0;
}
