// C rendering of a whole Spec (vmlinux.h).
//
// Types are emitted in dependency order: a struct/union needs the full definitions of the types it holds by
// value and only forward declarations of the ones it points to; typedefs need declarations of their targets.
// Anonymous types are inlined where used. Layout is preserved: gaps become unnamed bitfield padding and
// structs whose members are not naturally aligned get __attribute__((packed)).
#include <cinttypes>
#include <cstdio>
#include <unordered_map>

#include "btf/cdecl.hpp"
#include "btf/impl.hpp"
#include "ebpf/btf/dump.hpp"

namespace ebpf::btf {

namespace {

constexpr int kMaxDepth = 2000;

class CDumper {
 public:
  explicit CDumper(const Spec& spec) : spec_(spec), n_(spec.type_count()) {
    state_.assign(n_, kNone);
    declared_.assign(n_, 0);
    names_.resize(n_);
    namer_.name = [this](const Type& t) { return name_of(t); };
    namer_.anon_body = [this](const Type& t, int indent) { return body(t, indent); };
  }

  Result<std::string> run(const CDumpOptions& options) {
    std::string head;
    if (!options.guard.empty()) head += "#ifndef " + options.guard + "\n#define " + options.guard + "\n\n";
    if (options.preserve_access_index)
      head +=
          "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
          "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n"
          "#endif\n\n";
    // Anonymous enums nobody references carry constants: emit them at top level.
    std::vector<std::uint8_t> referenced(n_, 0);
    for (TypeId id = 1; id < n_; ++id) {
      Type t = *spec_.type(id);
      auto mark = [&](TypeId r) {
        if (r < n_) referenced[r] = 1;
      };
      switch (t.kind()) {
        case Kind::struct_: case Kind::union_:
          for (std::size_t i = 0; i < t.vlen(); ++i) mark(t.member(i).type);
          break;
        case Kind::func_proto:
          mark(t.ref());
          for (std::size_t i = 0; i < t.vlen(); ++i) mark(t.param(i).type);
          break;
        case Kind::array: mark(t.array().elem); break;
        default: mark(t.ref()); break;
      }
    }
    for (TypeId id = 1; id < n_; ++id) {
      Type t = *spec_.type(id);
      switch (t.kind()) {
        case Kind::struct_: case Kind::union_:
          if (!t.name().empty()) EBPF_TRY_VOID(define(id, 0));
          break;
        case Kind::enum_: case Kind::enum64:
          if (!t.name().empty()) {
            EBPF_TRY_VOID(define(id, 0));
          } else if (!referenced[id] && t.vlen() > 0) {
            out_ += "enum " + body(t, 0) + enum_attr(t) + ";\n\n";
          }
          break;
        case Kind::typedef_:
          // Compiler built-ins (__builtin_va_list) must not be redefined.
          if (!t.name().starts_with("__builtin_")) EBPF_TRY_VOID(define_typedef(id, 0));
          break;
        case Kind::fwd: declare(id); break;
        default: break;
      }
    }
    std::string tail;
    if (options.preserve_access_index)
      tail += "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n";
    if (!options.guard.empty()) tail += "#endif /* " + options.guard + " */\n";
    return head + out_ + tail;
  }

 private:
  enum : std::uint8_t { kNone, kInProgress, kDefined };

  std::string unique(std::unordered_map<std::string, int>& ns, std::string_view base) {
    int& count = ns[std::string(base)];
    std::string name(base);
    if (count > 0) name += "___" + std::to_string(count + 1);
    ++count;
    return name;
  }

  std::string name_of(const Type& t) {
    TypeId id = t.id();
    if (id >= n_) return std::string(t.name());
    if (names_[id].empty()) {
      // A forward declaration names the same tag as the definition: it takes the plain name unregistered.
      names_[id] = t.kind() == Kind::fwd ? std::string(t.name())
                                          : unique(t.kind() == Kind::typedef_ ? idents_ : tags_, t.name());
    }
    return names_[id];
  }

  static const char* tag_kw(const Type& t) {
    switch (t.kind()) {
      case Kind::struct_: return "struct";
      case Kind::union_: return "union";
      case Kind::fwd: return t.kind_flag() ? "union" : "struct";
      default: return "enum";
    }
  }

  void declare(TypeId id) {
    if (declared_[id] || state_[id] == kDefined) return;
    declared_[id] = 1;
    Type t = *spec_.type(id);
    out_ += std::string(tag_kw(t)) + " " + name_of(t) + ";\n\n";
  }

