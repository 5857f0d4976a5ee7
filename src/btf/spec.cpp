// Parsing BTF blobs and decoding type views.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "btf/impl.hpp"

namespace ebpf::btf {

using detail::load16;
using detail::load32;
using detail::SpecImpl;

std::string_view kind_name(Kind kind) noexcept {
  static constexpr std::string_view names[] = {
      "UNKN",     "INT",  "PTR",        "ARRAY", "STRUCT",   "UNION",    "ENUM",
      "FWD",      "TYPEDEF", "VOLATILE", "CONST", "RESTRICT", "FUNC",    "FUNC_PROTO",
      "VAR",      "DATASEC", "FLOAT",    "DECL_TAG", "TYPE_TAG", "ENUM64"};
  auto k = static_cast<unsigned>(kind);
  return k <= kMaxKind ? names[k] : std::string_view("UNKN");
}

std::string_view linkage_name(std::uint32_t linkage) noexcept {
  switch (linkage) {
    case 0: return "static";
    case 1: return "global";
    case 2: return "extern";
    default: return "(unknown)";
  }
}

// ---- Type ----

namespace {
constexpr std::byte kVoidHeader[12] = {};
}

std::uint32_t Type::word(std::size_t i) const noexcept { return load32(p_ + 4 * i, impl_->swap); }
std::uint32_t Type::info() const noexcept { return p_ == nullptr ? 0 : word(1); }
Kind Type::kind() const noexcept { return static_cast<Kind>((info() >> 24) & 0x1f); }
std::uint16_t Type::vlen() const noexcept { return static_cast<std::uint16_t>(info() & 0xffff); }
bool Type::kind_flag() const noexcept { return (info() >> 31) != 0; }
std::uint32_t Type::name_off() const noexcept { return p_ == nullptr ? 0 : word(0); }
std::string_view Type::name() const noexcept {
  if (impl_ == nullptr || id_ == 0) return {};
  return impl_->str(word(0));
}
std::uint32_t Type::size() const noexcept {
  switch (kind()) {
    case Kind::int_: case Kind::struct_: case Kind::union_: case Kind::enum_: case Kind::enum64:
    case Kind::datasec: case Kind::float_:
      return word(2);
    default: return 0;
  }
}
TypeId Type::ref() const noexcept {
  switch (kind()) {
    case Kind::ptr: case Kind::typedef_: case Kind::volatile_: case Kind::const_: case Kind::restrict_:
    case Kind::func: case Kind::var: case Kind::decl_tag: case Kind::type_tag: case Kind::func_proto:
      return word(2);
    default: return 0;
  }
}
bool Type::is_qualifier() const noexcept {
  auto k = kind();
  return k == Kind::const_ || k == Kind::volatile_ || k == Kind::restrict_ || k == Kind::type_tag;
}
IntInfo Type::int_info() const noexcept {
  if (kind() != Kind::int_) return {};
  std::uint32_t v = word(3);
  return {static_cast<std::uint8_t>((v >> 24) & 0x0f), static_cast<std::uint8_t>((v >> 16) & 0xff),
          static_cast<std::uint8_t>(v & 0xff)};
}
ArrayInfo Type::array() const noexcept {
  if (kind() != Kind::array) return {};
  return {word(3), word(4), word(5)};
}
Member Type::member(std::size_t i) const noexcept {
  if (!is_struct_or_union() || i >= vlen()) return {};
  std::size_t w = 3 + 3 * i;
  Member m;
  m.name_off = word(w);
  m.name = impl_->str(m.name_off);
  m.type = word(w + 1);
  std::uint32_t off = word(w + 2);
  if (kind_flag()) {
    m.bit_offset = off & 0xffffff;
    m.bitfield_size = off >> 24;
  } else {
    m.bit_offset = off;
  }
  return m;
}
EnumValue Type::enumerator(std::size_t i) const noexcept {
  EnumValue e;
  if (i >= vlen()) return e;
  if (kind() == Kind::enum_) {
    std::size_t w = 3 + 2 * i;
    e.name_off = word(w);
    std::uint32_t v = word(w + 1);
    e.value = kind_flag() ? static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(v))) : v;
  } else if (kind() == Kind::enum64) {
    std::size_t w = 3 + 3 * i;
    e.name_off = word(w);
    e.value = static_cast<std::uint64_t>(word(w + 1)) | (static_cast<std::uint64_t>(word(w + 2)) << 32);
  } else {
    return e;
  }
  e.name = impl_->str(e.name_off);
  return e;
}
Param Type::param(std::size_t i) const noexcept {
  if (kind() != Kind::func_proto || i >= vlen()) return {};
  std::size_t w = 3 + 2 * i;
  Param prm;
  prm.name_off = word(w);
  prm.name = impl_->str(prm.name_off);
  prm.type = word(w + 1);
  return prm;
}
VarSecInfo Type::var_info(std::size_t i) const noexcept {
  if (kind() != Kind::datasec || i >= vlen()) return {};
  std::size_t w = 3 + 3 * i;
  return {word(w), word(w + 1), word(w + 2)};
}
std::uint32_t Type::linkage() const noexcept {
  if (kind() == Kind::func) return vlen();
  if (kind() == Kind::var) return word(3);
  return 0;
}
std::int32_t Type::component_idx() const noexcept {
  if (kind() != Kind::decl_tag) return 0;
  return static_cast<std::int32_t>(word(3));
}

