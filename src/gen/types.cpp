// C++ definitions of BTF types (see ebpf/gen/skeleton.hpp for the mapping).
#include "gen/types.hpp"

#include <algorithm>

#include "ebpf/gen/skeleton.hpp"

namespace ebpf::gen::detail {

namespace {
constexpr int kMaxDepth = 64;

std::uint32_t round_up(std::uint32_t v, std::uint32_t a) { return a <= 1 ? v : (v + a - 1) / a * a; }

std::string indent_of(int depth) { return std::string(static_cast<std::size_t>(depth) * 2, ' '); }

Error unsupported(const btf::Spec& btf, btf::TypeId id, std::string_view why) {
  std::string m = "type ";
  m += btf.format_c(id);
  m += ": ";
  m += why;
  return Error::make(errc::not_supported, std::move(m));
}
}  // namespace

Result<std::string> TypeWriter::int_name(const btf::Type& t) const {
  btf::IntInfo info = t.int_info();
  if ((info.encoding & btf::kIntBool) != 0 && t.size() == 1) return std::string("bool");
  if (t.name() == "char" && t.size() == 1) return std::string("char");
  const bool is_signed = (info.encoding & btf::kIntSigned) != 0;
  switch (t.size()) {
    case 1: return std::string(is_signed ? "std::int8_t" : "std::uint8_t");
    case 2: return std::string(is_signed ? "std::int16_t" : "std::uint16_t");
    case 4: return std::string(is_signed ? "std::int32_t" : "std::uint32_t");
    case 8: return std::string(is_signed ? "std::int64_t" : "std::uint64_t");
    default: return unexpected(unsupported(btf_, t.id(), "integer size " + std::to_string(t.size())));
  }
}

Result<std::string> TypeWriter::name_of(const btf::Type& t) {
  if (auto it = names_.find(t.id()); it != names_.end()) return it->second;
  std::string raw(t.name());
  if (raw.empty()) raw = "anon_" + std::to_string(t.id());
  return names_.emplace(t.id(), scope_.add(raw)).first->second;
}

Result<TypeWriter::Spelling> TypeWriter::spell(btf::TypeId id, int depth) {
  if (depth > kMaxDepth) return unexpected(unsupported(btf_, id, "type chain too deep"));
  EBPF_TRY(btf::Type t, strip(id));
  switch (t.kind()) {
    case btf::Kind::int_: {
      if (t.size() == 16) return Spelling{"std::uint64_t", "[2]"};  // __int128: no portable C++ type
      EBPF_TRY(std::string n, int_name(t));
      return Spelling{n, ""};
    }
    case btf::Kind::float_:
      if (t.size() == 4) return Spelling{"float", ""};
      if (t.size() == 8) return Spelling{"double", ""};
      return Spelling{"std::uint64_t", "[" + std::to_string(t.size() / 8) + "]"};  // host long double differs
    case btf::Kind::ptr: return Spelling{"std::uint64_t", ""};  // a BPF pointer: 8 bytes on every host
    case btf::Kind::enum_:
    case btf::Kind::enum64: {
      if (t.name().empty() && !names_.contains(t.id())) {
        const bool s = t.is_signed_enum();
        switch (t.size()) {
          case 1: return Spelling{s ? "std::int8_t" : "std::uint8_t", ""};
          case 2: return Spelling{s ? "std::int16_t" : "std::uint16_t", ""};
          case 4: return Spelling{s ? "std::int32_t" : "std::uint32_t", ""};
          case 8: return Spelling{s ? "std::int64_t" : "std::uint64_t", ""};
          default: return unexpected(unsupported(btf_, id, "enum size " + std::to_string(t.size())));
        }
      }
      EBPF_TRY(std::string n, name_of(t));
      if (!defined_.contains(t.id())) {
        if (shared_.contains(std::string(t.name()))) EBPF_TRY_VOID(define_shared(t, n));
        else EBPF_TRY_VOID(define_enum(t, n));
      }
      return Spelling{n, ""};
    }
    case btf::Kind::struct_:
    case btf::Kind::union_: {
      EBPF_TRY(std::string n, name_of(t));
      if (!defined_.contains(t.id())) {
        if (defining_.contains(t.id())) return unexpected(unsupported(btf_, id, "contains itself"));
        if (!t.name().empty() && shared_.contains(std::string(t.name()))) EBPF_TRY_VOID(define_shared(t, n));
        else EBPF_TRY_VOID(define_record(t, n));
      }
      return Spelling{n, ""};
    }
    case btf::Kind::typedef_: {
      EBPF_TRY(btf::Type resolved, btf_.resolve(t.ref()));
      if (resolved.kind() == btf::Kind::int_ || resolved.kind() == btf::Kind::float_ || resolved.kind() == btf::Kind::ptr)
        return spell(resolved.id(), depth + 1);
      EBPF_TRY(btf::Type target, strip(t.ref()));
      switch (target.kind()) {
        case btf::Kind::struct_: case btf::Kind::union_: case btf::Kind::enum_: case btf::Kind::enum64:
          // typedef struct { ... } name_t: the struct takes the typedef's name.
          if (target.name().empty() && !names_.contains(target.id())) names_.emplace(target.id(), scope_.add(t.name()));
          if (target.name().empty() || target.name() == t.name()) return spell(target.id(), depth + 1);
          break;
        default: break;
      }
      if (auto it = names_.find(t.id()); it != names_.end() && defined_.contains(t.id())) return Spelling{it->second, ""};
      EBPF_TRY(Spelling s, spell(t.ref(), depth + 1));
      EBPF_TRY(std::string n, name_of(t));
      out_ += indent_ + "using " + n + " = " + s.base + s.suffix + ";\n\n";
      defined_.insert(t.id());
      return Spelling{n, ""};
    }
    case btf::Kind::array: {
      btf::ArrayInfo a = t.array();
      EBPF_TRY(Spelling s, spell(a.elem, depth + 1));
      return Spelling{s.base, "[" + std::to_string(a.nelems) + "]" + s.suffix};
    }
    default: return unexpected(unsupported(btf_, id, "has no value representation"));
  }
}

Result<std::string> TypeWriter::declare(btf::TypeId id, const std::string& name) {
  EBPF_TRY(Spelling s, spell(id));
  // A type whose name is also a member name of the struct being written is named through the class
  // (`skel::mode mode;`): C++ forbids a name changing meaning inside a class.
  if (qualify_.contains(s.base)) s.base = qualifier_ + "::" + s.base;
  return s.base + " " + name + s.suffix;
}

std::set<std::string> TypeWriter::member_names(const std::vector<Field>& fields) const {
  std::set<std::string> names;
  for (const Field& f : fields) {
    if (!f.name.empty()) {
      names.insert(cxx_identifier(f.name));
      continue;
    }
    if (f.type == 0) continue;
    auto t = btf_.skip_qualifiers(f.type, false);
    if (!t || !t->is_struct_or_union()) continue;
    std::vector<Field> inner;  // an anonymous member's names belong to the enclosing struct
    for (std::size_t k = 0; k < t->vlen(); ++k) inner.push_back(Field{t->member(k).name, t->member(k).type, 0, 0, 0});
    names.merge(member_names(inner));
  }
  return names;
}

Result<std::string> TypeWriter::type_argument(btf::TypeId id) {
  // Arrays, also behind typedefs, as std::array: a C array is no value type.
  EBPF_TRY(btf::Type resolved, btf_.resolve(id));
  EBPF_TRY(Spelling s, spell(resolved.kind() == btf::Kind::array ? resolved.id() : id));
  std::string out = s.base;
  // "[4][2]" -> std::array<std::array<T, 2>, 4>
  std::vector<std::string> dims;
  for (std::size_t i = 0; i < s.suffix.size();) {
    std::size_t close = s.suffix.find(']', i);
    dims.push_back(s.suffix.substr(i + 1, close - i - 1));
    i = close + 1;
  }
  for (auto it = dims.rbegin(); it != dims.rend(); ++it) out = "std::array<" + out + ", " + *it + ">";
  return out;
}

Result<void> TypeWriter::define_enum(const btf::Type& t, const std::string& name) {
  defined_.insert(t.id());
  const bool s = t.is_signed_enum();
  std::string underlying;
  switch (t.size()) {
    case 1: underlying = s ? "std::int8_t" : "std::uint8_t"; break;
    case 2: underlying = s ? "std::int16_t" : "std::uint16_t"; break;
    case 4: underlying = s ? "std::int32_t" : "std::uint32_t"; break;
    case 8: underlying = s ? "std::int64_t" : "std::uint64_t"; break;
    default: return unexpected(unsupported(btf_, t.id(), "enum size " + std::to_string(t.size())));
  }
  std::string text = indent_ + "enum class " + name + " : " + underlying + " {";
  Scope scope;
  for (std::size_t i = 0; i < t.vlen(); ++i) {
    btf::EnumValue e = t.enumerator(i);
    std::uint64_t bits = e.value;
    if (t.kind() == btf::Kind::enum_) bits = s ? static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(bits))) : (bits & 0xffffffffu);
    std::string value;
    if (s && static_cast<std::int64_t>(bits) == INT64_MIN) value = "-9223372036854775807 - 1";
    else if (s) value = std::to_string(static_cast<std::int64_t>(bits));
    else value = std::to_string(bits) + (bits > 0x7fffffffffffffffu ? "u" : "");
    text += i == 0 ? "\n" : ",\n";
    text += indent_ + "  " + scope.add(e.name) + " = " + value;
  }
  text += t.vlen() == 0 ? "};\n" : "\n" + indent_ + "};\n";
  text += indent_ + "static_assert(sizeof(" + name + ") == " + std::to_string(t.size()) + ");\n\n";
  out_ += text;
  return {};
}