  Result<void> require(TypeId id, bool strong, int depth) {
    if (depth > kMaxDepth) return fail(errc::malformed, "btf: c dump: type graph too deep");
    EBPF_TRY(Type t, spec_.type(id));
    switch (t.kind()) {
      case Kind::ptr: return require(t.ref(), false, depth + 1);
      case Kind::array: return require(t.array().elem, true, depth + 1);
      case Kind::const_: case Kind::volatile_: case Kind::restrict_: case Kind::type_tag:
        return require(t.ref(), strong, depth + 1);
      case Kind::typedef_:
        if (t.name().starts_with("__builtin_")) return {};
        EBPF_TRY_VOID(define_typedef(id, depth + 1));
        if (strong) return require(t.ref(), true, depth + 1);
        return {};
      case Kind::struct_: case Kind::union_:
        if (t.name().empty()) {
          // Inlined where used: its requirements are met once (marking first also breaks cycles).
          if (state_[id] != kNone) return {};
          state_[id] = kDefined;
          for (std::size_t i = 0; i < t.vlen(); ++i) EBPF_TRY_VOID(require(t.member(i).type, true, depth + 1));
          return {};
        }
        if (strong) return define(id, depth + 1);
        declare(id);
        return {};
      case Kind::enum_: case Kind::enum64:
        if (!t.name().empty()) return define(id, depth + 1);
        return {};
      case Kind::fwd: declare(id); return {};
      case Kind::func_proto:
        if (state_[id] != kNone) return {};
        state_[id] = kDefined;
        EBPF_TRY_VOID(require(t.ref(), false, depth + 1));
        for (std::size_t i = 0; i < t.vlen(); ++i) EBPF_TRY_VOID(require(t.param(i).type, false, depth + 1));
        return {};
      default: return {};
    }
  }

  Result<void> define(TypeId id, int depth) {
    if (state_[id] != kNone) return {};
    state_[id] = kInProgress;
    Type t = *spec_.type(id);
    if (t.is_struct_or_union()) {
      for (std::size_t i = 0; i < t.vlen(); ++i) EBPF_TRY_VOID(require(t.member(i).type, true, depth + 1));
    }
    out_ += std::string(tag_kw(t)) + " " + name_of(t) + " " + body(t, 0) +
            (t.is_enum() ? enum_attr(t) : std::string()) + ";\n\n";
    state_[id] = kDefined;
    return {};
  }

  Result<void> define_typedef(TypeId id, int depth) {
    if (state_[id] != kNone) return {};
    state_[id] = kInProgress;
    Type t = *spec_.type(id);
    EBPF_TRY_VOID(require(t.ref(), false, depth + 1));
    out_ += "typedef " + detail::c_decl(spec_, t.ref(), name_of(t), namer_, 0) + ";\n\n";
    state_[id] = kDefined;
    return {};
  }

  std::string enum_attr(const Type& t) {
    switch (t.size()) {
      case 1: return " __attribute__((mode(byte)))";
      case 2: return " __attribute__((mode(HI)))";
      case 8: return t.kind() == Kind::enum_ ? " __attribute__((mode(DI)))" : std::string();
      default: return {};
    }
  }

  static std::string tabs(int n) { return std::string(static_cast<std::size_t>(n), '\t'); }

  // Unnamed bitfields covering bits [from, to).
  static void pad(std::string& s, std::uint64_t from, std::uint64_t to, int indent) {
    if (to - from > 512) {
      // Large gaps as one byte array (bounded output whatever the offsets say).
      if (from % 8 != 0) {
        s += tabs(indent) + "long: " + std::to_string(8 - from % 8) + ";\n";
        from += 8 - from % 8;
      }
      std::uint64_t bytes = (to - from) / 8;
      s += tabs(indent) + "char __pad_" + std::to_string(from / 8) + "[" + std::to_string(bytes) + "];\n";
      from += bytes * 8;
    }
    while (from < to) {
      std::uint64_t room = 64 - from % 64;
      std::uint64_t n = to - from < room ? to - from : room;
      s += tabs(indent) + "long: " + std::to_string(n) + ";\n";
      from += n;
    }
  }

  std::uint32_t align(TypeId id) {
    auto a = spec_.align_of(id);
    return a && *a > 0 ? *a : 1;
  }

