#include "elf/btf_ext.hpp"

#include <cstring>
#include <string>

namespace ebpf::elf {
namespace {

class Reader {
 public:
  Reader(std::span<const std::byte> b, std::endian order) : b_(b), swap_(order != std::endian::native) {}
  [[nodiscard]] bool has(std::size_t off, std::size_t n) const { return off <= b_.size() && n <= b_.size() - off; }
  [[nodiscard]] std::uint32_t u32(std::size_t off) const {
    std::uint32_t v;
    std::memcpy(&v, b_.data() + off, 4);
    return swap_ ? __builtin_bswap32(v) : v;
  }
  [[nodiscard]] std::uint16_t u16(std::size_t off) const {
    std::uint16_t v;
    std::memcpy(&v, b_.data() + off, 2);
    return swap_ ? static_cast<std::uint16_t>((v >> 8) | (v << 8)) : v;
  }

 private:
  std::span<const std::byte> b_;
  bool swap_;
};

// Walks one info subsection: rec_size, then blocks of {section name, count, records}.
template <class F>
Result<void> walk(BtfExt& out, const Reader& r, std::size_t off, std::size_t len, std::size_t min_rec, const btf::Spec& btf,
                  const char* what, F&& each) {
  if (len == 0) return {};
  if (!r.has(off, len)) return fail(errc::malformed, std::string(what) + ": beyond the section");
  if (len < 4) return fail(errc::malformed, std::string(what) + ": truncated");
  const std::uint32_t rec_size = r.u32(off);
  if (rec_size < min_rec || rec_size % 4 != 0)
    return fail(errc::malformed, std::string(what) + ": record size " + std::to_string(rec_size) + " is invalid");
  std::size_t p = off + 4;
  const std::size_t end = off + len;
  while (p < end) {
    if (end - p < 8) return fail(errc::malformed, std::string(what) + ": truncated block at offset " + std::to_string(p));
    auto name = btf.string_at(r.u32(p));
    if (!name) return fail(name.error().with_context(std::string(what) + ": section name"));
    const std::uint32_t n = r.u32(p + 4);
    p += 8;
    if (n > (end - p) / rec_size)
      return fail(errc::malformed, std::string(what) + ": section " + std::string(*name) + ": " + std::to_string(n) +
                                       " records exceed the section");
    auto& info = out[*name];
    for (std::uint32_t i = 0; i < n; ++i, p += rec_size) EBPF_TRY_VOID(each(info, p));
  }
  return {};
}

}  // namespace

Result<BtfExt> parse_btf_ext(std::span<const std::byte> bytes, std::endian order, const btf::Spec& btf) {
  Reader r(bytes, order);
  BtfExt out;
  if (!r.has(0, 24)) return fail(errc::malformed, "header: truncated");
  if (r.u16(0) != 0xeb9f) return fail(errc::malformed, "header: bad magic");
  const std::uint32_t hdr_len = r.u32(4);
  if (hdr_len < 24 || !r.has(0, hdr_len)) return fail(errc::malformed, "header: length " + std::to_string(hdr_len) + " is invalid");
  auto data = bytes.subspan(hdr_len);
  Reader d(data, order);
  EBPF_TRY_VOID(walk(out, d, r.u32(8), r.u32(12), 8, btf, "func info",
                     [&](SectionExtInfo& info, std::size_t p) -> Result<void> {
                       info.funcs.push_back({d.u32(p), d.u32(p + 4)});
                       return {};
                     }));
  EBPF_TRY_VOID(walk(out, d, r.u32(16), r.u32(20), 16, btf, "line info",
                     [&](SectionExtInfo& info, std::size_t p) -> Result<void> {
                       auto file = btf.string_at(d.u32(p + 4));
                       auto line = btf.string_at(d.u32(p + 8));
                       if (!file || !line) return fail(errc::malformed, "line info: bad string offset");
                       const std::uint32_t lc = d.u32(p + 12);
                       info.lines.push_back({d.u32(p), *file, *line, lc >> 10, lc & 0x3ff});
                       return {};
                     }));
  if (hdr_len >= 32) {
    EBPF_TRY_VOID(walk(out, d, r.u32(24), r.u32(28), 16, btf, "CO-RE relocations",
                       [&](SectionExtInfo& info, std::size_t p) -> Result<void> {
                         auto access = btf.string_at(d.u32(p + 8));
                         if (!access) return fail(errc::malformed, "CO-RE relocations: bad access string offset");
                         info.core.push_back({d.u32(p), d.u32(p + 4), *access, d.u32(p + 12)});
                         return {};
                       }));
  }
  return out;
}

}  // namespace ebpf::elf