void TypeWriter::shared_asserts(const btf::Type& t, const std::string& prefix, std::uint32_t base,
                                std::vector<Assert>& out, int depth) const {
  if (depth > kMaxDepth) return;
  for (std::size_t i = 0; i < t.vlen(); ++i) {
    btf::Member m = t.member(i);
    if (m.bitfield_size != 0) continue;  // offsetof cannot name a bitfield; sizeof still covers it
    const std::uint32_t off = base + m.bit_offset / 8;
    auto mt = btf_.skip_qualifiers(m.type, false);
    const bool anon = mt && mt->is_struct_or_union() && mt->name().empty();
    if (!m.name.empty()) out.push_back({prefix + std::string(m.name), off});
    if (anon) shared_asserts(*mt, m.name.empty() ? prefix : prefix + std::string(m.name) + ".", off, out, depth + 1);
  }
}

Result<void> TypeWriter::define_shared(const btf::Type& t, const std::string& name) {
  defined_.insert(t.id());
  const std::string c_name(t.name());
  std::string text = indent_ + "using " + name + " = ::" + c_name + ";  // from a shared header\n";
  if (t.is_enum()) {
    text += indent_ + "static_assert(sizeof(" + name + ") == " + std::to_string(t.size()) + ");\n";
    for (std::size_t i = 0; i < t.vlen(); ++i) {
      btf::EnumValue e = t.enumerator(i);
      std::uint64_t bits = e.value;
      if (t.kind() == btf::Kind::enum_) bits &= 0xffffffffu;
      // Compared as the BTF stores them: the low t.size() bytes.
      const std::string mask = t.size() >= 8 ? "" : " & 0x" + std::string(t.size() * 2, 'f') + "ull";
      text += indent_ + "static_assert((static_cast<unsigned long long>(::" + std::string(e.name) + ")" + mask +
              ") == " + std::to_string(bits) + "ull);\n";
    }
  } else {
    EBPF_TRY(std::uint32_t align, btf_.align_of(t.id()));
    text += indent_ + "static_assert(sizeof(" + name + ") == " + std::to_string(t.size()) + " && alignof(" + name +
            ") == " + std::to_string(align) + ");\n";
    std::vector<Assert> asserts;
    shared_asserts(t, "", 0, asserts, 0);
    for (const Assert& a : asserts)
      text += indent_ + "static_assert(offsetof(" + name + ", " + a.designator + ") == " + std::to_string(a.offset) + ");\n";
  }
  out_ += text + "\n";
  return {};
}

