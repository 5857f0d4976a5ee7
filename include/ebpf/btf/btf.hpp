// BTF: the BPF Type Format.
//
// A btf::Spec is a parsed BTF blob (raw /sys/kernel/btf/* file, or the bytes of an ELF .BTF section). Parsing is
// lazy and zero-copy: the blob is kept as is (owned, borrowed or memory-mapped), one linear pass records the
// offset of every type (one uint32 per id), and btf::Type is a small view that decodes its fields on demand
// (byte-swapping when the blob's byte order is not the host's). No per-type heap objects are made.
//
// Lookup by name builds, on first use, a compact open-addressing table of type ids (one uint32 per slot).
//
// Split BTF (module BTF on top of vmlinux) is a Spec with a base: ids and string offsets continue after the
// base's.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ebpf/error.hpp"

namespace ebpf::btf {

using TypeId = std::uint32_t;

enum class Kind : std::uint8_t {
  void_ = 0,  // id 0 only
  int_ = 1,
  ptr = 2,
  array = 3,
  struct_ = 4,
  union_ = 5,
  enum_ = 6,
  fwd = 7,
  typedef_ = 8,
  volatile_ = 9,
  const_ = 10,
  restrict_ = 11,
  func = 12,
  func_proto = 13,
  var = 14,
  datasec = 15,
  float_ = 16,
  decl_tag = 17,
  type_tag = 18,
  enum64 = 19,
};
inline constexpr unsigned kMaxKind = 19;

// Upper-case name as the kernel and bpftool print it: "INT", "STRUCT", "FUNC_PROTO", ... ("UNKN" for void).
std::string_view kind_name(Kind kind) noexcept;

// INT encoding bits.
inline constexpr std::uint8_t kIntSigned = 1, kIntChar = 2, kIntBool = 4;

enum class Linkage : std::uint32_t { static_ = 0, global = 1, extern_ = 2 };
std::string_view linkage_name(std::uint32_t linkage) noexcept;  // "static", "global", "extern"

struct IntInfo {
  std::uint8_t encoding = 0;  // kIntSigned | kIntChar | kIntBool
  std::uint8_t offset = 0;    // bit offset
  std::uint8_t bits = 0;      // number of bits
};

struct ArrayInfo {
  TypeId elem = 0;
  TypeId index = 0;
  std::uint32_t nelems = 0;
};

struct Member {
  std::string_view name;
  TypeId type = 0;
  std::uint32_t bit_offset = 0;     // from the start of the struct/union
  std::uint32_t bitfield_size = 0;  // 0 when not a bitfield
  std::uint32_t name_off = 0;
};

struct EnumValue {
  std::string_view name;
  std::uint64_t value = 0;  // raw bits; signed enums: static_cast<std::int64_t>(value)
  std::uint32_t name_off = 0;
};

struct Param {
  std::string_view name;
  TypeId type = 0;
  std::uint32_t name_off = 0;
};

struct VarSecInfo {
  TypeId type = 0;
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
};

namespace detail {
struct SpecImpl;
}

// A view of one type inside a Spec. Cheap to copy; valid as long as the Spec (any copy of it) lives.
// Accessors for another kind's fields return zero values; index accessors must be given i < vlen().
class Type {
 public:
  Type() = default;

  [[nodiscard]] TypeId id() const noexcept { return id_; }
  [[nodiscard]] Kind kind() const noexcept;
  [[nodiscard]] std::string_view name() const noexcept;
  [[nodiscard]] std::uint32_t name_off() const noexcept;
  [[nodiscard]] std::uint16_t vlen() const noexcept;
  [[nodiscard]] bool kind_flag() const noexcept;
  [[nodiscard]] std::uint32_t info() const noexcept;
  // The size field (INT, STRUCT, UNION, ENUM, ENUM64, DATASEC, FLOAT).
  [[nodiscard]] std::uint32_t size() const noexcept;
  // The type field (PTR, TYPEDEF, qualifiers, FUNC, VAR, DECL_TAG, TYPE_TAG; FUNC_PROTO's return type).
  [[nodiscard]] TypeId ref() const noexcept;

