// A read-only view of a 64-bit ELF executable or shared library (internal to link/): what uprobes and USDT
// need (segments, sections, function symbols). Every offset read from the file is bounds-checked.
//
// The file is read with pread, piece by piece, not mapped: mapping a file that carries an active uprobe with a
// semaphore (ref_ctr_offset) makes the kernel install the probe in the new mapping too and bump the semaphore
// once more, an increment that unmapping never takes back.
#pragma once

#include <elf.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ebpf/error.hpp"

namespace ebpf::link::detail {

class ElfImage {
 public:
  ElfImage(const ElfImage&) = delete;
  ElfImage& operator=(const ElfImage&) = delete;
  ElfImage(ElfImage&& o) noexcept;
  ElfImage& operator=(ElfImage&&) = delete;
  ~ElfImage();

  // Maps `path` and checks its headers. errc::malformed for files that are not 64-bit host-endian ELF.
  static Result<ElfImage> open(const std::string& path);

  struct Section {
    std::string_view name;
    std::uint64_t address = 0;
    std::uint64_t offset = 0;
    std::uint32_t type = 0;
    std::span<const std::byte> data;  // empty for SHT_NOBITS
  };
  [[nodiscard]] std::optional<Section> section(std::string_view name) const;

  // The file offset of a virtual address (through the PT_LOAD segment containing it); `executable`: only
  // in executable segments.
  [[nodiscard]] std::optional<std::uint64_t> file_offset(std::uint64_t address, bool executable) const;

  // Calls visit(name, address, size) for every defined function symbol of .symtab and .dynsym.
  void for_each_function(const std::function<void(std::string_view, std::uint64_t, std::uint64_t)>& visit) const;

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::uint16_t type() const noexcept { return type_; }  // ET_EXEC, ET_DYN

 private:
  ElfImage() = default;
  // Reads [off, off + size) of the file into a buffer kept as long as the image; empty if out of bounds or on a
  // read error.
  [[nodiscard]] std::span<const std::byte> bytes(std::uint64_t off, std::uint64_t size) const;

  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  mutable std::vector<std::unique_ptr<std::byte[]>> chunks_;
  std::uint16_t type_ = 0;
  std::vector<Elf64_Phdr> segments_;
  std::vector<Elf64_Shdr> sections_;
  std::span<const std::byte> shstrtab_;
};

}  // namespace ebpf::link::detail