std::string TypeWriter::pad(const std::string& indent, Scope& scope, std::uint32_t at, std::uint32_t bytes) const {
  return indent + "std::uint8_t " + scope.add("pad_" + std::to_string(at) + "_") + "[" + std::to_string(bytes) + "];\n";
}

Result<TypeWriter::Body> TypeWriter::layout(const std::vector<Field>& fields, std::uint32_t size, std::uint32_t align,
                                            bool is_union, Context& ctx) {
  if (ctx.depth > kMaxDepth) return fail(errc::not_supported, "types nested too deeply");
  Body body;
  const std::string ind = indent_ + indent_of(ctx.depth);
  auto align_of = [&](const Field& f) -> Result<std::uint32_t> {
    if (f.type == 0) return 1u;
    return btf_.align_of(f.type);
  };
  auto size_of = [&](const Field& f) -> Result<std::uint32_t> {
    if (f.type == 0) return f.bytes;
    EBPF_TRY(std::uint64_t s, btf_.size_of(f.type));
    return static_cast<std::uint32_t>(s);
  };
  std::uint32_t natural = 1;
  for (const Field& f : fields) {
    if (f.bitfield_size != 0) continue;
    EBPF_TRY(std::uint32_t a, align_of(f));
    natural = std::max(natural, a);
  }
  const bool packed = align < natural;
  if (packed) body.attributes = " __attribute__((packed))";
  else if (align > natural) body.attributes = " alignas(" + std::to_string(align) + ")";
  const std::uint32_t struct_align = packed ? 1 : std::max(align, natural);

  std::uint32_t cur = 0;  // bytes laid out so far (struct), or the largest member (union)
  for (std::size_t i = 0; i < fields.size();) {
    const Field& f = fields[i];
    const std::uint32_t at = is_union ? 0 : cur;
    if (f.bitfield_size != 0) {
      // Consecutive bitfields sharing bytes become one byte array with an accessor per field.
      std::uint32_t start = f.bit_offset / 8, end = (f.bit_offset + f.bitfield_size + 7) / 8;
      std::size_t j = i + 1;
      while (!is_union && j < fields.size() && fields[j].bitfield_size != 0 && fields[j].bit_offset / 8 < end) {
        end = std::max(end, (fields[j].bit_offset + fields[j].bitfield_size + 7) / 8);
        ++j;
      }
      if (start < at) return fail(errc::not_supported, "bitfield " + std::string(f.name) + " overlaps the member before it");
      if (start > at) body.lines += pad(ind, *ctx.scope, at, start - at);
      body.lines += ind + "std::uint8_t " + ctx.scope->add("bits_" + std::to_string(start) + "_") + "[" +
                    std::to_string(end - start) + "];\n";
      for (std::size_t k = i; k < j; ++k) {
        const Field& b = fields[k];
        if (b.name.empty()) continue;  // unnamed padding bitfield
        EBPF_TRY(Spelling s, spell(b.type));
        if (!s.suffix.empty()) return fail(errc::not_supported, "bitfield " + std::string(b.name) + " of array type");
        const std::string n = ctx.root->add(ctx.accessor_prefix + std::string(b.name));
        const std::string args = std::to_string(ctx.bit_base + b.bit_offset) + ", " + std::to_string(b.bitfield_size) +
                                 ", " + endian();
        ctx.accessors->push_back(s.base + " " + n + "() const noexcept { return ebpf::skeleton::get_bits<" + s.base +
                                 ">(this, " + args + "); }");
        ctx.accessors->push_back("void " + n + "(" + s.base + " v) noexcept { ebpf::skeleton::set_bits(this, " + args +
                                 ", v); }");
      }
      cur = is_union ? std::max(cur, end) : end;
      i = j;
      continue;
    }
    if (f.bit_offset % 8 != 0) return fail(errc::not_supported, "member " + std::string(f.name) + " not at a byte boundary");
    const std::uint32_t off = f.bit_offset / 8;
    EBPF_TRY(std::uint32_t a, align_of(f));
    EBPF_TRY(std::uint32_t fsize, size_of(f));
    const std::uint32_t pos = round_up(at, packed ? 1 : a);
    if (off < pos) return fail(errc::not_supported, "member " + std::string(f.name) + " overlaps the member before it");
    if (off > pos) {
      if (is_union) return fail(errc::not_supported, "union member " + std::string(f.name) + " not at offset 0");
      body.lines += pad(ind, *ctx.scope, at, off - at);
    }
    if (f.type == 0) {
      const std::string n = ctx.scope->add(f.name);
      body.lines += ind + "std::uint8_t " + n + "[" + std::to_string(f.bytes) + "];\n";
      ctx.asserts->push_back({ctx.prefix + n, ctx.bit_base / 8 + off});
      cur = is_union ? std::max(cur, fsize) : off + fsize;
      ++i;
      continue;
    }
    EBPF_TRY(btf::Type t, strip(f.type));
    if (is_inline_record(t)) {
      // An anonymous struct or union, defined in place. Without a member name its members belong to this
      // scope (C++ anonymous struct/union); with one they are reached through it.
      std::vector<Field> inner;
      for (std::size_t k = 0; k < t.vlen(); ++k) {
        btf::Member m = t.member(k);
        inner.push_back(Field{m.name, m.type, m.bit_offset, m.bitfield_size, 0});
      }
      EBPF_TRY(std::uint32_t ialign, btf_.align_of(t.id()));
      Scope named_scope;
      const std::string n = f.name.empty() ? std::string() : ctx.scope->add(f.name);
      // Accessors of bitfields inside it live in the outermost struct, named after the path.
      Context ictx{f.name.empty() ? ctx.scope : &named_scope,
                   ctx.root,
                   f.name.empty() ? ctx.prefix : ctx.prefix + n + ".",
                   f.name.empty() ? ctx.accessor_prefix : ctx.accessor_prefix + n + "_",
                   ctx.bit_base + f.bit_offset,
                   ctx.depth + 1,
                   ctx.accessors,
                   ctx.asserts};
      EBPF_TRY(Body ib, layout(inner, t.size(), ialign, t.kind() == btf::Kind::union_, ictx));
      body.lines += ind + (t.kind() == btf::Kind::union_ ? "union" : "struct") + ib.attributes + " {\n" + ib.lines + ind +
                    "}" + (n.empty() ? "" : " " + n) + ";\n";
      if (!n.empty()) ctx.asserts->push_back({ctx.prefix + n, ctx.bit_base / 8 + off});
    } else {
      const std::string n = ctx.scope->add(f.name);
      EBPF_TRY(std::string decl, declare(f.type, n));
      body.lines += ind + decl + ";\n";
      ctx.asserts->push_back({ctx.prefix + n, ctx.bit_base / 8 + off});
    }
    cur = is_union ? std::max(cur, fsize) : off + fsize;
    ++i;
  }
  if (round_up(cur, struct_align) > size) return fail(errc::not_supported, "members exceed the size of " + std::to_string(size) + " bytes");
  if (round_up(cur, struct_align) < size) {
    if (is_union) body.lines += ind + "std::uint8_t " + ctx.scope->add("bytes_") + "[" + std::to_string(size) + "];\n";
    else body.lines += pad(ind, *ctx.scope, cur, size - cur);
  }
  return body;
}