  bool is_packed(const Type& t) {
    if (t.kind() == Kind::union_) {
      std::uint32_t a = 1;
      for (std::size_t i = 0; i < t.vlen(); ++i) a = std::max(a, align(t.member(i).type));
      return t.size() % a != 0;
    }
    std::uint32_t max_align = 1;
    for (std::size_t i = 0; i < t.vlen(); ++i) {
      Member m = t.member(i);
      std::uint32_t a = align(m.type);
      max_align = std::max(max_align, a);
      if (m.bitfield_size == 0 && m.bit_offset % (8 * a) != 0) return true;
    }
    return t.size() % max_align != 0;
  }

  std::string body(const Type& t, int indent) {
    // Anonymous types nest by value; only malformed BTF (a cycle) nests this deep.
    if (indent > 64) return "{ /* nesting too deep */ }";
    std::string s = "{\n";
    if (t.is_enum()) {
      for (std::size_t i = 0; i < t.vlen(); ++i) {
        EnumValue e = t.enumerator(i);
        s += tabs(indent + 1) + unique(idents_, e.name) + " = ";
        char buf[64];
        if (t.kind() == Kind::enum_) {
          if (t.kind_flag()) {
            std::snprintf(buf, sizeof buf, "%d", static_cast<int>(static_cast<std::int32_t>(e.value)));
          } else {
            std::snprintf(buf, sizeof buf, "%u", static_cast<unsigned>(e.value));
          }
        } else if (t.kind_flag()) {
          std::snprintf(buf, sizeof buf, "%" PRId64 "LL", static_cast<std::int64_t>(e.value));
        } else {
          std::snprintf(buf, sizeof buf, "%" PRIu64 "ULL", e.value);
        }
        s += buf;
        s += ",\n";
      }
      s += tabs(indent) + "}";
      return s;
    }
    bool packed = is_packed(t);
    bool is_union = t.kind() == Kind::union_;
    std::uint64_t pos = 0;
    std::uint32_t max_align = 1;
    for (std::size_t i = 0; i < t.vlen(); ++i) {
      Member m = t.member(i);
      std::uint32_t a = packed ? 1 : align(m.type);
      max_align = std::max(max_align, align(m.type));
      std::uint64_t bits = m.bitfield_size;
      if (bits == 0) {
        auto sz = spec_.size_of(m.type);
        bits = sz ? *sz * 8 : 0;
      }
      if (!is_union) {
        std::uint64_t natural;
        if (m.bitfield_size != 0) {
          natural = pos;
          auto unit = spec_.size_of(m.type);
          std::uint64_t ub = unit && *unit > 0 ? *unit * 8 : 8;
          if (!packed && natural / ub != (natural + m.bitfield_size - 1) / ub) natural = (natural + ub - 1) / ub * ub;
        } else {
          natural = (pos + a * 8 - 1) / (a * 8) * (a * 8);
        }
        if (m.bit_offset > natural) pad(s, pos, m.bit_offset, indent + 1);
      }
      s += tabs(indent + 1) + detail::c_decl(spec_, m.type, std::string(m.name), namer_, indent + 1);
      if (m.bitfield_size != 0) s += ": " + std::to_string(m.bitfield_size);
      s += ";\n";
      std::uint64_t end = m.bit_offset + bits;
      if (is_union) {
        pos = std::max(pos, end);
      } else {
        pos = end;
      }
    }
    std::uint64_t total = std::uint64_t{t.size()} * 8;
    std::uint32_t sa = packed ? 1 : max_align;
    std::uint64_t natural_end = (pos + sa * 8 - 1) / (sa * 8) * (sa * 8);
    if (total > natural_end || (total > pos && total != natural_end)) pad(s, pos, total, indent + 1);
    s += tabs(indent) + "}";
    if (packed) s += " __attribute__((packed))";
    return s;
  }

  const Spec& spec_;
  std::uint32_t n_;
  std::vector<std::uint8_t> state_;
  std::vector<std::uint8_t> declared_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, int> tags_, idents_;
  detail::DeclNamer namer_;
  std::string out_;
};

}  // namespace

Result<std::string> dump_c(const Spec& spec, const CDumpOptions& options) {
  if (spec.empty()) return fail(errc::invalid_argument, "btf: c dump of an empty spec");
  CDumper d(spec);
  return d.run(options);
}

}  // namespace ebpf::btf
