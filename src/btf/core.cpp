#include "ebpf/btf/core.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <map>
#include <memory>
#include <mutex>

#include <fstream>

#include "ebpf/btf/object.hpp"
#include "impl.hpp"

namespace ebpf::btf {

namespace {

constexpr std::size_t kMaxAccess = 64;  // deepest access string accepted
constexpr int kMaxCompatDepth = 32;
// Members visited while matching one candidate: bounds the work on hostile BTF (anonymous members or same-named
// members referring back to their own struct fan out exponentially with depth).
constexpr std::uint32_t kMatchBudget = 1u << 20;

struct Budget {
  std::uint32_t left = kMatchBudget;
  [[nodiscard]] bool take() noexcept { return left == 0 ? false : (--left, true); }
};

Error exhausted() { return Error::make(errc::malformed, "type graph too large to match (cycles?)"); }

bool is_field_kind(CoreReloKind k) noexcept { return static_cast<std::uint32_t>(k) <= 5; }
bool is_type_kind(CoreReloKind k) noexcept {
  return (k >= CoreReloKind::type_id_local && k <= CoreReloKind::type_size) || k == CoreReloKind::type_matches;
}
bool is_enumval_kind(CoreReloKind k) noexcept {
  return k == CoreReloKind::enumval_exists || k == CoreReloKind::enumval_value;
}

struct Accessor {
  TypeId type = 0;         // composite holding the member (member access), element type (array access)
  std::uint32_t idx = 0;   // member, element or enumerator index
  std::string_view name;   // member / enumerator / root name; empty for array access
};

// One side of a relocation: where the access string leads in a BTF.
struct AccessSpec {
  const Spec* btf = nullptr;
  TypeId root = 0;
  CoreReloKind kind = CoreReloKind::field_byte_offset;
  std::array<Accessor, kMaxAccess> acc{};  // named accesses (anonymous members skipped)
  std::size_t len = 0;
  std::array<std::uint32_t, kMaxAccess> raw{};  // every access, anonymous members included
  std::size_t raw_len = 0;
  std::uint64_t bit_offset = 0;

  bool push_acc(Accessor a) {
    if (len == kMaxAccess) return false;
    acc[len++] = a;
    return true;
  }
  bool push_raw(std::uint32_t v) {
    if (raw_len == kMaxAccess) return false;
    raw[raw_len++] = v;
    return true;
  }
};

bool kinds_compatible(Kind a, Kind b) noexcept {
  if (a == b) return true;
  const bool ae = a == Kind::enum_ || a == Kind::enum64, be = b == Kind::enum_ || b == Kind::enum64;
  return ae && be;
}

Error malformed(std::string msg) { return Error::make(errc::malformed, std::move(msg)); }

// Value of enumerator i; 32-bit enumerators are sign-extended as the kernel convention reads them.
std::uint64_t enum_raw_value(Type t, std::size_t i) noexcept {
  const EnumValue e = t.enumerator(i);
  if (t.kind() == Kind::enum_)
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(static_cast<std::uint32_t>(e.value))));
  return e.value;
}

bool is_flex_array(const Spec& btf, const AccessSpec& s, Type array) {
  if (s.len == 0) return false;
  const Accessor& prev = s.acc[s.len - 1];
  if (prev.name.empty() || array.array().nelems > 0) return false;
  auto t = btf.type(prev.type);
  return t && t->is_struct_or_union() && prev.idx + 1u == t->vlen();
}

Result<void> parse_access(std::string_view access, AccessSpec& out) {
  if (access.empty()) return unexpected(malformed("empty access string"));
  std::size_t i = 0;
  while (i <= access.size()) {
    std::uint64_t v = 0;
    std::size_t start = i;
    while (i < access.size() && access[i] >= '0' && access[i] <= '9') {
      v = v * 10 + static_cast<std::uint64_t>(access[i] - '0');
      if (v > UINT32_MAX) return unexpected(malformed("access string index out of range"));
      ++i;
    }
    if (i == start || (i < access.size() && access[i] != ':'))
      return unexpected(malformed("malformed access string \"" + std::string(access) + "\""));
    if (!out.push_raw(static_cast<std::uint32_t>(v))) return unexpected(malformed("access string too long"));
    ++i;
  }
  return {};
}