Result<void> TypeWriter::define_record(const btf::Type& t, const std::string& name) {
  defining_.insert(t.id());
  std::vector<Field> fields;
  for (std::size_t i = 0; i < t.vlen(); ++i) {
    btf::Member m = t.member(i);
    fields.push_back(Field{m.name, m.type, m.bit_offset, m.bitfield_size, 0});
  }
  EBPF_TRY(std::uint32_t align, btf_.align_of(t.id()));
  Scope members;
  members.reserve(name);  // a member may not have its class's name
  std::vector<std::string> accessors;
  std::vector<Assert> asserts;
  Context ctx{&members, &members, "", "", 0, 1, &accessors, &asserts};
  std::set<std::string> saved = std::move(qualify_);
  qualify_ = member_names(fields);
  auto body = layout(fields, t.size(), align, t.kind() == btf::Kind::union_, ctx);
  qualify_ = std::move(saved);
  defining_.erase(t.id());
  if (!body) return unexpected(std::move(body).error().with_context("type " + btf_.format_c(t.id())));
  std::string text = indent_ + (t.kind() == btf::Kind::union_ ? "union" : "struct") + body->attributes + " " + name +
                     " {\n" + body->lines;
  if (!accessors.empty()) {
    text += "\n";
    for (const auto& a : accessors) text += indent_ + "  " + a + "\n";
  }
  text += indent_ + "};\n";
  text += indent_ + "static_assert(sizeof(" + name + ") == " + std::to_string(t.size()) + " && alignof(" + name +
          ") == " + std::to_string(align) + ");\n";
  for (const Assert& a : asserts)
    text += indent_ + "static_assert(offsetof(" + name + ", " + a.designator + ") == " + std::to_string(a.offset) + ");\n";
  out_ += text + "\n";
  defined_.insert(t.id());
  return {};
}