Type SpecImpl::type(TypeId id) const noexcept {
  if (id == 0) return Type(this, kVoidHeader, 0);
  const SpecImpl* s = owner(id);
  return Type(s, s->types + s->offsets[id - s->first_id], id);
}

// ---- Parsing ----

namespace {

struct VectorStorage final : detail::Storage {
  explicit VectorStorage(std::vector<std::byte>&& b) : bytes(std::move(b)) {}
  std::vector<std::byte> bytes;
};

struct MmapStorage final : detail::Storage {
  MmapStorage(void* a, std::size_t l) : addr(a), len(l) {}
  ~MmapStorage() override { ::munmap(addr, len); }
  MmapStorage(const MmapStorage&) = delete;
  MmapStorage& operator=(const MmapStorage&) = delete;
  void* addr;
  std::size_t len;
};

Error malformed(const char* what) { return Error(errc::malformed, 0, what); }

Result<Spec> parse_impl(std::shared_ptr<const detail::Storage> storage, std::span<const std::byte> blob,
                        int forced_order /* -1 detect, 0 little, 1 big */, const Spec* base);

}  // namespace

std::endian Spec::byte_order() const noexcept { return impl_ ? impl_->order : std::endian::native; }
Spec Spec::base() const {
  if (!impl_ || !impl_->base) return Spec();
  return Spec(impl_->base);
}
TypeId Spec::first_id() const noexcept { return impl_ ? impl_->first_id : 1; }
std::uint32_t Spec::type_count() const noexcept { return impl_ ? impl_->type_count() : 1; }
std::span<const std::byte> Spec::raw() const noexcept { return impl_ ? impl_->blob : std::span<const std::byte>{}; }
std::size_t Spec::index_bytes() const noexcept {
  if (!impl_) return 0;
  return impl_->offsets.capacity() * 4 + impl_->names.capacity() * 4 + sizeof(SpecImpl);
}

Result<Spec> Spec::parse(std::span<const std::byte> blob, const Spec* base) {
  std::vector<std::byte> copy(blob.begin(), blob.end());
  return parse(std::move(copy), base);
}
Result<Spec> Spec::parse(std::vector<std::byte>&& blob, const Spec* base) {
  auto storage = std::make_shared<VectorStorage>(std::move(blob));
  std::span<const std::byte> view(storage->bytes);
  return parse_impl(std::move(storage), view, -1, base);
}
Result<Spec> Spec::parse_borrowed(std::span<const std::byte> blob, const Spec* base) {
  return parse_impl(nullptr, blob, -1, base);
}
Result<Spec> Spec::parse_elf_section(std::span<const std::byte> section, std::endian order, const Spec* base) {
  auto storage = std::make_shared<VectorStorage>(std::vector<std::byte>(section.begin(), section.end()));
  std::span<const std::byte> view(storage->bytes);
  return parse_impl(std::move(storage), view, order == std::endian::big ? 1 : 0, base);
}

