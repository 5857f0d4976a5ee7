#include "ebpf/elf/file.hpp"

#include <cstring>
#include <string>

namespace ebpf::elf {
namespace {

constexpr std::size_t kEhdrSize = 64;
constexpr std::size_t kShdrSize = 64;
constexpr std::size_t kSymSize = 24;

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

// True if [off, off+len) lies within a buffer of `size` bytes, without overflow.
bool in_bounds(std::uint64_t off, std::uint64_t len, std::uint64_t size) noexcept {
  return off <= size && len <= size - off;
}

std::string section_label(const Section& s) {
  std::string label = "section ";
  if (s.name.empty())
    label += std::to_string(s.index);
  else
    label += std::string(s.name);
  return label;
}

}  // namespace

std::uint16_t File::u16(const std::byte* p) const noexcept {
  std::uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return order_ == std::endian::native ? v : static_cast<std::uint16_t>((v >> 8) | (v << 8));
}

std::uint32_t File::u32(const std::byte* p) const noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return order_ == std::endian::native ? v : __builtin_bswap32(v);
}

std::uint64_t File::u64(const std::byte* p) const noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return order_ == std::endian::native ? v : __builtin_bswap64(v);
}

Result<File> File::parse(std::span<const std::byte> bytes) {
  File f;
  f.bytes_ = bytes;
  if (bytes.size() < kEhdrSize) return fail(errc::malformed, "not an ELF file: truncated header");
  auto b = bytes.data();
  if (b[0] != std::byte{0x7f} || b[1] != std::byte{'E'} || b[2] != std::byte{'L'} || b[3] != std::byte{'F'})
    return fail(errc::malformed, "not an ELF file: bad magic");
  if (b[4] != std::byte{2}) return fail(errc::malformed, "not a 64-bit ELF file");
  if (b[5] == std::byte{1})
    f.order_ = std::endian::little;
  else if (b[5] == std::byte{2})
    f.order_ = std::endian::big;
  else
    return fail(errc::malformed, "elf header: unknown byte order " + std::to_string(static_cast<int>(b[5])));
  f.type_ = f.u16(b + 16);
  f.machine_ = f.u16(b + 18);
  const std::uint64_t shoff = f.u64(b + 40);
  const std::uint16_t shentsize = f.u16(b + 58);
  std::uint64_t shnum = f.u16(b + 60);
  std::uint32_t shstrndx = f.u16(b + 62);
  if (shoff == 0) {
    if (shnum != 0) return fail(errc::malformed, "elf header: section count without section headers");
    return f;
  }
  if (shentsize < kShdrSize)
    return fail(errc::malformed, "elf header: section header size " + std::to_string(shentsize) + " too small");
  if (!in_bounds(shoff, shentsize, bytes.size()))
    return fail(errc::malformed, "elf header: section headers at offset " + hex(shoff) + " beyond end of file");
  // Extended numbering: the real counts live in section header 0.
  if (shnum == 0) shnum = f.u64(b + shoff + 32);
  if (shstrndx == SHN_XINDEX) shstrndx = f.u32(b + shoff + 40);
  if (shnum > (bytes.size() - shoff) / shentsize)
    return fail(errc::malformed, "elf header: " + std::to_string(shnum) + " section headers at offset " + hex(shoff) +
                                     " exceed the file size");
  f.sections_.resize(shnum);
  for (std::uint64_t i = 0; i < shnum; ++i) {
    const std::byte* p = b + shoff + i * shentsize;
    Section& s = f.sections_[i];
    s.index = static_cast<std::uint32_t>(i);
    s.type = f.u32(p + 4);
    s.flags = f.u64(p + 8);
    s.offset = f.u64(p + 24);
    s.size = f.u64(p + 32);
    s.link = f.u32(p + 40);
    s.info = f.u32(p + 44);
    s.addralign = f.u64(p + 48);
    s.entsize = f.u64(p + 56);
    if (s.type != SHT_NOBITS && s.type != SHT_NULL && !in_bounds(s.offset, s.size, bytes.size()))
      return fail(errc::malformed, "section " + std::to_string(i) + ": contents at offset " + hex(s.offset) +
                                       " size " + hex(s.size) + " beyond end of file");
  }
  if (shnum == 0) return f;
  if (shstrndx >= shnum)
    return fail(errc::malformed, "elf header: section name table index " + std::to_string(shstrndx) + " out of range");
  for (std::uint64_t i = 0; i < shnum; ++i) {
    const std::uint32_t name_off = f.u32(b + shoff + i * shentsize);
    auto name = f.string_at(shstrndx, name_off);
    if (!name) return fail(name.error().with_context("section " + std::to_string(i) + ": name"));
    f.sections_[i].name = *name;
  }
  return f;
}