Result<void> TypeWriter::define_section(const std::string& name, std::vector<Field> fields, std::uint32_t size) {
  std::sort(fields.begin(), fields.end(), [](const Field& a, const Field& b) { return a.bit_offset < b.bit_offset; });
  // A section has no alignment of its own: that of its variables, unless one is off its boundary.
  std::uint32_t align = 1;
  bool misaligned = false;
  for (const Field& f : fields) {
    if (f.type == 0) continue;
    EBPF_TRY(std::uint32_t a, btf_.align_of(f.type));
    align = std::max(align, a);
    if ((f.bit_offset / 8) % a != 0) misaligned = true;
  }
  // The section's size need not be a multiple of that alignment (the kernel's value is rounded up to 8 bytes
  // and the mapping to pages), so the struct may end in padding past the section.
  if (misaligned) align = 1;
  const std::uint32_t rounded = round_up(size, align);
  Scope members;
  members.reserve(name);
  qualify_ = member_names(fields);
  std::vector<std::string> accessors;
  std::vector<Assert> asserts;
  Context ctx{&members, &members, "", "", 0, 1, &accessors, &asserts};
  auto body = layout(fields, rounded, align, false, ctx);
  qualify_.clear();
  if (!body) return unexpected(std::move(body).error());
  std::string text = indent_ + "struct" + body->attributes + " " + name + " {\n" + body->lines + indent_ + "};\n";
  text += indent_ + "static_assert(sizeof(" + name + ") == " + std::to_string(rounded) + ");\n";
  for (const Assert& a : asserts)
    text += indent_ + "static_assert(offsetof(" + name + ", " + a.designator + ") == " + std::to_string(a.offset) + ");\n";
  out_ += text + "\n";
  return {};
}

}  // namespace ebpf::gen::detail