// The local side: parse the access string against the object's BTF.
Result<void> parse_spec(const Spec& btf, TypeId root, std::string_view access, CoreReloKind kind, AccessSpec& s) {
  s.btf = &btf;
  s.root = root;
  s.kind = kind;
  AccessSpec raw;
  EBPF_TRY_VOID(parse_access(access, raw));
  EBPF_TRY(Type t, btf.resolve(root));
  if (is_type_kind(kind)) {
    if (raw.raw_len != 1 || raw.raw[0] != 0) return unexpected(malformed("type relocation with access other than 0"));
    s.raw = raw.raw;
    s.raw_len = 1;
    return {};
  }
  const std::uint32_t first = raw.raw[0];
  if (is_enumval_kind(kind)) {
    if (!t.is_enum() || raw.raw_len != 1 || first >= t.vlen())
      return unexpected(malformed("enum value relocation does not name an enumerator"));
    s.push_acc({t.id(), first, t.enumerator(first).name});
    s.raw = raw.raw;
    s.raw_len = 1;
    return {};
  }
  if (!is_field_kind(kind)) return unexpected(malformed("unknown relocation kind"));
  EBPF_TRY(std::uint64_t root_size, btf.size_of(t.id()));
  s.push_acc({t.id(), first, t.name()});
  s.raw = raw.raw;
  s.raw_len = raw.raw_len;
  s.bit_offset = std::uint64_t{first} * root_size * 8;
  TypeId id = t.id();
  for (std::size_t i = 1; i < raw.raw_len; ++i) {
    const std::uint32_t idx = raw.raw[i];
    EBPF_TRY(Type cur, btf.resolve(id));
    if (cur.is_struct_or_union()) {
      if (idx >= cur.vlen()) return unexpected(malformed("member index " + std::to_string(idx) + " out of range"));
      const Member m = cur.member(idx);
      s.bit_offset += m.bit_offset;
      if (!m.name.empty() && !s.push_acc({cur.id(), idx, m.name})) return unexpected(malformed("access string too long"));
      id = m.type;
    } else if (cur.kind() == Kind::array) {
      EBPF_TRY(Type elem, btf.resolve(cur.array().elem));
      if (!is_flex_array(btf, s, cur) && idx >= cur.array().nelems)
        return unexpected(malformed("array index " + std::to_string(idx) + " out of bounds"));
      if (!s.push_acc({elem.id(), idx, {}})) return unexpected(malformed("access string too long"));
      EBPF_TRY(std::uint64_t sz, btf.size_of(elem.id()));
      s.bit_offset += std::uint64_t{idx} * sz * 8;
      id = elem.id();
    } else {
      return unexpected(malformed("access string walks into " + std::string(kind_name(cur.kind()))));
    }
  }
  return {};
}

// Field compatibility: what a load of the local field may read from the target field.
Result<bool> fields_compatible(const Spec& local, TypeId lid, const Spec& targ, TypeId tid) {
  for (int depth = 0; depth < kMaxCompatDepth; ++depth) {
    EBPF_TRY(Type lt, local.resolve(lid));
    EBPF_TRY(Type tt, targ.resolve(tid));
    if (lt.is_struct_or_union() && tt.is_struct_or_union()) return true;
    if (!kinds_compatible(lt.kind(), tt.kind())) return false;
    switch (lt.kind()) {
      case Kind::ptr:
      case Kind::float_:
        return true;
      case Kind::fwd:
      case Kind::enum_:
      case Kind::enum64: {
        const auto ln = core_essential_name(lt.name()), tn = core_essential_name(tt.name());
        return ln.empty() || tn.empty() || ln == tn;
      }
      case Kind::int_:
        return lt.int_info().offset == 0 && tt.int_info().offset == 0;
      case Kind::array:
        lid = lt.array().elem;
        tid = tt.array().elem;
        continue;
      default:
        return false;
    }
  }
  return unexpected(malformed("type nesting too deep"));
}

// Type compatibility for the type-based kinds (exists, size, target id).
Result<bool> types_compatible(const Spec& local, TypeId lid, const Spec& targ, TypeId tid, int level,
                              Budget& budget) {
  if (level <= 0) return unexpected(malformed("type nesting too deep"));
  for (int depth = 0; depth < kMaxCompatDepth; ++depth) {
    if (!budget.take()) return unexpected(exhausted());
    EBPF_TRY(Type lt, local.resolve(lid));
    EBPF_TRY(Type tt, targ.resolve(tid));
    if (!kinds_compatible(lt.kind(), tt.kind())) return false;
    switch (lt.kind()) {
      case Kind::void_:
      case Kind::struct_:
      case Kind::union_:
      case Kind::enum_:
      case Kind::enum64:
      case Kind::fwd:
        return true;
      case Kind::int_:
        return lt.int_info().offset == 0 && tt.int_info().offset == 0;
      case Kind::ptr:
        lid = lt.ref();
        tid = tt.ref();
        continue;
      case Kind::array:
        lid = lt.array().elem;
        tid = tt.array().elem;
        continue;
      case Kind::func_proto: {
        if (lt.vlen() != tt.vlen()) return false;
        for (std::size_t i = 0; i < lt.vlen(); ++i) {
          EBPF_TRY(bool ok, types_compatible(local, lt.param(i).type, targ, tt.param(i).type, level - 1, budget));
          if (!ok) return false;
        }
        lid = lt.ref();
        tid = tt.ref();
        continue;
      }
      default:
        return false;
    }
  }
  return unexpected(malformed("type nesting too deep"));
}