std::span<const std::byte> File::data(const Section& s) const noexcept {
  if (s.type == SHT_NOBITS || s.type == SHT_NULL) return {};
  return bytes_.subspan(s.offset, s.size);
}

Result<std::string_view> File::string_at(std::uint32_t strtab, std::uint64_t offset) const {
  if (strtab >= sections_.size())
    return fail(errc::malformed, "string table section " + std::to_string(strtab) + " out of range");
  const Section& s = sections_[strtab];
  if (s.type != SHT_STRTAB)
    return fail(errc::malformed, "section " + std::to_string(strtab) + " is not a string table");
  auto d = data(s);
  if (offset >= d.size())
    return fail(errc::malformed, "string table section " + std::to_string(strtab) + ": offset " + hex(offset) +
                                     " out of range");
  const char* start = reinterpret_cast<const char*>(d.data()) + offset;
  const void* nul = std::memchr(start, 0, d.size() - offset);
  if (!nul)
    return fail(errc::malformed, "string table section " + std::to_string(strtab) + ": string at offset " +
                                     hex(offset) + " is not terminated");
  return std::string_view(start, static_cast<const char*>(nul) - start);
}

Result<std::vector<Symbol>> File::symbols() const {
  const Section* symtab = nullptr;
  for (auto& s : sections_) {
    if (s.type == SHT_SYMTAB) {
      symtab = &s;
      break;
    }
  }
  std::vector<Symbol> out;
  if (!symtab) return out;
  // Only built on error paths.
  auto label = [symtab] { return section_label(*symtab); };
  if (symtab->entsize != kSymSize)
    return fail(errc::malformed, label() + ": symbol size " + std::to_string(symtab->entsize) + " is not 24");
  if (symtab->size % kSymSize != 0)
    return fail(errc::malformed, label() + ": size " + std::to_string(symtab->size) + " is not a multiple of 24");
  auto d = data(*symtab);
  const std::size_t n = d.size() / kSymSize;
  out.resize(n);
  // A string table ending in NUL (as every well-formed one does) lets each name be measured directly; string_at
  // checks the others.
  std::string_view names;
  if (symtab->link < sections_.size() && sections_[symtab->link].type == SHT_STRTAB) {
    auto t = data(sections_[symtab->link]);
    if (!t.empty() && t.back() == std::byte{0}) names = std::string_view(reinterpret_cast<const char*>(t.data()), t.size());
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::byte* p = d.data() + i * kSymSize;
    Symbol& sym = out[i];
    sym.index = static_cast<std::uint32_t>(i);
    const std::uint32_t name_off = u32(p);
    sym.info = static_cast<std::uint8_t>(p[4]);
    sym.other = static_cast<std::uint8_t>(p[5]);
    sym.section = u16(p + 6);
    sym.value = u64(p + 8);
    sym.size = u64(p + 16);
    if (name_off != 0) {
      if (name_off < names.size()) {
        sym.name = std::string_view(names.data() + name_off);
      } else {
        auto name = string_at(symtab->link, name_off);
        if (!name) return fail(name.error().with_context(label() + ": symbol " + std::to_string(i)));
        sym.name = *name;
      }
    }
    if (sym.section != SHN_UNDEF && sym.section < SHN_LORESERVE && sym.section >= sections_.size())
      return fail(errc::malformed, label() + ": symbol " + std::to_string(i) + " (" + std::string(sym.name) +
                                       "): section index " + std::to_string(sym.section) + " out of range");
  }
  return out;
}

Result<std::vector<Relocation>> File::relocations(const Section& s) const {
  // Only built on error paths.
  auto label = [&s] { return section_label(s); };
  const std::uint64_t want = s.type == SHT_RELA ? 24 : 16;
  if (s.type != SHT_REL && s.type != SHT_RELA)
    return fail(errc::malformed, label() + ": not a relocation section");
  if (s.entsize < want)
    return fail(errc::malformed, label() + ": relocation entry size " + std::to_string(s.entsize) + " is less than " +
                                     std::to_string(want) + " bytes");
  if (s.size % s.entsize != 0)
    return fail(errc::malformed, label() + ": size " + std::to_string(s.size) + " is not a multiple of the entry size");
  auto d = data(s);
  std::vector<Relocation> out(d.size() / s.entsize);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::byte* p = d.data() + i * s.entsize;
    const std::uint64_t info = u64(p + 8);
    out[i] = Relocation{u64(p), static_cast<std::uint32_t>(info >> 32), static_cast<std::uint32_t>(info),
                        s.type == SHT_RELA ? static_cast<std::int64_t>(u64(p + 16)) : 0};
  }
  return out;
}

}  // namespace ebpf::elf
