// .BTF.ext parsing, bounds-checked.
#include "ebpf/btf/ext.hpp"

#include "btf/impl.hpp"

namespace ebpf::btf {

std::string_view core_relo_kind_name(CoreReloKind kind) noexcept {
  static constexpr std::string_view names[] = {
      "byte_off", "byte_sz",    "field_exists", "signed",       "lshift_u64",   "rshift_u64", "local_type_id",
      "target_type_id", "type_exists", "type_size", "enumval_exists", "enumval_value", "type_matches"};
  auto k = static_cast<std::uint32_t>(kind);
  return k < std::size(names) ? names[k] : std::string_view("unknown");
}

namespace {

struct Reader {
  std::span<const std::byte> data;
  bool swap;
  [[nodiscard]] std::uint32_t u32(std::size_t off) const { return detail::load32(data.data() + off, swap); }
};

std::string ctx(const char* info, std::string_view section = {}) {
  std::string s = "btf.ext: ";
  s += info;
  if (!section.empty()) {
    s += ": section ";
    s += section;
  }
  return s;
}

// Walks one info block: rec_size, then (sec_name_off, num_info, records...)*.
template <class Record, class Decode>
Result<void> parse_block(const Reader& r, std::uint32_t off, std::uint32_t len, std::uint32_t min_rec,
                         const char* what, const Spec& btf, std::vector<SectionRecords<Record>>& out,
                         std::uint32_t& rec_size_out, Decode decode) {
  if (len == 0) return {};
  if (std::uint64_t{off} + len > r.data.size()) return fail(errc::malformed, ctx(what) + ": out of bounds");
  if (len < 4) return fail(errc::malformed, ctx(what) + ": truncated");
  std::span<const std::byte> block = r.data.subspan(off, len);
  Reader br{block, r.swap};
  std::uint32_t rec_size = br.u32(0);
  if (rec_size < min_rec || rec_size % 4 != 0 || rec_size > 1024)
    return fail(errc::malformed, ctx(what) + ": bad record size " + std::to_string(rec_size));
  rec_size_out = rec_size;
  std::size_t pos = 4;
  while (pos < block.size()) {
    if (block.size() - pos < 8) return fail(errc::malformed, ctx(what) + ": truncated section header");
    std::uint32_t name_off = br.u32(pos);
    std::uint32_t num = br.u32(pos + 4);
    pos += 8;
    auto name = btf.string_at(name_off);
    if (!name) return fail(errc::malformed, ctx(what) + ": section name offset out of range");
    if (name->empty()) return fail(errc::malformed, ctx(what) + ": empty section name");
    if (num == 0) return fail(errc::malformed, ctx(what, *name) + ": no records");
    if (std::uint64_t{num} * rec_size > block.size() - pos)
      return fail(errc::malformed, ctx(what, *name) + ": records out of bounds");
    SectionRecords<Record> sec;
    sec.section = std::string(*name);
    sec.records.resize(num);  // bounded by the section length checked above
    std::string error;        // set by decode on failure only
    for (Record& rec : sec.records) {
      if (!decode(br, pos, rec, error)) [[unlikely]]
        return fail(errc::malformed, ctx(what, *name) + ": " + error);
      pos += rec_size;
    }
    out.push_back(std::move(sec));
  }
  return {};
}

}  // namespace

Result<Ext> parse_ext(std::span<const std::byte> section, std::endian order, const Spec& btf, const ExtOptions& options) {
  if (section.size() < 8) return fail(errc::malformed, "btf.ext: shorter than its header");
  bool swap = order != std::endian::native;
  std::uint16_t magic = detail::load16(section.data(), swap);
  if (magic != detail::kMagic) return fail(errc::malformed, "btf.ext: bad magic (or wrong byte order)");
  if (static_cast<std::uint8_t>(section[2]) != 1) return fail(errc::malformed, "btf.ext: unsupported version");
  Reader r{section, swap};
  std::uint32_t hdr_len = r.u32(4);
  if (hdr_len < 24 || hdr_len > section.size()) return fail(errc::malformed, "btf.ext: bad header length");
  std::uint32_t fi_off = r.u32(8), fi_len = r.u32(12), li_off = r.u32(16), li_len = r.u32(20);
  std::uint32_t cr_off = 0, cr_len = 0;
  if (hdr_len >= 32) {
    cr_off = r.u32(24);
    cr_len = r.u32(28);
  }
  Reader data{section.subspan(hdr_len), swap};
  Ext ext;
  // The decoders fill a record in place and return false with `error` set for a bad one.
  EBPF_TRY_VOID(parse_block<FuncInfo>(data, fi_off, fi_len, 8, "func_info", btf, ext.func_info, ext.func_info_rec_size,
                                      [](const Reader& br, std::size_t p, FuncInfo& fi, std::string&) {
                                        fi = FuncInfo{br.u32(p), br.u32(p + 4)};
                                        return true;
                                      }));
  // Most line records of a section name the same file: its text is looked up once per run of equal offsets.
  const detail::SpecImpl* strings = btf.impl();
  bool have_last_file = false;  // no sentinel offset: every offset a record holds is checked once
  std::uint32_t last_file_off = 0;
  std::string_view last_file;
  auto text = [strings](std::uint32_t off, std::string_view& out) {
    if (strings == nullptr || !strings->str_valid(off)) return false;
    out = strings->str(off);
    return true;
  };
  EBPF_TRY_VOID(parse_block<LineInfo>(
      data, li_off, li_len, 16, "line_info", btf, ext.line_info, ext.line_info_rec_size,
      [&](const Reader& br, std::size_t p, LineInfo& li, std::string& error) {
        li.insn_off = br.u32(p);
        li.file_name_off = br.u32(p + 4);
        li.line_off = br.u32(p + 8);
        const std::uint32_t lc = br.u32(p + 12);
        li.line = lc >> 10;
        li.column = lc & 0x3ff;
        if (!options.line_texts) {
          if (strings != nullptr && strings->str_valid(li.file_name_off) && strings->str_valid(li.line_off)) return true;
          error = "line info string offset out of range";
          return false;
        }
        bool ok = text(li.line_off, li.line_text);
        if (have_last_file && li.file_name_off == last_file_off) {
          li.file_name = last_file;
        } else if (text(li.file_name_off, li.file_name)) {
          have_last_file = true;
          last_file_off = li.file_name_off;
          last_file = li.file_name;
        } else {
          ok = false;
        }
        if (!ok) error = "line info string offset out of range";
        return ok;
      }));
  EBPF_TRY_VOID(parse_block<CoreRelo>(
      data, cr_off, cr_len, 16, "core_relo", btf, ext.core_relos, ext.core_relo_rec_size,
      [&btf](const Reader& br, std::size_t p, CoreRelo& c, std::string& error) {
        c.insn_off = br.u32(p);
        c.type = br.u32(p + 4);
        c.access_str_off = br.u32(p + 8);
        std::uint32_t kind = br.u32(p + 12);
        if (kind > static_cast<std::uint32_t>(CoreReloKind::type_matches)) {
          error = "unknown CO-RE relocation kind " + std::to_string(kind);
          return false;
        }
        c.kind = static_cast<CoreReloKind>(kind);
        if (c.type >= btf.type_count()) {
          error = "CO-RE relocation type id out of range";
          return false;
        }
        auto a = btf.string_at(c.access_str_off);
        if (!a) {
          error = "CO-RE access string offset out of range";
          return false;
        }
        c.access = *a;
        return true;
      }));
  for (const auto& s : ext.func_info)
    for (const auto& f : s.records)
      if (f.type >= btf.type_count())
        return fail(errc::malformed, ctx("func_info", s.section) + ": type id out of range");
  return ext;
}

}  // namespace ebpf::btf