bool core_names_match(std::string_view local, std::string_view targ) noexcept {
  if (targ.empty()) return local.empty();
  return core_essential_name(local) == core_essential_name(targ);
}

// The stricter "matches" relation (type_matches).
Result<bool> types_match(const Spec& local, TypeId lid, const Spec& targ, TypeId tid, bool behind_ptr, int level,
                         Budget& budget) {
  if (level <= 0) return unexpected(malformed("type nesting too deep"));
  for (int depth = 0; depth < kMaxCompatDepth; ++depth) {
    if (!budget.take()) return unexpected(exhausted());
    EBPF_TRY(Type lt, local.resolve(lid));
    EBPF_TRY(Type tt, targ.resolve(tid));
    if (!core_names_match(lt.name(), tt.name())) return false;
    const Kind lk = lt.kind(), tk = tt.kind();
    switch (lk) {
      case Kind::void_:
        return tk == lk;
      case Kind::fwd:
        if (behind_ptr) {
          if (lk == tk) return lt.kind_flag() == tt.kind_flag();
          return (tk == Kind::struct_ && !lt.kind_flag()) || (tk == Kind::union_ && lt.kind_flag());
        }
        return lk == tk && lt.kind_flag() == tt.kind_flag();
      case Kind::enum_:
      case Kind::enum64: {
        if (!tt.is_enum() || lt.size() != tt.size() || lt.vlen() > tt.vlen()) return false;
        for (std::size_t i = 0; i < lt.vlen(); ++i) {
          bool found = false;
          for (std::size_t j = 0; j < tt.vlen() && !found; ++j)
            found = core_names_match(lt.enumerator(i).name, tt.enumerator(j).name);
          if (!found) return false;
        }
        return true;
      }
      case Kind::struct_:
      case Kind::union_: {
        if (behind_ptr) {
          if (lk == tk) return true;
          if (tk != Kind::fwd) return false;
          return (lk == Kind::union_) == tt.kind_flag();
        }
        if (lk != tk || lt.vlen() > tt.vlen()) return false;
        for (std::size_t i = 0; i < lt.vlen(); ++i) {
          const Member lm = lt.member(i);
          bool found = false;
          for (std::size_t j = 0; j < tt.vlen() && !found; ++j) {
            const Member tm = tt.member(j);
            if (!core_names_match(lm.name, tm.name)) continue;
            EBPF_TRY(bool ok, types_match(local, lm.type, targ, tm.type, behind_ptr, level - 1, budget));
            found = ok;
          }
          if (!found) return false;
        }
        return true;
      }
      case Kind::int_:
        return lk == tk && lt.int_info().bits == tt.int_info().bits &&
               (lt.int_info().encoding & kIntSigned) == (tt.int_info().encoding & kIntSigned);
      case Kind::ptr:
        if (lk != tk) return false;
        behind_ptr = true;
        lid = lt.ref();
        tid = tt.ref();
        continue;
      case Kind::array:
        if (lk != tk || lt.array().nelems != tt.array().nelems) return false;
        lid = lt.array().elem;
        tid = tt.array().elem;
        continue;
      case Kind::func_proto:
        if (lk != tk || lt.vlen() != tt.vlen()) return false;
        for (std::size_t i = 0; i < lt.vlen(); ++i) {
          EBPF_TRY(bool ok, types_match(local, lt.param(i).type, targ, tt.param(i).type, behind_ptr, level - 1, budget));
          if (!ok) return false;
        }
        lid = lt.ref();
        tid = tt.ref();
        continue;
      default:
        return false;
    }
  }
  return unexpected(malformed("type nesting too deep"));
}