Result<Spec> Spec::load_file(const std::filesystem::path& path, const Spec* base) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unexpected(Error::from_errno(errno, "open").with_context(path.string()));
  struct stat st{};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return unexpected(Error::from_errno(e, "stat").with_context(path.string()));
  }
  std::size_t len = static_cast<std::size_t>(st.st_size);
  if (len > 0) {
    void* addr = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (addr != MAP_FAILED) {
      ::close(fd);
      auto storage = std::make_shared<MmapStorage>(addr, len);
      std::span<const std::byte> view(static_cast<const std::byte*>(addr), len);
      auto r = parse_impl(std::move(storage), view, -1, base);
      if (!r) return fail(r.error().with_context(path.string()));
      return r;
    }
  }
  // Not mappable (or size unknown): read it.
  std::vector<std::byte> buf;
  buf.resize(len > 0 ? len : 1 << 16);
  std::size_t have = 0;
  for (;;) {
    if (have == buf.size()) {
      if (buf.size() >= (std::size_t{1} << 31)) {
        ::close(fd);
        return fail(errc::malformed, path.string() + ": file too large");
      }
      buf.resize(buf.size() * 2);
    }
    ssize_t n = ::read(fd, buf.data() + have, buf.size() - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return unexpected(Error::from_errno(e, "read").with_context(path.string()));
    }
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  ::close(fd);
  buf.resize(have);
  auto r = parse(std::move(buf), base);
  if (!r) return fail(r.error().with_context(path.string()));
  return r;
}

namespace {

Result<Spec> parse_impl(std::shared_ptr<const detail::Storage> storage, std::span<const std::byte> blob,
                        int forced_order, const Spec* base) {
  if (blob.size() < detail::kHeaderSize) return unexpected(malformed("btf: blob shorter than its header"));
  const std::byte* b = blob.data();
  std::uint16_t magic_le;
  std::memcpy(&magic_le, b, 2);
  if constexpr (std::endian::native == std::endian::big) magic_le = __builtin_bswap16(magic_le);
  std::endian order;
  if (magic_le == detail::kMagic) {
    order = std::endian::little;
  } else if (magic_le == __builtin_bswap16(detail::kMagic)) {
    order = std::endian::big;
  } else {
    return unexpected(malformed("btf: bad magic"));
  }
  if (forced_order >= 0 && order != (forced_order == 1 ? std::endian::big : std::endian::little))
    return unexpected(malformed("btf: byte order does not match the object's"));
  bool swap = order != std::endian::native;
  if (static_cast<std::uint8_t>(b[2]) != 1) return unexpected(malformed("btf: unsupported version"));
  std::uint32_t hdr_len = load32(b + 4, swap);
  std::uint32_t type_off = load32(b + 8, swap);
  std::uint32_t type_len = load32(b + 12, swap);
  std::uint32_t str_off = load32(b + 16, swap);
  std::uint32_t str_len = load32(b + 20, swap);
  if (hdr_len < detail::kHeaderSize || hdr_len > blob.size()) return unexpected(malformed("btf: bad header length"));
  // Header bytes past the ones we know must be zero (the kernel's rule).
  for (std::size_t i = detail::kHeaderSize; i < hdr_len; ++i)
    if (b[i] != std::byte{0}) return unexpected(malformed("btf: unknown non-zero header fields"));
  std::uint64_t data_len = blob.size() - hdr_len;
  if (std::uint64_t{type_off} + type_len > data_len) return unexpected(malformed("btf: type section out of bounds"));
  if (std::uint64_t{str_off} + str_len > data_len) return unexpected(malformed("btf: string section out of bounds"));
  if (type_off % 4 != 0) return unexpected(malformed("btf: type section misaligned"));
  if (type_len % 4 != 0) return unexpected(malformed("btf: type section length not a multiple of 4"));
  if (type_len != 0 && str_len != 0 &&
      (type_off < str_off ? std::uint64_t{type_off} + type_len > str_off
                          : std::uint64_t{str_off} + str_len > type_off))
    return unexpected(malformed("btf: type and string sections overlap"));

  auto impl = std::make_shared<SpecImpl>();
  impl->storage = std::move(storage);
  impl->blob = blob;
  impl->swap = swap;
  impl->order = order;
  impl->types = b + hdr_len + type_off;
  impl->types_len = type_len;
  impl->strings = reinterpret_cast<const char*>(b + hdr_len + str_off);
  impl->strings_len = str_len;
  if (base != nullptr && !base->empty()) {
    impl->base = base->impl_shared();
    impl->first_id = base->type_count();
    impl->str_base = base->impl()->str_base + base->impl()->strings_len;
    if (str_len > 0 && impl->strings[0] != '\0') {
      // Split BTF strings need not start with an empty string; nothing to check.
    }
  } else {
    if (str_len == 0 || impl->strings[0] != '\0')
      return unexpected(malformed("btf: string section must start with an empty string"));
  }
  if (str_len > 0 && impl->strings[str_len - 1] != '\0')
    return unexpected(malformed("btf: string section not NUL-terminated"));
  if (str_len == 0 && base == nullptr) return unexpected(malformed("btf: empty string section"));

  // One linear pass: record each type's offset and check it fits.
  // Count first (no reallocation while filling) with an upper bound of type_len / 12.
  // Offsets go to a scratch array sized for the most types the section could hold (12 bytes each), then to
  // an exact-size vector: no reallocation in the loop, nothing retained beyond one uint32 per type.
  const std::byte* t = impl->types;
  std::uint32_t pos = 0;
  std::size_t count = 0;
  auto scratch = std::make_unique_for_overwrite<std::uint32_t[]>(type_len / detail::kTypeHeaderSize + 1);
  while (pos < type_len) {
    if (type_len - pos < detail::kTypeHeaderSize) return unexpected(malformed("btf: truncated type header"));
    std::uint32_t info = load32(t + pos + 4, swap);
    unsigned kind = (info >> 24) & 0x1f;
    if (kind == 0 || kind > kMaxKind) return unexpected(malformed("btf: unknown type kind"));
    std::uint32_t vlen = info & 0xffff;
    std::size_t need = detail::kTypeHeaderSize + detail::extra_size(kind, vlen);
    if (need > type_len - pos) return unexpected(malformed("btf: truncated type"));
    scratch[count++] = pos;
    pos += static_cast<std::uint32_t>(need);
  }
  if (std::uint64_t{impl->first_id} + count > 0x7fffffffu) return unexpected(malformed("btf: too many types"));
  impl->offsets.assign(scratch.get(), scratch.get() + count);
  return Spec(std::shared_ptr<const SpecImpl>(std::move(impl)));
}

}  // namespace