  [[nodiscard]] bool is_struct_or_union() const noexcept { return kind() == Kind::struct_ || kind() == Kind::union_; }
  [[nodiscard]] bool is_enum() const noexcept { return kind() == Kind::enum_ || kind() == Kind::enum64; }
  [[nodiscard]] bool is_qualifier() const noexcept;  // const, volatile, restrict, type_tag
  [[nodiscard]] bool is_signed_enum() const noexcept { return is_enum() && kind_flag(); }
  [[nodiscard]] bool is_fwd_union() const noexcept { return kind() == Kind::fwd && kind_flag(); }

  [[nodiscard]] IntInfo int_info() const noexcept;
  [[nodiscard]] ArrayInfo array() const noexcept;
  [[nodiscard]] Member member(std::size_t i) const noexcept;
  [[nodiscard]] EnumValue enumerator(std::size_t i) const noexcept;  // ENUM and ENUM64
  [[nodiscard]] Param param(std::size_t i) const noexcept;
  [[nodiscard]] VarSecInfo var_info(std::size_t i) const noexcept;
  // FUNC (stored in vlen) and VAR linkage.
  [[nodiscard]] std::uint32_t linkage() const noexcept;
  [[nodiscard]] std::int32_t component_idx() const noexcept;  // DECL_TAG

  [[nodiscard]] explicit operator bool() const noexcept { return impl_ != nullptr; }

 private:
  friend struct detail::SpecImpl;
  friend class Spec;
  Type(const detail::SpecImpl* impl, const std::byte* p, TypeId id) noexcept : impl_(impl), p_(p), id_(id) {}
  [[nodiscard]] std::uint32_t word(std::size_t i) const noexcept;

  const detail::SpecImpl* impl_ = nullptr;
  const std::byte* p_ = nullptr;  // btf_type header
  TypeId id_ = 0;
};

class Spec {
 public:
  Spec() = default;

  // Raw BTF (as /sys/kernel/btf/*); the byte order is detected from the magic. The blob is copied.
  static Result<Spec> parse(std::span<const std::byte> blob, const Spec* base = nullptr);
  // Same, taking ownership of the buffer (no copy).
  static Result<Spec> parse(std::vector<std::byte>&& blob, const Spec* base = nullptr);
  // Zero-copy over memory the caller keeps alive for the life of the Spec (and its copies).
  static Result<Spec> parse_borrowed(std::span<const std::byte> blob, const Spec* base = nullptr);
  // The bytes of an ELF .BTF section of an object with byte order `order` (copied).
  static Result<Spec> parse_elf_section(std::span<const std::byte> section, std::endian order,
                                        const Spec* base = nullptr);
  // A raw BTF file, memory-mapped (read-only, private) when the file allows it, else read.
  static Result<Spec> load_file(const std::filesystem::path& path, const Spec* base = nullptr);

  [[nodiscard]] bool empty() const noexcept { return impl_ == nullptr; }
  [[nodiscard]] std::endian byte_order() const noexcept;
  // The base of split BTF (empty Spec when none).
  [[nodiscard]] Spec base() const;
  // First id of this blob's own types (1, or the base's type_count() for split BTF).
  [[nodiscard]] TypeId first_id() const noexcept;
  // One past the highest id (ids run 0 = void .. type_count()-1, base ids included).
  [[nodiscard]] std::uint32_t type_count() const noexcept;

  // The type with `id` (0 is void). errc::not_found for ids out of range.
  [[nodiscard]] Result<Type> type(TypeId id) const noexcept;
  // The first type named `name` of `kind` (base first for split BTF). errc::not_found if none.
  [[nodiscard]] Result<Type> find(std::string_view name, Kind kind) const noexcept;
  // The first type named `name` of any kind.
  [[nodiscard]] Result<Type> find(std::string_view name) const noexcept;
  // Every type named `name` (any kind), in id order.
  [[nodiscard]] std::vector<TypeId> find_all(std::string_view name) const;