// Finds the local member named by `la` inside target composite `tid`, descending into anonymous members.
// 1: found and compatible, 0: not found / incompatible.
Result<bool> match_member(const Spec& local, const Accessor& la, const Spec& targ, TypeId tid, AccessSpec& ts,
                          TypeId& next, Budget& budget, int level = 0) {
  if (level > kMaxCompatDepth) return unexpected(malformed("anonymous member nesting too deep"));
  EBPF_TRY(Type lt, local.type(la.type));
  const Member lm = lt.member(la.idx);
  EBPF_TRY(Type tt, targ.resolve(tid));
  if (!tt.is_struct_or_union()) return false;
  for (std::size_t i = 0; i < tt.vlen(); ++i) {
    if (!budget.take()) return unexpected(exhausted());
    const Member m = tt.member(i);
    if (!ts.push_raw(static_cast<std::uint32_t>(i))) return unexpected(malformed("access too deep"));
    ts.bit_offset += m.bit_offset;
    if (m.name.empty()) {
      EBPF_TRY(bool found, match_member(local, la, targ, m.type, ts, next, budget, level + 1));
      if (found) return true;
    } else if (m.name == la.name) {
      next = m.type;
      if (!ts.push_acc({tt.id(), static_cast<std::uint32_t>(i), m.name})) return unexpected(malformed("access too deep"));
      EBPF_TRY(bool ok, fields_compatible(local, lm.type, targ, m.type));
      if (!ok) --ts.len;
      return ok;
    }
    ts.bit_offset -= m.bit_offset;
    --ts.raw_len;
  }
  return false;
}

// Replays the local access on candidate `tid` of `targ`.
Result<bool> spec_match(const AccessSpec& ls, const Spec& targ, TypeId tid, AccessSpec& ts) {
  ts = AccessSpec{};
  ts.btf = &targ;
  ts.root = tid;
  ts.kind = ls.kind;
  Budget budget;
  if (is_type_kind(ls.kind)) {
    if (ls.kind == CoreReloKind::type_matches)
      return types_match(*ls.btf, ls.root, targ, tid, false, kMaxCompatDepth, budget);
    return types_compatible(*ls.btf, ls.root, targ, tid, kMaxCompatDepth, budget);
  }
  const Accessor& la0 = ls.acc[0];
  if (is_enumval_kind(ls.kind)) {
    EBPF_TRY(Type tt, targ.resolve(tid));
    if (!tt.is_enum()) return false;
    const auto want = core_essential_name(la0.name);
    for (std::size_t i = 0; i < tt.vlen(); ++i) {
      const EnumValue e = tt.enumerator(i);
      if (core_essential_name(e.name) != want) continue;
      ts.push_acc({tt.id(), static_cast<std::uint32_t>(i), e.name});
      ts.push_raw(static_cast<std::uint32_t>(i));
      return true;
    }
    return false;
  }
  ts.push_acc({tid, la0.idx, la0.name});
  ts.push_raw(la0.idx);
  EBPF_TRY(std::uint64_t root_size, targ.size_of(tid));
  ts.bit_offset = std::uint64_t{la0.idx} * root_size * 8;
  for (std::size_t i = 1; i < ls.len; ++i) {
    const Accessor& la = ls.acc[i];
    EBPF_TRY(Type tt, targ.resolve(tid));
    tid = tt.id();
    if (!la.name.empty()) {
      TypeId next = 0;
      EBPF_TRY(bool ok, match_member(*ls.btf, la, targ, tid, ts, next, budget));
      if (!ok) return false;
      tid = next;
    } else {
      if (tt.kind() != Kind::array) return false;
      if (!is_flex_array(targ, ts, tt) && la.idx >= tt.array().nelems) return false;
      EBPF_TRY(Type elem, targ.resolve(tt.array().elem));
      tid = elem.id();
      if (!ts.push_acc({tid, la.idx, {}}) || !ts.push_raw(la.idx)) return unexpected(malformed("access too deep"));
      EBPF_TRY(std::uint64_t sz, targ.size_of(tid));
      ts.bit_offset += std::uint64_t{la.idx} * sz * 8;
    }
  }
  return true;
}

struct Outcome {
  std::uint64_t orig = 0, value = 0;
  std::uint32_t orig_size = 0, new_size = 0;  // memory access sizes (0: not a plain field access)
  TypeId orig_type = 0, new_type = 0;
  bool poison = false;
  bool validate = true;
  bool bad_resize = false;  // load/store width change that would read the wrong value
};

struct FieldValue {
  std::uint64_t value = 0;
  std::uint32_t size = 0;
  TypeId type = 0;
  bool poison = false;
  bool validate = true;
};