// ---- Lookup ----

Result<Type> Spec::type(TypeId id) const noexcept {
  if (!impl_ || id >= impl_->type_count()) return unexpected(Error(errc::not_found, 0, "btf: type id out of range"));
  return impl_->type(id);
}

Result<std::string_view> Spec::string_at(std::uint32_t offset) const noexcept {
  if (!impl_ || !impl_->str_valid(offset)) return unexpected(Error(errc::malformed, 0, "btf: string offset out of range"));
  return impl_->str(offset);
}

namespace detail {

std::uint64_t name_hash(std::string_view s) noexcept {
  // Word-at-a-time multiply-xorshift; only used within one process, so host byte order is fine.
  std::uint64_t h = 0x9e3779b97f4a7c15ull ^ s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  std::uint64_t w = 0;
  for (std::size_t j = i; j < s.size(); ++j) w = (w << 8) | static_cast<unsigned char>(s[j]);
  h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 29;
  return h;
}

void SpecImpl::build_names() const {
  std::call_once(names_once, [this] {
    // Pass 1 (sequential over types and strings): the home slot of every named type.
    // Pass 2: insert, prefetching slots a few entries ahead so the table's cache misses overlap.
    struct Pending {
      std::uint32_t hash;
      TypeId id;
    };
    std::vector<Pending> pending;
    pending.reserve(offsets.size());
    for (std::size_t i = 0; i < offsets.size(); ++i) {
      std::uint32_t n = load32(types + offsets[i], swap);
      if (n == 0) continue;
      std::string_view s = str(n);
      if (s.empty()) continue;
      pending.push_back({static_cast<std::uint32_t>(name_hash(s)), first_id + static_cast<std::uint32_t>(i)});
    }
    std::size_t cap = 16;
    while (cap < pending.size() + pending.size() / 2) cap <<= 1;
    names.assign(cap, 0);
    names_mask = static_cast<std::uint32_t>(cap - 1);
    constexpr std::size_t kAhead = 16;
    for (std::size_t i = 0; i < pending.size(); ++i) {
      if (i + kAhead < pending.size()) __builtin_prefetch(&names[pending[i + kAhead].hash & names_mask], 1);
      std::uint32_t slot = pending[i].hash & names_mask;
      while (names[slot] != 0) slot = (slot + 1) & names_mask;
      names[slot] = pending[i].id;
    }
  });
}

TypeId SpecImpl::find_own(std::string_view name, int kind) const noexcept {
  build_names();
  if (names.empty()) return 0;
  std::uint32_t slot = static_cast<std::uint32_t>(name_hash(name)) & names_mask;
  for (;;) {
    TypeId id = names[slot];
    if (id == 0) return 0;
    const std::byte* p = types + offsets[id - first_id];
    if (kind < 0 || static_cast<int>((load32(p + 4, swap) >> 24) & 0x1f) == kind) {
      if (str(load32(p, swap)) == name) return id;
    }
    slot = (slot + 1) & names_mask;
  }
}

}  // namespace detail

