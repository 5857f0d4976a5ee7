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
    // Without the line texts: accepted exactly when the full parse is, with the same records.
    auto bare = parse_ext(ext, order, *spec, ExtOptions{.line_texts = false});
    if (e.has_value() != bare.has_value()) __builtin_trap();
    if (!e) continue;
    if (bare->line_info.size() != e->line_info.size()) __builtin_trap();
    for (std::size_t i = 0; i < e->line_info.size(); ++i) {
      const auto& a = e->line_info[i].records;
      const auto& b = bare->line_info[i].records;
      if (a.size() != b.size()) __builtin_trap();
      for (std::size_t k = 0; k < a.size(); ++k)
        if (a[k].file_name_off != b[k].file_name_off || a[k].line_off != b[k].line_off || a[k].line != b[k].line ||
            !b[k].file_name.empty())
          __builtin_trap();
    }
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