Result<FieldValue> field_value(CoreReloKind kind, const AccessSpec* s) {
  FieldValue out;
  if (kind == CoreReloKind::field_exists) {
    out.value = s != nullptr ? 1 : 0;
    return out;
  }
  if (s == nullptr) {
    out.poison = true;
    return out;
  }
  const Spec& btf = *s->btf;
  const Accessor& a = s->acc[s->len - 1];
  if (a.name.empty() || s->len == 1) {  // array element (or the root itself)
    EBPF_TRY(std::uint64_t sz, btf.size_of(a.type));
    if (kind == CoreReloKind::field_byte_offset) {
      out.value = s->bit_offset / 8;
      out.size = static_cast<std::uint32_t>(sz);
      out.type = a.type;
    } else if (kind == CoreReloKind::field_byte_size) {
      out.value = sz;
    } else {
      return unexpected(Error::make(errc::bad_relocation, std::string(core_relo_kind_name(kind)) +
                                                              " cannot be applied to an array element"));
    }
    return out;
  }
  EBPF_TRY(Type parent, btf.type(a.type));
  const Member m = parent.member(a.idx);
  EBPF_TRY(Type mt, btf.resolve(m.type));
  const std::uint64_t bit_off = s->bit_offset;
  std::uint64_t bit_sz = m.bitfield_size;
  const bool bitfield = bit_sz > 0;
  std::uint64_t byte_sz = 0, byte_off = 0;
  if (bitfield) {
    byte_sz = mt.size();
    if (byte_sz == 0) return unexpected(malformed("bitfield of a zero-sized type"));
    byte_off = bit_off / 8 / byte_sz * byte_sz;
    while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
      if (byte_sz >= 8) return unexpected(Error::make(errc::bad_relocation, "bitfield cannot be read with a 64-bit load"));
      byte_sz *= 2;
      byte_off = bit_off / 8 / byte_sz * byte_sz;
    }
  } else {
    EBPF_TRY(std::uint64_t sz, btf.size_of(mt.id()));
    byte_sz = sz;
    byte_off = bit_off / 8;
    bit_sz = byte_sz * 8;
  }
  out.validate = !bitfield;
  switch (kind) {
    case CoreReloKind::field_byte_offset:
      out.value = byte_off;
      if (!bitfield) {
        out.size = static_cast<std::uint32_t>(byte_sz);
        out.type = mt.id();
      }
      break;
    case CoreReloKind::field_byte_size:
      out.value = byte_sz;
      break;
    case CoreReloKind::field_signed:
      out.value = (mt.is_enum() && mt.kind_flag()) || (mt.kind() == Kind::int_ && (mt.int_info().encoding & kIntSigned));
      out.validate = true;
      break;
    case CoreReloKind::field_lshift_u64:
      if constexpr (std::endian::native == std::endian::little)
        out.value = 64 - (bit_off + bit_sz - byte_off * 8);
      else
        out.value = (8 - byte_sz) * 8 + (bit_off - byte_off * 8);
      break;
    case CoreReloKind::field_rshift_u64:
      out.value = 64 - bit_sz;
      out.validate = true;
      break;
    default:
      return unexpected(malformed("unknown field relocation kind"));
  }
  return out;
}

Result<std::uint64_t> type_value(CoreReloKind kind, const AccessSpec* s, bool& present) {
  present = s != nullptr;
  if (s == nullptr) return std::uint64_t{0};
  switch (kind) {
    case CoreReloKind::type_id_target:
      return std::uint64_t{s->root};
    case CoreReloKind::type_exists:
    case CoreReloKind::type_matches:
      return std::uint64_t{1};
    case CoreReloKind::type_size: {
      EBPF_TRY(std::uint64_t sz, s->btf->size_of(s->root));
      return sz;
    }
    default:
      return unexpected(malformed("unknown type relocation kind"));
  }
}

