#include "btf/cdecl.hpp"

namespace ebpf::btf::detail {

namespace {
std::string join(std::string_view a, const std::string& inner) {
  std::string s(a);
  if (!inner.empty()) {
    s += ' ';
    s += inner;
  }
  return s;
}
// Work budget of one outermost c_decl call (nested calls through DeclNamer::anon_body share it): malformed
// BTF can make the declaration tree exponential (a prototype whose parameters point back to it).
thread_local int t_nesting = 0;
thread_local std::size_t t_budget = 0;
constexpr std::size_t kBudget = 20000;

std::string c_decl_rec(const Spec& spec, TypeId id, const std::string& inner, const DeclNamer& namer, int indent,
                       int depth);
}  // namespace

std::string c_decl(const Spec& spec, TypeId id, const std::string& inner, const DeclNamer& namer, int indent,
                   int depth) {
  if (t_nesting == 0) t_budget = kBudget;
  ++t_nesting;
  std::string r = c_decl_rec(spec, id, inner, namer, indent, depth);
  --t_nesting;
  return r;
}

namespace {
std::string c_decl_rec(const Spec& spec, TypeId id, const std::string& inner, const DeclNamer& namer, int indent,
                       int depth) {
  if (depth > kMaxResolveDepth) return join("/* cycle */ void", inner);
  if (t_budget == 0) return join("/* too complex */ void", inner);
  --t_budget;
  auto r = spec.type(id);
  if (!r) return join("/* bad type id */ void", inner);
  Type t = *r;
  switch (t.kind()) {
    case Kind::void_: return join("void", inner);
    case Kind::int_: case Kind::float_: return join(t.name().empty() ? "int" : t.name(), inner);
    case Kind::struct_: case Kind::union_: case Kind::enum_: case Kind::enum64: case Kind::fwd: {
      const char* kw = t.kind() == Kind::struct_ ? "struct"
                       : t.kind() == Kind::union_ ? "union"
                       : t.kind() == Kind::fwd ? (t.kind_flag() ? "union" : "struct")
                                               : "enum";
      std::string s = kw;
      if (t.name().empty()) {
        std::string body = namer.anon_body ? namer.anon_body(t, indent) : std::string();
        s += body.empty() ? " {...}" : " " + body;
      } else {
        s += ' ';
        s += namer.name ? namer.name(t) : std::string(t.name());
      }
      return join(s, inner);
    }
    case Kind::typedef_: return join(namer.name ? namer.name(t) : std::string(t.name()), inner);
    case Kind::ptr: {
      auto target = spec.skip_qualifiers(t.ref(), false);
      bool paren = target && (target->kind() == Kind::array || target->kind() == Kind::func_proto);
      return c_decl_rec(spec, t.ref(), paren ? "(*" + inner + ")" : "*" + inner, namer, indent, depth + 1);
    }
    case Kind::array: {
      ArrayInfo a = t.array();
      return c_decl_rec(spec, a.elem, inner + "[" + std::to_string(a.nelems) + "]", namer, indent, depth + 1);
    }
    case Kind::const_: case Kind::volatile_: case Kind::restrict_: {
      const char* q = t.kind() == Kind::const_ ? "const" : t.kind() == Kind::volatile_ ? "volatile" : "restrict";
      auto target = spec.skip_qualifiers(t.ref(), false);
      if (target && target->kind() == Kind::ptr)
        return c_decl_rec(spec, t.ref(), std::string(q) + (inner.empty() ? "" : " " + inner), namer, indent, depth + 1);
      std::string rest = c_decl_rec(spec, t.ref(), inner, namer, indent, depth + 1);
      // A qualified array of qualified elements: the qualifier applies to the elements once.
      if (rest.starts_with(std::string(q) + " ")) return rest;
      return std::string(q) + " " + rest;
    }
    case Kind::type_tag: return c_decl_rec(spec, t.ref(), inner, namer, indent, depth + 1);
    case Kind::func_proto: {
      std::string params;
      if (t.vlen() == 0) params = "void";
      for (std::size_t i = 0; i < t.vlen(); ++i) {
        Param p = t.param(i);
        if (i) params += ", ";
        if (p.type == 0 && i + 1 == t.vlen()) {
          params += "...";
        } else {
          params += c_decl_rec(spec, p.type, std::string(p.name), namer, indent, depth + 1);
        }
      }
      return c_decl_rec(spec, t.ref(), inner + "(" + params + ")", namer, indent, depth + 1);
    }
    case Kind::func: return c_decl_rec(spec, t.ref(), std::string(t.name()), namer, indent, depth + 1);
    case Kind::var: return c_decl_rec(spec, t.ref(), std::string(t.name()), namer, indent, depth + 1);
    case Kind::datasec: return join("/* datasec " + std::string(t.name()) + " */", inner);
    case Kind::decl_tag: return join("/* decl_tag " + std::string(t.name()) + " */", inner);
  }
  return join("void", inner);
}

}  // namespace
}  // namespace ebpf::btf::detail

namespace ebpf::btf {

std::string Spec::format_c(TypeId id) const { return format_c(id, {}); }
std::string Spec::format_c(TypeId id, std::string_view name) const {
  detail::DeclNamer namer;
  return detail::c_decl(*this, id, std::string(name), namer, 0);
}

}  // namespace ebpf::btf
