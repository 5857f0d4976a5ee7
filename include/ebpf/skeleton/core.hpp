// The run-time part of generated skeletons (`ebpfpp gen skeleton`): the spec, the loaded objects and the
// mappings of the data sections. Generated classes wrap one Core; code rarely uses it directly.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ebpf/collection.hpp"
#include "ebpf/collection_spec.hpp"
#include "ebpf/error.hpp"
#include "ebpf/link/link.hpp"
#include "ebpf/map.hpp"
#include "ebpf/program.hpp"

namespace ebpf::skeleton {

class Core {
 public:
  Core() = default;
  Core(Core&&) noexcept = default;
  Core& operator=(Core&&) noexcept = default;

  // Parses an object from memory (`name` for messages) or from a file. Data sections without initial
  // contents (.bss) get zero-filled contents, so that their bytes can be edited before load.
  static Result<Core> open(std::span<const std::byte> object, std::string_view name);
  static Result<Core> open(const std::filesystem::path& path);

  // errc::invalid_argument unless the object has data section `section` of exactly `size` bytes: a
  // skeleton opening another object file checks its layout this way.
  [[nodiscard]] Result<void> expect_section(std::string_view section, std::size_t size) const;

  // Loads the collection (Collection::load) and maps every data section created with BPF_F_MMAPABLE (the loader
  // sets it where the kernel supports it, Linux 5.5). Read-only sections are frozen by then, so they are
  // mapped read-only. Loading twice is errc::invalid_argument.
  Result<void> load(const CollectionOptions& options = {});
  [[nodiscard]] bool loaded() const noexcept { return loaded_; }

  // The spec; edit it before load() (variables, map sizes, ...).
  [[nodiscard]] CollectionSpec& spec() noexcept { return spec_; }
  [[nodiscard]] const CollectionSpec& spec() const noexcept { return spec_; }
  // What load() made; maps and programs already taken by take() are no longer in it.
  [[nodiscard]] Collection& collection() noexcept { return collection_; }

  // The bytes of data section `section`: before load() the spec's initial value (writable: changes go into the
  // spec); after load() the live mapping of the kernel map (read-only for frozen sections). nullptr when there
  // is no such section, or after load() when the kernel could not map it (no BPF_F_MMAPABLE before Linux 5.5).
  // The pointer stays valid when the Core is moved.
  [[nodiscard]] std::byte* section(std::string_view section) noexcept;

  // Moves the loaded map or program `name` out of the collection into `out`. Objects the collection did not
  // load (programs of unspecified type) leave `out` empty.
  void take(std::string_view name, Map& out);
  void take(std::string_view name, Program& out);
  template <class K, class V>
  Result<void> take(std::string_view name, TypedMap<K, V>& out) {
    Map m;
    take(name, m);
    if (!m.valid()) return {};
    auto typed = TypedMap<K, V>::make(std::move(m));
    if (!typed) return unexpected(std::move(typed).error());
    out = std::move(*typed);
    return {};
  }

  // Attaches `programs` (name, program) where their sections say, with the rules of Collection::attach_all:
  // programs that cannot attach from their section alone (syscall, socket filters, a bare "uprobe" or "xdp"
  // section...) and have no entry in `targets` are skipped; `targets` gives Program::attach targets by program
  // name. All or nothing: on failure every link made by this call is detached and the error names the program.
  // The links are kept until detach() or destruction. What each attach kind needs of the kernel is documented
  // in ebpf/link/.
  Result<void> attach(std::initializer_list<std::pair<std::string_view, const Program*>> programs,
                      const std::map<std::string, std::string, std::less<>>& targets = {});
  // Detaches every link attach() made.
  void detach() noexcept { links_.clear(); }
  [[nodiscard]] std::vector<Link>& links() noexcept { return links_; }

 private:
  CollectionSpec spec_;
  Collection collection_;
  std::map<std::string, Memory, std::less<>> memory_;
  std::vector<Link> links_;
  bool loaded_ = false;
};

// Bitfield accessors of generated types: `bits` bits at bit `offset` from `base`, numbered as BTF numbers them
// for an object of byte order `order` (from the least significant bit of the first byte on little-endian
// targets, from the most significant on big-endian ones).
std::uint64_t read_bits(const void* base, std::uint32_t offset, std::uint32_t bits, std::endian order) noexcept;
void write_bits(void* base, std::uint32_t offset, std::uint32_t bits, std::endian order, std::uint64_t value) noexcept;

template <class T>
T get_bits(const void* base, std::uint32_t offset, std::uint32_t bits, std::endian order) noexcept {
  std::uint64_t v = read_bits(base, offset, bits, order);
  if constexpr (std::is_same_v<T, bool>) {
    return v != 0;
  } else if constexpr (std::is_enum_v<T>) {
    return static_cast<T>(get_bits<std::underlying_type_t<T>>(base, offset, bits, order));
  } else {
    if constexpr (std::is_signed_v<T>) {
      if (bits < 64 && (v >> (bits - 1)) != 0) v |= ~std::uint64_t{0} << bits;  // sign-extend
    }
    return static_cast<T>(v);
  }
}
template <class T>
void set_bits(void* base, std::uint32_t offset, std::uint32_t bits, std::endian order, T value) noexcept {
  if constexpr (std::is_enum_v<T>) {
    write_bits(base, offset, bits, order,
               static_cast<std::uint64_t>(static_cast<std::underlying_type_t<T>>(value)));
  } else {
    write_bits(base, offset, bits, order, static_cast<std::uint64_t>(value));
  }
}

}  // namespace ebpf::skeleton