Result<Outcome> compute(CoreReloKind kind, const AccessSpec& local, const AccessSpec* targ) {
  Outcome o;
  if (is_field_kind(kind)) {
    EBPF_TRY(FieldValue lv, field_value(kind, &local));
    EBPF_TRY(FieldValue tv, field_value(kind, targ));
    o.orig = lv.value;
    o.orig_size = lv.size;
    o.orig_type = lv.type;
    o.validate = lv.validate;
    o.value = tv.value;
    o.new_size = tv.size;
    o.new_type = tv.type;
    o.poison = tv.poison;
    if (!o.poison && o.orig_size != o.new_size) {
      auto lt = local.btf->type(o.orig_type);
      auto tt = targ != nullptr ? targ->btf->type(o.new_type) : Result<Type>(Type{});
      const bool ptrs = lt && tt && lt->kind() == Kind::ptr && tt->kind() == Kind::ptr;
      const bool unsigned_ints = lt && tt && lt->kind() == Kind::int_ && tt->kind() == Kind::int_ &&
                                 lt->int_info().encoding != kIntSigned && tt->int_info().encoding != kIntSigned;
      o.bad_resize = !(ptrs || unsigned_ints);
    }
  } else if (is_type_kind(kind)) {
    bool present = false;
    EBPF_TRY(o.orig, type_value(kind, &local, present));
    EBPF_TRY(o.value, type_value(kind, targ, present));
  } else {
    auto value = [&](const AccessSpec* s, bool& poison) -> std::uint64_t {
      if (kind == CoreReloKind::enumval_exists) return s != nullptr ? 1 : 0;
      if (s == nullptr) {
        poison = true;
        return 0;
      }
      auto t = s->btf->type(s->acc[0].type);
      return t ? enum_raw_value(*t, s->acc[0].idx) : 0;
    };
    bool unused = false;
    o.orig = value(&local, unused);
    o.value = value(targ, o.poison);
  }
  return o;
}

unsigned size_bytes(insn::Size s) {
  switch (s) {
    case insn::Size::b: return 1;
    case insn::Size::h: return 2;
    case insn::Size::w: return 4;
    case insn::Size::dw: return 8;
  }
  return 0;
}

Result<insn::Size> size_code(std::uint32_t bytes) {
  switch (bytes) {
    case 1: return insn::Size::b;
    case 2: return insn::Size::h;
    case 4: return insn::Size::w;
    case 8: return insn::Size::dw;
    default: return unexpected(Error::make(errc::bad_relocation, "invalid new memory size " + std::to_string(bytes)));
  }
}

insn::Instruction poison_call() {
  insn::Instruction p;
  p.opcode = insn::OpCode(0x85);  // call
  p.constant = kCorePoison;
  return p;
}

// Patches ins (or returns true when it must be poisoned).
Result<bool> patch(insn::Instruction& ins, const Outcome& o) {
  if (o.poison) return true;
  const insn::Class cls = ins.opcode.cls();
  if (ins.is_load_imm64()) {
    if (ins.src_raw() != 0 || ins.offset != 0)
      return unexpected(Error::make(errc::bad_relocation, "ldimm64 instruction of unexpected form"));
    if (o.validate && static_cast<std::uint64_t>(ins.constant) != o.orig)
      return unexpected(Error::make(errc::bad_relocation, "unexpected ldimm64 value " + std::to_string(ins.constant) +
                                                              ", expected " + std::to_string(o.orig)));
    ins.constant = static_cast<std::int64_t>(o.value);
    return false;
  }
  switch (cls) {
    case insn::Class::alu:
    case insn::Class::alu64:
      if (ins.opcode.source() != insn::Source::k)
        return unexpected(Error::make(errc::bad_relocation, "ALU instruction without an immediate"));
      if (o.validate && static_cast<std::uint64_t>(ins.constant) != o.orig)
        return unexpected(Error::make(errc::bad_relocation, "unexpected ALU immediate " + std::to_string(ins.constant) +
                                                                ", expected " + std::to_string(o.orig)));
      ins.constant = static_cast<std::int32_t>(static_cast<std::uint32_t>(o.value));
      return false;
    case insn::Class::ldx:
    case insn::Class::st:
    case insn::Class::stx: {
      if (o.validate && static_cast<std::uint64_t>(static_cast<std::int64_t>(ins.offset)) != o.orig)
        return unexpected(Error::make(errc::bad_relocation, "unexpected memory offset " + std::to_string(ins.offset) +
                                                                ", expected " + std::to_string(o.orig)));
      if (o.value > SHRT_MAX)
        return unexpected(Error::make(errc::bad_relocation, "offset " + std::to_string(o.value) + " too big"));
      if (o.bad_resize) return true;  // reads the field with the wrong width or sign: refuse if reached
      ins.offset = static_cast<std::int16_t>(o.value);
      if (o.new_size != o.orig_size) {
        if (size_bytes(ins.opcode.size()) != o.orig_size)
          return unexpected(Error::make(errc::bad_relocation, "unexpected memory access size " +
                                                                  std::to_string(size_bytes(ins.opcode.size())) +
                                                                  ", expected " + std::to_string(o.orig_size)));
        EBPF_TRY(insn::Size sz, size_code(o.new_size));
        ins.opcode = insn::OpCode(static_cast<std::uint8_t>((ins.opcode.raw() & ~0x18u) | static_cast<std::uint8_t>(sz)));
      }
      return false;
    }
    default:
      return unexpected(Error::make(errc::bad_relocation, "cannot relocate instruction with opcode " +
                                                              std::to_string(ins.opcode.raw())));
  }
}

