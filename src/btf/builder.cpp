// btf::Builder: deep copies, direct construction and marshalling with sanitisation.
#include "ebpf/btf/builder.hpp"

#include <cstring>

#include "btf/impl.hpp"

namespace ebpf::btf {

namespace {
std::uint32_t make_info(Kind kind, bool kflag, std::uint32_t vlen) {
  return (kflag ? 1u << 31 : 0u) | (static_cast<std::uint32_t>(kind) << 24) | (vlen & 0xffff);
}
Kind info_kind(std::uint32_t info) { return static_cast<Kind>((info >> 24) & 0x1f); }
std::uint32_t info_vlen(std::uint32_t info) { return info & 0xffff; }
bool info_kflag(std::uint32_t info) { return (info >> 31) != 0; }

// Word indices (relative to a type's first word) holding type ids / name offsets.
template <class F>
void for_each_ref(Kind kind, std::uint32_t vlen, F&& f) {
  switch (kind) {
    case Kind::ptr: case Kind::typedef_: case Kind::volatile_: case Kind::const_: case Kind::restrict_:
    case Kind::func: case Kind::var: case Kind::decl_tag: case Kind::type_tag:
      f(2);
      break;
    case Kind::func_proto:
      f(2);
      for (std::uint32_t i = 0; i < vlen; ++i) f(3 + 2 * i + 1);
      break;
    case Kind::array: f(3); f(4); break;
    case Kind::struct_: case Kind::union_:
      for (std::uint32_t i = 0; i < vlen; ++i) f(3 + 3 * i + 1);
      break;
    case Kind::datasec:
      for (std::uint32_t i = 0; i < vlen; ++i) f(3 + 3 * i);
      break;
    default: break;
  }
}
template <class F>
void for_each_name(Kind kind, std::uint32_t vlen, F&& f) {
  f(0);
  switch (kind) {
    case Kind::struct_: case Kind::union_: case Kind::enum64:
      for (std::uint32_t i = 0; i < vlen; ++i) f(3 + 3 * i);
      break;
    case Kind::enum_: case Kind::func_proto:
      for (std::uint32_t i = 0; i < vlen; ++i) f(3 + 2 * i);
      break;
    default: break;
  }
}
}  // namespace

Builder::Builder() {
  strings_.push_back('\0');
  string_index_.emplace("", 0);
  starts_.push_back(0);  // void
}

std::uint32_t Builder::add_string(std::string_view s) {
  if (s.empty()) return 0;
  if (string_index_stale_) {
    string_index_stale_ = false;
    for (std::size_t off = 1; off < strings_.size();) {
      const std::size_t end = strings_.find('\0', off);
      if (end == std::string::npos) break;
      string_index_.emplace(strings_.substr(off, end - off), static_cast<std::uint32_t>(off));
      off = end + 1;
    }
  }
  auto it = string_index_.find(std::string(s));
  if (it != string_index_.end()) return it->second;
  auto off = static_cast<std::uint32_t>(strings_.size());
  strings_.append(s);
  strings_.push_back('\0');
  string_index_.emplace(std::string(s), off);
  return off;
}

TypeId Builder::push(std::uint32_t name_off, Kind kind, bool kflag, std::uint32_t vlen, std::uint32_t size_or_type,
                     std::span<const std::uint32_t> extra) {
  auto id = static_cast<TypeId>(starts_.size());
  starts_.push_back(static_cast<std::uint32_t>(words_.size()));
  words_.push_back(name_off);
  words_.push_back(make_info(kind, kflag, vlen));
  words_.push_back(size_or_type);
  words_.insert(words_.end(), extra.begin(), extra.end());
  return id;
}

TypeId Builder::add_int(std::string_view name, std::uint32_t size, std::uint8_t encoding) {
  std::uint32_t extra[] = {(static_cast<std::uint32_t>(encoding) << 24) | (size * 8)};
  return push(add_string(name), Kind::int_, false, 0, size, extra);
}
TypeId Builder::add_ptr(TypeId target) { return push(0, Kind::ptr, false, 0, target, {}); }
TypeId Builder::add_array(TypeId elem, TypeId index, std::uint32_t nelems) {
  std::uint32_t extra[] = {elem, index, nelems};
  return push(0, Kind::array, false, 0, 0, extra);
}
TypeId Builder::add_typedef(std::string_view name, TypeId target) {
  return push(add_string(name), Kind::typedef_, false, 0, target, {});
}
TypeId Builder::add_qualifier(Kind kind, TypeId target) { return push(0, kind, false, 0, target, {}); }
TypeId Builder::add_float(std::string_view name, std::uint32_t size) {
  return push(add_string(name), Kind::float_, false, 0, size, {});
}
TypeId Builder::add_fwd(std::string_view name, bool is_union) {
  return push(add_string(name), Kind::fwd, is_union, 0, 0, {});
}
TypeId Builder::add_struct(std::string_view name, std::uint32_t size, std::span<const MemberSpec> members,
                           bool is_union) {
  bool kflag = false;
  for (const auto& m : members) kflag |= m.bitfield_size != 0;
  std::vector<std::uint32_t> extra;
  for (const auto& m : members) {
    extra.push_back(add_string(m.name));
    extra.push_back(m.type);
    extra.push_back(kflag ? (m.bitfield_size << 24) | (m.bit_offset & 0xffffff) : m.bit_offset);
  }
  return push(add_string(name), is_union ? Kind::union_ : Kind::struct_, kflag,
              static_cast<std::uint32_t>(members.size()), size, extra);
}
TypeId Builder::add_enum(std::string_view name, std::uint32_t size, std::span<const EnumSpec> values, bool is_signed) {
  std::vector<std::uint32_t> extra;
  for (const auto& v : values) {
    extra.push_back(add_string(v.name));
    extra.push_back(static_cast<std::uint32_t>(v.value));
  }
  return push(add_string(name), Kind::enum_, is_signed, static_cast<std::uint32_t>(values.size()), size, extra);
}
TypeId Builder::add_enum64(std::string_view name, std::span<const EnumSpec> values, bool is_signed) {
  std::vector<std::uint32_t> extra;
  for (const auto& v : values) {
    auto u = static_cast<std::uint64_t>(v.value);
    extra.push_back(add_string(v.name));
    extra.push_back(static_cast<std::uint32_t>(u));
    extra.push_back(static_cast<std::uint32_t>(u >> 32));
  }
  return push(add_string(name), Kind::enum64, is_signed, static_cast<std::uint32_t>(values.size()), 8, extra);
}
TypeId Builder::add_func_proto(TypeId ret, std::span<const ParamSpec> params) {
  std::vector<std::uint32_t> extra;
  for (const auto& p : params) {
    extra.push_back(add_string(p.name));
    extra.push_back(p.type);
  }
  return push(0, Kind::func_proto, false, static_cast<std::uint32_t>(params.size()), ret, extra);
}
TypeId Builder::add_func(std::string_view name, TypeId proto, Linkage linkage) {
  return push(add_string(name), Kind::func, false, static_cast<std::uint32_t>(linkage), proto, {});
}
TypeId Builder::add_var(std::string_view name, TypeId type, Linkage linkage) {
  std::uint32_t extra[] = {static_cast<std::uint32_t>(linkage)};
  return push(add_string(name), Kind::var, false, 0, type, extra);
}
TypeId Builder::add_datasec(std::string_view name, std::uint32_t size, std::span<const VarSecInfo> vars) {
  std::vector<std::uint32_t> extra;
  for (const auto& v : vars) {
    extra.push_back(v.type);
    extra.push_back(v.offset);
    extra.push_back(v.size);
  }
  return push(add_string(name), Kind::datasec, false, static_cast<std::uint32_t>(vars.size()), size, extra);
}
Result<void> Builder::set_datasec_layout(TypeId id, std::uint32_t size, std::span<const std::uint32_t> offsets) {
  if (id == 0 || id >= starts_.size()) return fail(errc::not_found, "datasec layout: no type " + std::to_string(id));
  const std::uint32_t at = starts_[id];
  const std::uint32_t info = words_[at + 1];
  if (static_cast<Kind>((info >> 24) & 0x1f) != Kind::datasec)
    return fail(errc::invalid_argument, "datasec layout: type " + std::to_string(id) + " is not a DATASEC");
  if ((info & 0xffff) != offsets.size())
    return fail(errc::invalid_argument, "datasec layout: type " + std::to_string(id) + ": variable count mismatch");
  words_[at + 2] = size;
  for (std::size_t i = 0; i < offsets.size(); ++i) words_[at + 3 + 3 * i + 1] = offsets[i];
  return {};
}

Result<void> Builder::set_datasec_entry(TypeId id, std::size_t index, const VarSecInfo& entry) {
  if (id == 0 || id >= starts_.size()) return fail(errc::not_found, "datasec entry: no type " + std::to_string(id));
  const std::uint32_t at = starts_[id];
  const std::uint32_t info = words_[at + 1];
  if (info_kind(info) != Kind::datasec || index >= info_vlen(info))
    return fail(errc::invalid_argument, "datasec entry: type " + std::to_string(id) + " has no entry " + std::to_string(index));
  words_[at + 3 + 3 * index] = entry.type;
  words_[at + 3 + 3 * index + 1] = entry.offset;
  words_[at + 3 + 3 * index + 2] = entry.size;
  return {};
}

Result<void> Builder::set_linkage(TypeId id, Linkage linkage) {
  if (id == 0 || id >= starts_.size()) return fail(errc::not_found, "set linkage: no type " + std::to_string(id));
  const std::uint32_t at = starts_[id];
  const std::uint32_t info = words_[at + 1];
  if (info_kind(info) == Kind::func) {
    words_[at + 1] = make_info(Kind::func, false, static_cast<std::uint32_t>(linkage));
  } else if (info_kind(info) == Kind::var) {
    words_[at + 3] = static_cast<std::uint32_t>(linkage);
  } else {
    return fail(errc::invalid_argument, "set linkage: type " + std::to_string(id) + " is neither FUNC nor VAR");
  }
  return {};
}

Result<void> Builder::func_to_typedef(TypeId id) {
  if (id == 0 || id >= starts_.size()) return fail(errc::not_found, "func to typedef: no type " + std::to_string(id));
  const std::uint32_t at = starts_[id];
  if (info_kind(words_[at + 1]) != Kind::func)
    return fail(errc::invalid_argument, "func to typedef: type " + std::to_string(id) + " is not a FUNC");
  words_[at + 1] = make_info(Kind::typedef_, false, 0);
  return {};
}

Result<void> Builder::set_var_type(TypeId id, TypeId type) {
  if (id == 0 || id >= starts_.size() || type >= starts_.size())
    return fail(errc::not_found, "set var type: no type " + std::to_string(id));
  const std::uint32_t at = starts_[id];
  if (info_kind(words_[at + 1]) != Kind::var)
    return fail(errc::invalid_argument, "set var type: type " + std::to_string(id) + " is not a VAR");
  words_[at + 2] = type;
  return {};
}

TypeId Builder::add_decl_tag(std::string_view name, TypeId target, std::int32_t component_idx) {
  std::uint32_t extra[] = {static_cast<std::uint32_t>(component_idx)};
  return push(add_string(name), Kind::decl_tag, false, 0, target, extra);
}
TypeId Builder::add_type_tag(std::string_view name, TypeId target) {
  return push(add_string(name), Kind::type_tag, false, 0, target, {});
}

Result<void> Builder::set_datasec(TypeId id, std::uint32_t size, std::span<const VarSecInfo> vars) {
  if (id == 0 || id >= starts_.size()) return fail(errc::invalid_argument, "btf: set_datasec: no type " + std::to_string(id));
  std::uint32_t start = starts_[id];
  std::uint32_t info = words_[start + 1];
  if (info_kind(info) != Kind::datasec)
    return fail(errc::invalid_argument, "btf: set_datasec: type " + std::to_string(id) + " is not a DATASEC");
  if (info_vlen(info) != vars.size())
    return fail(errc::invalid_argument, "btf: set_datasec: expected " + std::to_string(info_vlen(info)) + " variables");
  words_[start + 2] = size;
  for (std::size_t i = 0; i < vars.size(); ++i) {
    words_[start + 3 + 3 * i] = vars[i].type;
    words_[start + 3 + 3 * i + 1] = vars[i].offset;
    words_[start + 3 + 3 * i + 2] = vars[i].size;
  }
  return {};
}

// ---- Deep copy ----

Result<TypeId> Builder::copy(const Spec& spec, TypeId root) {
  if (spec.empty()) return fail(errc::invalid_argument, "btf: copy from an empty spec");
  auto& memo = memo_[spec.impl()];
  std::vector<std::pair<TypeId, const detail::SpecImpl*>> pending;  // new ids whose refs still hold old ids
  // Copies the header and data of `old` with old ids in place; returns the new id.
  auto ensure = [&](TypeId old) -> Result<TypeId> {
    if (old == 0) return TypeId{0};
    if (spec.impl() == copied_all_from_ && old < copied_all_end_) return old;
    if (auto it = memo.find(old); it != memo.end()) return it->second;
    EBPF_TRY(Type t, spec.type(old));
    Kind kind = t.kind();
    std::uint32_t vlen = t.vlen();
    std::size_t nwords = 3 + detail::extra_size(static_cast<unsigned>(kind), vlen) / 4;
    std::vector<std::uint32_t> w(nwords);
    const detail::SpecImpl* impl = spec.impl()->owner(old);
    const std::byte* p = impl->types + impl->offsets[old - impl->first_id];
    for (std::size_t i = 0; i < nwords; ++i) w[i] = detail::load32(p + 4 * i, impl->swap);
    bool bad_name = false;
    for_each_name(kind, vlen, [&](std::size_t i) {
      auto s = spec.string_at(w[i]);
      if (!s) {
        bad_name = true;
        return;
      }
      w[i] = add_string(*s);
    });
    if (bad_name) return fail(errc::malformed, "btf: type [" + std::to_string(old) + "]: string offset out of range");
    TypeId id = push(w[0], kind, info_kflag(w[1]), vlen, w[2], std::span<const std::uint32_t>(w).subspan(3));
    memo.emplace(old, id);
    pending.emplace_back(id, impl);
    return id;
  };
  EBPF_TRY(TypeId result, ensure(root));
  while (!pending.empty()) {
    TypeId id = pending.back().first;
    pending.pop_back();
    std::uint32_t start = starts_[id];
    std::uint32_t info = words_[start + 1];
    Result<void> status{};
    for_each_ref(info_kind(info), info_vlen(info), [&](std::size_t i) {
      if (!status) return;
      auto r = ensure(words_[start + i]);
      if (!r) {
        status = unexpected(r.error());
        return;
      }
      words_[starts_[id] + i] = *r;  // ensure() may have grown words_; re-index
    });
    if (!status) return unexpected(status.error());
  }
  return result;
}

Result<void> Builder::copy_all(const Spec& spec) {
  if (type_count() != 1) return fail(errc::invalid_argument, "btf: copy_all needs an empty builder");
  if (spec.empty()) return {};
  // Types are appended in id order with references unchanged, so ids are preserved. Without a base, the string
  // table is taken as is too (name offsets unchanged): far cheaper than re-adding every name.
  const detail::SpecImpl* own = spec.impl();
  const bool same_strings = own->base == nullptr && strings_.size() == 1 && own->strings_len > 0 &&
                            own->strings[own->strings_len - 1] == '\0' && own->strings[0] == '\0';
  if (same_strings) {
    strings_.assign(own->strings, own->strings_len);
    string_index_stale_ = true;
    verbatim_strings_ = std::string_view(own->strings, own->strings_len);
  }
  // Ids are preserved: copy() maps this spec's ids below type_count() to themselves (no memo entries).
  copied_all_from_ = spec.impl();
  copied_all_end_ = spec.type_count();
  std::vector<std::uint32_t> w;
  for (TypeId old = 1; old < spec.type_count(); ++old) {
    EBPF_TRY(Type t, spec.type(old));
    Kind kind = t.kind();
    std::uint32_t vlen = t.vlen();
    std::size_t nwords = 3 + detail::extra_size(static_cast<unsigned>(kind), vlen) / 4;
    w.assign(nwords, 0);
    const detail::SpecImpl* impl = spec.impl()->owner(old);
    const std::byte* p = impl->types + impl->offsets[old - impl->first_id];
    for (std::size_t i = 0; i < nwords; ++i) w[i] = detail::load32(p + 4 * i, impl->swap);
    bool bad = false;
    for_each_name(kind, vlen, [&](std::size_t i) {
      if (same_strings) {
        bad |= w[i] >= own->strings_len;
        return;
      }
      auto str = spec.string_at(w[i]);
      if (!str) {
        bad = true;
        return;
      }
      w[i] = add_string(*str);
    });
    for_each_ref(kind, vlen, [&](std::size_t i) { bad |= w[i] >= spec.type_count(); });
    if (bad) return fail(errc::malformed, "btf: type [" + std::to_string(old) + "]: string offset or type id out of range");
    push(w[0], kind, info_kflag(w[1]), vlen, w[2], std::span<const std::uint32_t>(w).subspan(3));
  }
  return {};
}

// ---- Marshalling ----

Result<std::vector<std::byte>> Builder::marshal(const MarshalOptions& options) const {
  const Features& f = options.features;
  std::vector<std::uint32_t> out;
  out.reserve(words_.size());
  std::string strings = strings_;
  for (std::size_t id = 1; id < starts_.size(); ++id) {
    std::uint32_t start = starts_[id];
    std::uint32_t end = id + 1 < starts_.size() ? starts_[id + 1] : static_cast<std::uint32_t>(words_.size());
    std::uint32_t name = words_[start];
    std::uint32_t info = words_[start + 1];
    Kind kind = info_kind(info);
    std::uint32_t vlen = info_vlen(info);
    bool kflag = info_kflag(info);
    std::uint32_t third = words_[start + 2];
    std::span<const std::uint32_t> extra(words_.data() + start + 3, end - start - 3);
    auto emit = [&](Kind k, bool kf, std::uint32_t vl, std::uint32_t t3, std::span<const std::uint32_t> ex) {
      out.push_back(name);
      out.push_back(make_info(k, kf, vl));
      out.push_back(t3);
      out.insert(out.end(), ex.begin(), ex.end());
    };
    switch (kind) {
      case Kind::func:
        if (!f.func) {
          emit(Kind::typedef_, false, 0, third, {});
        } else {
          emit(kind, false, f.func_linkage ? vlen : 0, third, {});
        }
        break;
      case Kind::func_proto:
        if (!f.func) {
          // An ENUM with one enumerator per parameter keeps the size of the data.
          std::vector<std::uint32_t> ex;
          for (std::uint32_t i = 0; i < vlen; ++i) {
            ex.push_back(extra[2 * i]);
            ex.push_back(0);
          }
          emit(Kind::enum_, false, vlen, 4, ex);
        } else {
          emit(kind, kflag, vlen, third, extra);
        }
        break;
      case Kind::var:
        if (!f.datasec) {
          std::uint32_t ex[] = {8};
          emit(Kind::int_, false, 0, 1, ex);
        } else {
          emit(kind, kflag, vlen, third, extra);
        }
        break;
      case Kind::datasec: {
        std::vector<std::uint32_t> ex(extra.begin(), extra.end());
        std::uint32_t size = third;
        if (options.layout_empty_datasecs && size == 0) {
          std::uint32_t off = 0;
          for (std::uint32_t i = 0; i < vlen; ++i) {
            std::uint32_t sz = ex[3 * i + 2];
            std::uint32_t align = sz >= 8 ? 8 : (sz >= 4 ? 4 : (sz >= 2 ? 2 : 1));
            off = (off + align - 1) / align * align;
            ex[3 * i + 1] = off;
            off += sz;
          }
          size = off == 0 ? 1 : off;
        }
        if (!f.datasec) {
          // A STRUCT whose members are named after the variables.
          for (std::uint32_t i = 0; i < vlen; ++i) {
            TypeId var = ex[3 * i];
            std::uint32_t off = ex[3 * i + 1];
            std::uint32_t var_name = var < starts_.size() && var != 0 ? words_[starts_[var]] : 0;
            ex[3 * i] = var_name;
            ex[3 * i + 1] = var;
            ex[3 * i + 2] = off * 8;
          }
          emit(Kind::struct_, false, vlen, size, ex);
        } else {
          emit(kind, kflag, vlen, size, ex);
        }
        break;
      }
      case Kind::float_:
        if (!f.float_) {
          emit(Kind::struct_, false, 0, third, {});
        } else {
          emit(kind, kflag, vlen, third, extra);
        }
        break;
      case Kind::decl_tag:
        if (!f.decl_tag) {
          std::uint32_t ex[] = {8};
          emit(Kind::int_, false, 0, 1, ex);
        } else {
          emit(kind, kflag, vlen, third, extra);
        }
        break;
      case Kind::type_tag:
        if (!f.type_tag) {
          name = 0;
          emit(Kind::const_, false, 0, third, {});
        } else {
          emit(kind, kflag, vlen, third, extra);
        }
        break;
      case Kind::enum64:
        if (!f.enum64) {
          emit(Kind::union_, false, 0, third, {});
        } else {
          emit(kind, kflag, vlen, third, extra);
        }
        break;
      case Kind::enum_: emit(kind, f.enum64 ? kflag : false, vlen, third, extra); break;
      default: emit(kind, kflag, vlen, third, extra); break;
    }
  }
  if (out.size() * 4 > 0xffffffffull || strings.size() > 0xffffffffull)
    return fail(errc::invalid_argument, "btf: marshalled blob too large");
  auto type_len = static_cast<std::uint32_t>(out.size() * 4);
  auto str_len = static_cast<std::uint32_t>(strings.size());
  std::vector<std::byte> blob(detail::kHeaderSize + type_len + str_len);
  std::uint16_t magic = detail::kMagic;
  std::memcpy(blob.data(), &magic, 2);
  blob[2] = std::byte{1};
  blob[3] = std::byte{0};
  std::uint32_t hdr[] = {static_cast<std::uint32_t>(detail::kHeaderSize), 0, type_len, type_len, str_len};
  std::memcpy(blob.data() + 4, hdr, sizeof hdr);
  if (type_len != 0) std::memcpy(blob.data() + detail::kHeaderSize, out.data(), type_len);
  std::memcpy(blob.data() + detail::kHeaderSize + type_len, strings.data(), str_len);
  return blob;
}

Result<std::vector<std::byte>> Builder::marshal_for_kernel(bool layout_empty_datasecs) const {
  MarshalOptions o;
  o.features = kernel_features();
  o.layout_empty_datasecs = layout_empty_datasecs;
  return marshal(o);
}

Result<Spec> Builder::spec(const MarshalOptions& options) const {
  EBPF_TRY(auto blob, marshal(options));
  return Spec::parse(std::move(blob));
}

}  // namespace ebpf::btf