Result<Type> Spec::find(std::string_view name, Kind kind) const noexcept {
  if (!impl_ || name.empty()) return unexpected(Error(errc::not_found, 0, "btf: type not found"));
  if (impl_->base) {
    if (auto r = Spec(impl_->base).find(name, kind)) return r;
  }
  TypeId id = impl_->find_own(name, static_cast<int>(kind));
  if (id == 0) return unexpected(Error(errc::not_found, 0, "btf: type not found"));
  return impl_->type(id);
}

Result<Type> Spec::find(std::string_view name) const noexcept {
  if (!impl_ || name.empty()) return unexpected(Error(errc::not_found, 0, "btf: type not found"));
  if (impl_->base) {
    if (auto r = Spec(impl_->base).find(name)) return r;
  }
  TypeId id = impl_->find_own(name, -1);
  if (id == 0) return unexpected(Error(errc::not_found, 0, "btf: type not found"));
  return impl_->type(id);
}

std::vector<TypeId> Spec::find_all(std::string_view name) const {
  std::vector<TypeId> out;
  if (!impl_ || name.empty()) return out;
  if (impl_->base) out = Spec(impl_->base).find_all(name);
  const SpecImpl* s = impl_.get();
  s->build_names();
  std::uint32_t slot = static_cast<std::uint32_t>(detail::name_hash(name)) & s->names_mask;
  for (;;) {
    TypeId id = s->names[slot];
    if (id == 0) break;
    if (s->str(load32(s->types + s->offsets[id - s->first_id], s->swap)) == name) out.push_back(id);
    slot = (slot + 1) & s->names_mask;
  }
  return out;
}

// ---- Layout ----

Result<Type> Spec::skip_qualifiers(TypeId id, bool typedefs) const noexcept {
  for (int depth = 0; depth < detail::kMaxResolveDepth; ++depth) {
    EBPF_TRY(Type t, type(id));
    if (!(t.is_qualifier() || (typedefs && t.kind() == Kind::typedef_))) return t;
    id = t.ref();
  }
  return unexpected(Error(errc::malformed, 0, "btf: type chain too deep or cyclic"));
}

Result<std::uint64_t> Spec::size_of(TypeId id) const noexcept {
  std::uint64_t mult = 1;
  for (int depth = 0; depth < detail::kMaxResolveDepth; ++depth) {
    EBPF_TRY(Type t, type(id));
    switch (t.kind()) {
      case Kind::int_: case Kind::struct_: case Kind::union_: case Kind::enum_: case Kind::enum64:
      case Kind::datasec: case Kind::float_: {
        std::uint64_t r = mult * t.size();
        if (t.size() != 0 && r / t.size() != mult) return unexpected(Error(errc::malformed, 0, "btf: size overflows"));
        return r;
      }
      case Kind::ptr: return mult * 8;
      case Kind::typedef_: case Kind::volatile_: case Kind::const_: case Kind::restrict_: case Kind::type_tag:
      case Kind::var:
        id = t.ref();
        break;
      case Kind::array: {
        ArrayInfo a = t.array();
        if (a.nelems != 0 && mult > (std::uint64_t{1} << 40) / a.nelems)
          return unexpected(Error(errc::malformed, 0, "btf: array size overflows"));
        mult *= a.nelems;
        id = a.elem;
        break;
      }
      default:
        return unexpected(Error(errc::invalid_argument, 0, "btf: type has no size"));
    }
  }
  return unexpected(Error(errc::malformed, 0, "btf: type chain too deep or cyclic"));
}