// Flavoured type names of a target ("foo___v2"): not found by an exact-name lookup, so collected once per
// target blob.
std::shared_ptr<const std::vector<TypeId>> flavoured_types(const Spec& spec) {
  static std::mutex mu;
  static std::vector<std::pair<std::weak_ptr<const detail::SpecImpl>, std::shared_ptr<const std::vector<TypeId>>>> cache;
  {
    std::lock_guard lock(mu);
    for (auto it = cache.begin(); it != cache.end();) {
      auto p = it->first.lock();
      if (!p) {
        it = cache.erase(it);
        continue;
      }
      if (p.get() == spec.impl()) return it->second;
      ++it;
    }
  }
  auto out = std::make_shared<std::vector<TypeId>>();
  const detail::SpecImpl* s = spec.impl();
  for (std::size_t i = 0; i < s->offsets.size(); ++i) {
    const std::string_view name = s->str(detail::load32(s->types + s->offsets[i], s->swap));
    if (name.size() > 4 && name.find("___") != std::string_view::npos && core_essential_name(name).size() != name.size())
      out->push_back(s->first_id + static_cast<TypeId>(i));
  }
  std::lock_guard lock(mu);
  cache.emplace_back(spec.impl_shared(), out);
  return out;
}

struct Candidate {
  const Spec* btf;
  TypeId id;
};

std::vector<Candidate> find_candidates(Type local, const CoreTargets& targets) {
  std::vector<Candidate> out;
  const std::string_view essential = core_essential_name(local.name());
  for (const Spec& t : targets.specs) {
    if (t.empty()) continue;
    const TypeId start = t.base().empty() ? 1 : t.first_id();
    std::vector<TypeId> ids = t.find_all(essential);
    for (TypeId id : *flavoured_types(t)) {
      auto ty = t.type(id);
      if (ty && core_essential_name(ty->name()) == essential) ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    for (TypeId id : ids) {
      if (id < start) continue;
      auto ty = t.type(id);
      if (ty && kinds_compatible(ty->kind(), local.kind())) out.push_back({&t, id});
    }
    if (!out.empty()) break;
  }
  return out;
}

// Built by appending pieces: g++ 12 at -O3 reports a false -Wrestrict on `"x" + std::string` temporaries
// (GCC bug 105651), and appending is cheaper anyway.
std::string describe_spec(const AccessSpec& s) {
  if (s.len == 0) return {};
  const Accessor& root = s.acc[0];
  std::string out;
  auto append_index = [&out](std::uint64_t idx) {
    out += '[';
    out += std::to_string(idx);
    out += ']';
  };
  if (is_enumval_kind(s.kind)) {
    if (auto t = s.btf->type(root.type)) out += t->name();
    out += "::";
    out += root.name;
    return out;
  }
  out += root.name.empty() ? std::string_view("<anon>") : std::string_view(root.name);
  if (root.idx != 0) append_index(root.idx);
  for (std::size_t i = 1; i < s.len; ++i) {
    if (s.acc[i].name.empty()) {
      append_index(s.acc[i].idx);
    } else {
      out += '.';
      out += s.acc[i].name;
    }
  }
  return out;
}

}  // namespace

std::string_view core_essential_name(std::string_view name) noexcept {
  if (name.size() < 5) return name;
  for (std::size_t i = name.size() - 5 + 1; i-- > 0;) {
    if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' && name[i + 3] == '_' && name[i + 4] != '_')
      return name.substr(0, i + 1);
  }
  return name;
}

Result<Spec> load_target_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(errc::not_found, path.string() + ": cannot open");
  char magic[4] = {};
  in.read(magic, 4);
  if (in.gcount() == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F') {
    in.seekg(0);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto bytes = std::as_bytes(std::span<const char>(chars));
    EBPF_TRY_CTX(ObjectSections secs, object_sections(bytes), path.string());
    if (secs.btf.empty()) return fail(errc::not_found, path.string() + ": no .BTF section");
    EBPF_TRY_CTX(Spec spec, Spec::parse_elf_section(secs.btf, secs.order), path.string());
    return spec;
  }
  EBPF_TRY_CTX(Spec spec, Spec::load_file(path), path.string());
  return spec;
}

