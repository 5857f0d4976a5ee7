#include "elf_image.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <utility>

namespace ebpf::link::detail {

ElfImage::ElfImage(ElfImage&& o) noexcept
    : path_(std::move(o.path_)),
      fd_(std::exchange(o.fd_, -1)),
      size_(std::exchange(o.size_, 0)),
      chunks_(std::move(o.chunks_)),
      type_(o.type_),
      segments_(std::move(o.segments_)),
      sections_(std::move(o.sections_)),
      shstrtab_(o.shstrtab_) {}

ElfImage::~ElfImage() {
  if (fd_ >= 0) ::close(fd_);
}

std::span<const std::byte> ElfImage::bytes(std::uint64_t off, std::uint64_t size) const {
  if (off > size_ || size > size_ - off || size == 0) return {};
  auto buf = std::make_unique_for_overwrite<std::byte[]>(static_cast<std::size_t>(size));
  for (std::uint64_t done = 0; done < size;) {
    ssize_t n = ::pread(fd_, buf.get() + done, static_cast<std::size_t>(size - done), static_cast<off_t>(off + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return {};
    done += static_cast<std::uint64_t>(n);
  }
  chunks_.push_back(std::move(buf));
  return {chunks_.back().get(), static_cast<std::size_t>(size)};
}

namespace {
template <class T>
T load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
std::string_view string_at(std::span<const std::byte> table, std::uint64_t off) {
  if (off >= table.size()) return {};
  const char* s = reinterpret_cast<const char*>(table.data()) + off;
  return {s, ::strnlen(s, table.size() - off)};
}
}  // namespace

Result<ElfImage> ElfImage::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unexpected(Error::from_errno(errno, "open ELF file").with_context(path));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size <= 0) {
    int e = errno;
    ::close(fd);
    return fail(errc::malformed, path + ": empty or unreadable file", e);
  }
  ElfImage img;
  img.path_ = path;
  img.fd_ = fd;
  img.size_ = static_cast<std::uint64_t>(st.st_size);

  auto hdr_bytes = img.bytes(0, sizeof(Elf64_Ehdr));
  if (hdr_bytes.empty() || std::memcmp(hdr_bytes.data(), ELFMAG, SELFMAG) != 0)
    return fail(errc::malformed, path + ": not an ELF file");
  const auto eh = load<Elf64_Ehdr>(hdr_bytes.data());
  const unsigned char host_data = std::endian::native == std::endian::little ? ELFDATA2LSB : ELFDATA2MSB;
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != host_data)
    return fail(errc::malformed, path + ": not a 64-bit ELF file of this host's byte order");
  img.type_ = eh.e_type;
  if (eh.e_phentsize == sizeof(Elf64_Phdr)) {
    auto ph = img.bytes(eh.e_phoff, std::uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr));
    if (ph.empty() && eh.e_phnum != 0) return fail(errc::malformed, path + ": program headers out of bounds");
    for (std::size_t i = 0; i < eh.e_phnum; ++i) img.segments_.push_back(load<Elf64_Phdr>(ph.data() + i * sizeof(Elf64_Phdr)));
  }
  if (eh.e_shentsize == sizeof(Elf64_Shdr) && eh.e_shnum != 0) {
    auto sh = img.bytes(eh.e_shoff, std::uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr));
    if (sh.empty()) return fail(errc::malformed, path + ": section headers out of bounds");
    for (std::size_t i = 0; i < eh.e_shnum; ++i) img.sections_.push_back(load<Elf64_Shdr>(sh.data() + i * sizeof(Elf64_Shdr)));
    if (eh.e_shstrndx < img.sections_.size()) {
      const auto& s = img.sections_[eh.e_shstrndx];
      img.shstrtab_ = img.bytes(s.sh_offset, s.sh_size);
    }
  }
  return img;
}

std::optional<ElfImage::Section> ElfImage::section(std::string_view name) const {
  for (const auto& s : sections_) {
    if (string_at(shstrtab_, s.sh_name) != name) continue;
    Section out{name, s.sh_addr, s.sh_offset, s.sh_type, {}};
    if (s.sh_type != SHT_NOBITS) out.data = bytes(s.sh_offset, s.sh_size);
    return out;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> ElfImage::file_offset(std::uint64_t address, bool executable) const {
  for (const auto& p : segments_) {
    if (p.p_type != PT_LOAD) continue;
    if (executable && (p.p_flags & PF_X) == 0) continue;
    if (address >= p.p_vaddr && address - p.p_vaddr < p.p_memsz) return address - p.p_vaddr + p.p_offset;
  }
  return std::nullopt;
}

void ElfImage::for_each_function(const std::function<void(std::string_view, std::uint64_t, std::uint64_t)>& visit) const {
  for (const auto& s : sections_) {
    if (s.sh_type != SHT_SYMTAB && s.sh_type != SHT_DYNSYM) continue;
    if (s.sh_entsize != sizeof(Elf64_Sym) || s.sh_link >= sections_.size()) continue;
    auto syms = bytes(s.sh_offset, s.sh_size);
    const auto& strs_hdr = sections_[s.sh_link];
    auto strs = bytes(strs_hdr.sh_offset, strs_hdr.sh_size);
    for (std::size_t off = 0; off + sizeof(Elf64_Sym) <= syms.size(); off += sizeof(Elf64_Sym)) {
      const auto sym = load<Elf64_Sym>(syms.data() + off);
      const unsigned t = ELF64_ST_TYPE(sym.st_info);
      if ((t != STT_FUNC && t != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF || sym.st_value == 0) continue;
      visit(string_at(strs, sym.st_name), sym.st_value, sym.st_size);
    }
  }
}

}  // namespace ebpf::link::detail