namespace {
Result<std::uint32_t> align_rec(const Spec& spec, TypeId id, int depth) noexcept {
  if (depth > detail::kMaxResolveDepth) return unexpected(Error(errc::malformed, 0, "btf: type chain too deep or cyclic"));
  EBPF_TRY(Type t, spec.type(id));
  switch (t.kind()) {
    case Kind::int_: case Kind::float_: case Kind::enum_: case Kind::enum64: {
      std::uint32_t s = t.size();
      return s == 0 ? 1 : (s > 8 ? 8 : s);
    }
    case Kind::ptr: return 8;
    case Kind::typedef_: case Kind::volatile_: case Kind::const_: case Kind::restrict_: case Kind::type_tag:
    case Kind::var:
      return align_rec(spec, t.ref(), depth + 1);
    case Kind::array: return align_rec(spec, t.array().elem, depth + 1);
    case Kind::struct_: case Kind::union_: {
      std::uint32_t a = 1;
      for (std::size_t i = 0; i < t.vlen(); ++i) {
        Member m = t.member(i);
        EBPF_TRY(std::uint32_t ma, align_rec(spec, m.type, depth + 1));
        // A member not on its natural boundary means the struct is packed.
        if (m.bitfield_size == 0 && ma != 0 && m.bit_offset % (8 * ma) != 0) return 1;
        if (ma > a) a = ma;
      }
      if (t.size() % a != 0) return 1;
      return a;
    }
    default: return unexpected(Error(errc::invalid_argument, 0, "btf: type has no alignment"));
  }
}
}  // namespace

Result<std::uint32_t> Spec::align_of(TypeId id) const noexcept { return align_rec(*this, id, 0); }

// ---- Validation ----

Result<void> Spec::validate() const {
  if (!impl_) return {};
  const SpecImpl& s = *impl_;
  std::uint32_t count = s.type_count();
  auto bad = [&](TypeId id, const char* what) {
    return fail(errc::malformed, "btf: type [" + std::to_string(id) + "]: " + what);
  };
  for (std::size_t i = 0; i < s.offsets.size(); ++i) {
    TypeId id = s.first_id + static_cast<TypeId>(i);
    Type t = s.type(id);
    if (!s.str_valid(t.name_off())) return bad(id, "name offset out of range");
    Kind k = t.kind();
    switch (k) {
      case Kind::ptr: case Kind::typedef_: case Kind::volatile_: case Kind::const_: case Kind::restrict_:
      case Kind::func: case Kind::var: case Kind::decl_tag: case Kind::type_tag: case Kind::func_proto:
        if (t.ref() >= count) return bad(id, "referenced type id out of range");
        break;
      case Kind::array: {
        ArrayInfo a = t.array();
        if (a.elem >= count || a.index >= count) return bad(id, "array type id out of range");
        break;
      }
      default: break;
    }
    for (std::size_t j = 0; j < t.vlen(); ++j) {
      switch (k) {
        case Kind::struct_: case Kind::union_: {
          Member m = t.member(j);
          if (!s.str_valid(m.name_off)) return bad(id, "member name offset out of range");
          if (m.type >= count) return bad(id, "member type id out of range");
          break;
        }
        case Kind::enum_: case Kind::enum64:
          if (!s.str_valid(t.enumerator(j).name_off)) return bad(id, "enumerator name offset out of range");
          break;
        case Kind::func_proto: {
          Param p = t.param(j);
          if (!s.str_valid(p.name_off)) return bad(id, "parameter name offset out of range");
          if (p.type >= count) return bad(id, "parameter type id out of range");
          break;
        }
        case Kind::datasec: {
          VarSecInfo v = t.var_info(j);
          if (v.type >= count || v.type == 0) return bad(id, "datasec entry type id out of range");
          break;
        }
        default: break;
      }
    }
  }
  return {};
}

}  // namespace ebpf::btf
