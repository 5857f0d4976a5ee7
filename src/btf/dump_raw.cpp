// bpftool-style raw listing and JSON.
#include <cinttypes>
#include <cstdio>

#include "btf/impl.hpp"
#include "ebpf/btf/dump.hpp"

namespace ebpf::btf {

namespace {

void app(std::string& out, const char* fmt, auto... args) {
  char buf[256];
  int n = std::snprintf(buf, sizeof buf, fmt, args...);
  if (n > 0) out.append(buf, static_cast<std::size_t>(n) < sizeof buf ? static_cast<std::size_t>(n) : sizeof buf - 1);
}

void quoted(std::string& out, std::string_view name) {
  out += '\'';
  if (name.empty()) {
    out += "(anon)";
  } else {
    out += name;
  }
  out += '\'';
}

const char* int_encoding(std::uint8_t enc) {
  if (enc & kIntSigned) return "SIGNED";
  if (enc & kIntChar) return "CHAR";
  if (enc & kIntBool) return "BOOL";
  return "(none)";
}

void json_str(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      app(out, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

std::string dump_raw(const Spec& spec) {
  std::string out;
  out.reserve(static_cast<std::size_t>(spec.type_count()) * 48);
  for (TypeId id = spec.first_id(); id < spec.type_count(); ++id) {
    auto r = spec.type(id);
    if (!r) break;
    Type t = *r;
    app(out, "[%u] ", id);
    out += kind_name(t.kind());
    out += ' ';
    quoted(out, t.name());
    switch (t.kind()) {
      case Kind::int_: {
        IntInfo ii = t.int_info();
        app(out, " size=%u bits_offset=%u nr_bits=%u encoding=%s", t.size(), ii.offset, ii.bits, int_encoding(ii.encoding));
        break;
      }
      case Kind::ptr: case Kind::const_: case Kind::volatile_: case Kind::restrict_: case Kind::typedef_:
      case Kind::type_tag:
        app(out, " type_id=%u", t.ref());
        break;
      case Kind::array: {
        ArrayInfo a = t.array();
        app(out, " type_id=%u index_type_id=%u nr_elems=%u", a.elem, a.index, a.nelems);
        break;
      }
      case Kind::struct_: case Kind::union_:
        app(out, " size=%u vlen=%u", t.size(), t.vlen());
        for (std::size_t i = 0; i < t.vlen(); ++i) {
          Member m = t.member(i);
          out += "\n\t";
          quoted(out, m.name);
          app(out, " type_id=%u bits_offset=%u", m.type, m.bit_offset);
          if (m.bitfield_size) app(out, " bitfield_size=%u", m.bitfield_size);
        }
        break;
      case Kind::enum_: case Kind::enum64: {
        bool sign = t.kind_flag();
        app(out, " encoding=%s size=%u vlen=%u", sign ? "SIGNED" : "UNSIGNED", t.size(), t.vlen());
        for (std::size_t i = 0; i < t.vlen(); ++i) {
          EnumValue e = t.enumerator(i);
          out += "\n\t";
          quoted(out, e.name);
          if (t.kind() == Kind::enum_) {
            if (sign) {
              app(out, " val=%d", static_cast<int>(static_cast<std::int32_t>(e.value)));
            } else {
              app(out, " val=%u", static_cast<unsigned>(e.value));
            }
          } else if (sign) {
            app(out, " val=%" PRId64 "LL", static_cast<std::int64_t>(e.value));
          } else {
            app(out, " val=%" PRIu64 "ULL", e.value);
          }
        }
        break;
      }
      case Kind::fwd: app(out, " fwd_kind=%s", t.kind_flag() ? "union" : "struct"); break;
      case Kind::func: app(out, " type_id=%u linkage=%s", t.ref(), linkage_name(t.linkage()).data()); break;
      case Kind::func_proto:
        app(out, " ret_type_id=%u vlen=%u", t.ref(), t.vlen());
        for (std::size_t i = 0; i < t.vlen(); ++i) {
          Param p = t.param(i);
          out += "\n\t";
          quoted(out, p.name);
          app(out, " type_id=%u", p.type);
        }
        break;
      case Kind::var: app(out, " type_id=%u, linkage=%s", t.ref(), linkage_name(t.linkage()).data()); break;
      case Kind::datasec:
        app(out, " size=%u vlen=%u", t.size(), t.vlen());
        for (std::size_t i = 0; i < t.vlen(); ++i) {
          VarSecInfo v = t.var_info(i);
          app(out, "\n\ttype_id=%u offset=%u size=%u", v.type, v.offset, v.size);
          if (auto vt = spec.type(v.type)) {
            out += " (";
            out += kind_name(vt->kind());
            out += ' ';
            quoted(out, vt->name());
            out += ')';
          }
        }
        break;
      case Kind::float_: app(out, " size=%u", t.size()); break;
      case Kind::decl_tag: app(out, " type_id=%u component_idx=%d", t.ref(), t.component_idx()); break;
      case Kind::void_: break;
    }
    out += '\n';
  }
  return out;
}

std::string dump_json(const Spec& spec) {
  std::string out = "{\"types\":[";
  for (TypeId id = spec.first_id(); id < spec.type_count(); ++id) {
    auto r = spec.type(id);
    if (!r) break;
    Type t = *r;
    if (id != spec.first_id()) out += ',';
    app(out, "{\"id\":%u,\"kind\":", id);
    json_str(out, kind_name(t.kind()));
    out += ",\"name\":";
    json_str(out, t.name());
    switch (t.kind()) {
      case Kind::int_: {
        IntInfo ii = t.int_info();
        app(out, ",\"size\":%u,\"bits_offset\":%u,\"nr_bits\":%u,\"encoding\":\"%s\"", t.size(), ii.offset, ii.bits,
            int_encoding(ii.encoding));
        break;
      }
      case Kind::ptr: case Kind::const_: case Kind::volatile_: case Kind::restrict_: case Kind::typedef_:
      case Kind::type_tag:
        app(out, ",\"type_id\":%u", t.ref());
        break;
      case Kind::array: {
        ArrayInfo a = t.array();
        app(out, ",\"type_id\":%u,\"index_type_id\":%u,\"nr_elems\":%u", a.elem, a.index, a.nelems);
        break;
      }
      case Kind::struct_: case Kind::union_:
        app(out, ",\"size\":%u,\"vlen\":%u,\"members\":[", t.size(), t.vlen());
        for (std::size_t i = 0; i < t.vlen(); ++i) {
          Member m = t.member(i);
          if (i) out += ',';
          out += "{\"name\":";
          json_str(out, m.name);
          app(out, ",\"type_id\":%u,\"bits_offset\":%u", m.type, m.bit_offset);
          if (m.bitfield_size) app(out, ",\"bitfield_size\":%u", m.bitfield_size);
          out += '}';
        }
        out += ']';
        break;
      case Kind::enum_: case Kind::enum64:
        app(out, ",\"encoding\":\"%s\",\"size\":%u,\"vlen\":%u,\"values\":[", t.kind_flag() ? "SIGNED" : "UNSIGNED",
            t.size(), t.vlen());
        for (std::size_t i = 0; i < t.vlen(); ++i) {
          EnumValue e = t.enumerator(i);
          if (i) out += ',';
          out += "{\"name\":";
          json_str(out, e.name);
          if (t.kind_flag()) {
            app(out, ",\"val\":%" PRId64 "}", t.kind() == Kind::enum_ ? static_cast<std::int64_t>(static_cast<std::int32_t>(e.value))
                                                                       : static_cast<std::int64_t>(e.value));
          } else {
            app(out, ",\"val\":%" PRIu64 "}", e.value);
          }
        }
        out += ']';
        break;
      case Kind::fwd: app(out, ",\"fwd_kind\":\"%s\"", t.kind_flag() ? "union" : "struct"); break;
      case Kind::func: app(out, ",\"type_id\":%u,\"linkage\":\"%s\"", t.ref(), linkage_name(t.linkage()).data()); break;
      case Kind::func_proto:
        app(out, ",\"ret_type_id\":%u,\"vlen\":%u,\"params\":[", t.ref(), t.vlen());
        for (std::size_t i = 0; i < t.vlen(); ++i) {
          Param p = t.param(i);
          if (i) out += ',';
          out += "{\"name\":";
          json_str(out, p.name);
          app(out, ",\"type_id\":%u}", p.type);
        }
        out += ']';
        break;
      case Kind::var: app(out, ",\"type_id\":%u,\"linkage\":\"%s\"", t.ref(), linkage_name(t.linkage()).data()); break;
      case Kind::datasec:
        app(out, ",\"size\":%u,\"vlen\":%u,\"vars\":[", t.size(), t.vlen());
        for (std::size_t i = 0; i < t.vlen(); ++i) {
          VarSecInfo v = t.var_info(i);
          if (i) out += ',';
          app(out, "{\"type_id\":%u,\"offset\":%u,\"size\":%u}", v.type, v.offset, v.size);
        }
        out += ']';
        break;
      case Kind::float_: app(out, ",\"size\":%u", t.size()); break;
      case Kind::decl_tag: app(out, ",\"type_id\":%u,\"component_idx\":%d", t.ref(), t.component_idx()); break;
      case Kind::void_: break;
    }
    out += '}';
  }
  out += "]}\n";
  return out;
}

}  // namespace ebpf::btf