std::string core_describe(const Spec& local, TypeId type, std::string_view access, CoreReloKind kind) {
  std::string out(core_relo_kind_name(kind));
  out += " of ";
  out += local.format_c(type);
  out += " access ";
  out += access;
  AccessSpec s;
  if (parse_spec(local, type, access, kind, s) && s.len > 0) {
    out += " (";
    out += describe_spec(s);
    out += ')';
  }
  return out;
}

Result<CoreResult> core_relocate(insn::Instructions& insns, const Spec& local, const CoreTargets& targets) {
  CoreResult result;
  // Candidates per local root type, narrowed to those that matched earlier relocations.
  std::map<TypeId, std::vector<Candidate>> cache;
  AccessSpec ls, cs, best;
  std::size_t slot = 0;
  for (std::size_t i = 0; i < insns.size(); slot += insns[i].slots(), ++i) {
    const insn::CoreRelocation* rec = insns[i].metadata.core_relocation();
    if (rec == nullptr) continue;
    ++result.relocated;
    const auto kind = static_cast<CoreReloKind>(rec->kind);
    // The verifier numbers instructions by slot; name both when they differ (lddw before this one).
    auto where = [&] {
      std::string w = "instruction " + std::to_string(i);
      if (slot != i) w += " (slot " + std::to_string(slot) + ")";
      return w + ": CO-RE relocation " + core_describe(local, rec->type_id, rec->access, kind);
    };
    if (rec->kind > static_cast<std::uint32_t>(CoreReloKind::type_matches))
      return fail(errc::not_supported, where() + ": unknown relocation kind " + std::to_string(rec->kind));
    auto root = local.type(rec->type_id);
    if (!root) return fail(errc::malformed, where() + ": local type id out of range");
    ls = AccessSpec{};
    if (auto r = parse_spec(local, rec->type_id, rec->access, kind, ls); !r)
      return unexpected(std::move(r).error().with_context(where()));

    Outcome outcome;
    if (kind == CoreReloKind::type_id_local) {
      outcome.orig = outcome.value = rec->type_id;
      outcome.validate = false;
    } else {
      if (root->name().empty())
        return fail(errc::not_supported, where() + ": relocations against anonymous types are not supported");
      auto it = cache.find(rec->type_id);
      if (it == cache.end()) it = cache.emplace(rec->type_id, find_candidates(*root, targets)).first;
      std::vector<Candidate>& cands = it->second;
      std::size_t matched = 0;
      for (std::size_t c = 0; c < cands.size(); ++c) {
        auto m = spec_match(ls, *cands[c].btf, cands[c].id, cs);
        if (!m) return unexpected(std::move(m).error().with_context(where()));
        if (!*m) continue;
        auto o = compute(kind, ls, &cs);
        if (!o) return unexpected(std::move(o).error().with_context(where()));
        if (matched == 0) {
          outcome = *o;
          best = cs;
        } else if (cs.bit_offset != best.bit_offset) {
          return fail(errc::bad_relocation, where() + ": ambiguous: candidates " + std::to_string(cands[0].id) + " and " +
                                                std::to_string(cands[c].id) + " disagree on the field offset (" +
                                                std::to_string(best.bit_offset) + " != " +
                                                std::to_string(cs.bit_offset) + " bits)");
        } else if (o->poison != outcome.poison || o->value != outcome.value) {
          return fail(errc::bad_relocation, where() + ": ambiguous: candidates " + std::to_string(cands[0].id) + " and " +
                                                std::to_string(cands[c].id) + " disagree (" +
                                                std::to_string(outcome.value) + " != " + std::to_string(o->value) + ")");
        }
        cands[matched++] = cands[c];
      }
      if (matched > 0) {
        cands.resize(matched);
      } else {
        auto o = compute(kind, ls, nullptr);
        if (!o) return unexpected(std::move(o).error().with_context(where()));
        outcome = *o;
      }
    }

    auto poison = patch(insns[i], outcome);
    if (!poison) return unexpected(std::move(poison).error().with_context(where()));
    if (*poison) {
      result.poisoned.push_back({i, slot, where()});
      const bool wide = insns[i].is_load_imm64();
      insn::Metadata meta = insns[i].metadata;
      insns[i] = poison_call();
      insns[i].metadata = std::move(meta);
      if (wide) insns.insert(insns.begin() + static_cast<std::ptrdiff_t>(i) + 1, poison_call());
    }
  }
  return result;
}

}  // namespace ebpf::btf