  // Iteration over this blob's own types (ids first_id() .. type_count()-1; for split BTF the base's types are
  // not included): `for (btf::Type t : spec) ...`.
  class Iterator {
   public:
    Iterator(const Spec* spec, TypeId id) : spec_(spec), id_(id) {}
    Type operator*() const { return *spec_->type(id_); }
    Iterator& operator++() {
      ++id_;
      return *this;
    }
    bool operator==(const Iterator& o) const { return id_ == o.id_; }
    bool operator!=(const Iterator& o) const { return id_ != o.id_; }

   private:
    const Spec* spec_;
    TypeId id_;
  };
  [[nodiscard]] Iterator begin() const { return Iterator(this, first_id()); }
  [[nodiscard]] Iterator end() const { return Iterator(this, type_count()); }

  // String at `offset` of the string section (base's strings first for split BTF).
  [[nodiscard]] Result<std::string_view> string_at(std::uint32_t offset) const noexcept;

  // sizeof: arrays, qualifiers, typedefs followed; PTR = 8; errors for FWD, FUNC_PROTO, void and cycles.
  [[nodiscard]] Result<std::uint64_t> size_of(TypeId id) const noexcept;
  // Alignment in bytes (packed structs have alignment 1).
  [[nodiscard]] Result<std::uint32_t> align_of(TypeId id) const noexcept;
  // Skip const/volatile/restrict/type_tag (and typedefs when `typedefs`). Bounded: cycles are an error.
  [[nodiscard]] Result<Type> skip_qualifiers(TypeId id, bool typedefs = true) const noexcept;
  // The type of a member, with qualifiers and typedefs skipped.
  [[nodiscard]] Result<Type> resolve(TypeId id) const noexcept { return skip_qualifiers(id, true); }

  // Deep validation of every own type: referenced ids in range, string offsets valid, vlen sizes, DATASEC
  // entries referencing VARs. parse() only checks structure; call this before trusting referenced ids.
  [[nodiscard]] Result<void> validate() const;

  // C declaration of `id` for messages: "struct task_struct", "const char *", "int [16]", "u32 (*)(void *)".
  [[nodiscard]] std::string format_c(TypeId id) const;
  // Same with a declarator name: "char comm[16]".
  [[nodiscard]] std::string format_c(TypeId id, std::string_view name) const;

  // The whole underlying blob (this blob only, without its base).
  [[nodiscard]] std::span<const std::byte> raw() const noexcept;

  // Heap bytes held by this Spec beyond the blob (offset index, name table once built).
  [[nodiscard]] std::size_t index_bytes() const noexcept;

  [[nodiscard]] const detail::SpecImpl* impl() const noexcept { return impl_.get(); }
  [[nodiscard]] const std::shared_ptr<const detail::SpecImpl>& impl_shared() const noexcept { return impl_; }
  explicit Spec(std::shared_ptr<const detail::SpecImpl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<const detail::SpecImpl> impl_;
};

// ---- Kernel BTF ----

// /sys/kernel/btf/vmlinux, memory-mapped and parsed once per process (thread-safe). Errors are cached too.
// Requires a kernel built with CONFIG_DEBUG_INFO_BTF (the file exists since Linux 5.4; mmap since 6.16, else it
// is read).
Result<Spec> kernel();
// Module BTF from /sys/kernel/btf/<module> as split BTF on top of kernel() (cached per module).
// Requires CONFIG_DEBUG_INFO_BTF_MODULES (Linux 5.11).
Result<Spec> kernel_module(std::string_view module);
// Names of the modules with BTF (directory listing of /sys/kernel/btf, vmlinux excluded).
std::vector<std::string> kernel_modules();

struct KernelType {
  Spec spec;         // vmlinux or the module's split spec
  Type type;         // view into spec
  std::string module;  // empty for vmlinux
};
// Find a type in vmlinux, then in every module with BTF.
Result<KernelType> find_kernel_type(std::string_view name, Kind kind);

}  // namespace ebpf::btf
