// ELF object -> CollectionSpec: section classification, legacy and data-section maps, programs with their
// relocations, subprogram linking and global variables.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>

#include "ebpf/asm/instruction.hpp"
#include "ebpf/btf/btf.hpp"
#include "ebpf/collection_spec.hpp"
#include "ebpf/elf/file.hpp"
#include "ebpf/elf/section_names.hpp"
#include "ebpf/btf/ext.hpp"
#include "../btf/impl.hpp"  // the loader scans type kinds straight from the headers
#include "deferred.hpp"

namespace ebpf {

namespace elf::detail {
namespace {
std::atomic<bool> defer_decoding{true};
}  // namespace
void set_deferred_decoding(bool on) noexcept { defer_decoding.store(on, std::memory_order_relaxed); }
bool deferred_decoding() noexcept { return defer_decoding.load(std::memory_order_relaxed); }
}  // namespace elf::detail

namespace {

using elf::Section;
using elf::Symbol;

enum class Kind : std::uint8_t { ignored, undef, legacy_maps, btf_maps, struct_ops, program, data };

struct SectionInfo {
  Kind kind = Kind::ignored;
  // Symbols of interest, sorted by offset (value).
  std::vector<const Symbol*> symbols;
  // Relocations applying to this section, sorted by offset.
  std::vector<std::pair<std::uint64_t, const Symbol*>> relocations;
  std::uint32_t references = 0;  // relocations (anywhere) that point into this section
};

std::string str(std::string_view s) { return std::string(s); }

const char* binding_name(std::uint8_t b) {
  switch (b) {
    case elf::STB_LOCAL: return "STB_LOCAL";
    case elf::STB_GLOBAL: return "STB_GLOBAL";
    case elf::STB_WEAK: return "STB_WEAK";
    default: return "unknown binding";
  }
}

const char* type_name(std::uint8_t t) {
  switch (t) {
    case elf::STT_NOTYPE: return "STT_NOTYPE";
    case elf::STT_OBJECT: return "STT_OBJECT";
    case elf::STT_FUNC: return "STT_FUNC";
    case elf::STT_SECTION: return "STT_SECTION";
    case elf::STT_FILE: return "STT_FILE";
    default: return "unknown symbol type";
  }
}

bool is_data_section(std::string_view n) {
  auto dotted = [&](std::string_view base) {
    return n == base || (n.size() > base.size() && n.substr(0, base.size()) == base && n[base.size()] == '.');
  };
  return dotted(".data") || dotted(".rodata") || dotted(".bss");
}

const Symbol* symbol_at(const SectionInfo& si, std::uint64_t offset) {
  auto it = std::lower_bound(si.symbols.begin(), si.symbols.end(), offset,
                             [](const Symbol* s, std::uint64_t off) { return s->value < off; });
  if (it != si.symbols.end() && (*it)->value == offset) return *it;
  return nullptr;
}

class Loader {
 public:
  explicit Loader(const elf::File& f) : f_(f) {}

  Result<CollectionSpec> run();

 private:
  Result<void> classify();
  Result<void> assign_symbols();
  Result<void> load_relocations();
  Result<void> load_legacy_maps(CollectionSpec& spec);
  Result<void> load_btf_maps(CollectionSpec& spec);
  Result<void> load_struct_ops(CollectionSpec& spec);
  Result<void> load_data_sections(CollectionSpec& spec);
  Result<void> load_programs(CollectionSpec& spec);
  // Fixes `ins` for the relocation against `sym`; returns the name it references (a view into the file).
  Result<std::string_view> relocate(insn::Instruction& ins, const Symbol& sym, CollectionSpec& spec);
  Result<void> load_btf();
  Result<std::optional<btf::Spec>> layout_datasecs(const btf::Spec& spec) const;
  void scan_btf(const btf::Spec& spec);
  // The DATASEC named `name`, if the BTF has one (found by a scan made once: objects have few).
  std::optional<btf::Type> datasec(std::string_view name) const {
    for (const auto& t : datasecs_)
      if (t.name() == name) return t;
    return std::nullopt;
  }
  void add_extern(CollectionSpec& spec, const Symbol& sym, bool call);

  const elf::File& f_;
  std::vector<SectionInfo> info_;
  std::vector<Symbol> symbols_;
  std::string license_;
  std::uint32_t version_ = 0;
  std::shared_ptr<const btf::Spec> btf_;
  // .BTF as in the file (btf_ is a copy with DATASECs laid out: same type ids, same string offsets).
  std::shared_ptr<const btf::Spec> raw_btf_;
  btf::Ext ext_;
  std::vector<btf::Type> datasecs_;
  std::vector<btf::Type> decl_tags_;  // DECL_TAGs of whole declarations (not of members or parameters)
  std::vector<std::pair<std::string, std::string>> struct_ops_members_;  // program, "<struct>:<member>"
};

Result<void> Loader::classify() {
  const auto& secs = f_.sections();
  info_.resize(secs.size());
  if (!secs.empty()) info_[0].kind = Kind::undef;  // target of relocations against undefined symbols
  for (const auto& s : secs) {
    if (s.index == 0) continue;
    auto& si = info_[s.index];
    const std::string_view n = s.name;
    if (n.starts_with("license")) {
      auto d = f_.data(s);
      std::string_view text(reinterpret_cast<const char*>(d.data()), d.size());
      license_ = str(text.substr(0, text.find('\0')));
    } else if (n.starts_with("version")) {
      auto d = f_.data(s);
      if (d.size() < 4) return fail(errc::malformed, "load version: section " + str(n) + ": fewer than 4 bytes");
      version_ = f_.u32(d.data());
    } else if (s.type != elf::SHT_PROGBITS && s.type != elf::SHT_NOBITS) {
      continue;  // map, program and data sections hold bytes (or zeroes); anything else is not one of them
    } else if (n.starts_with("maps")) {
      si.kind = Kind::legacy_maps;
    } else if (n == ".maps") {
      si.kind = Kind::btf_maps;
    } else if (n == ".struct_ops" || n == ".struct_ops.link") {
      si.kind = Kind::struct_ops;
    } else if (is_data_section(n) && (s.type == elf::SHT_PROGBITS || s.type == elf::SHT_NOBITS)) {
      si.kind = Kind::data;
    } else if (s.type == elf::SHT_PROGBITS && (s.flags & elf::SHF_EXECINSTR) && s.size > 0) {
      si.kind = Kind::program;
    }
  }
  return {};
}

// Compilers leave the DATASECs of data sections with size 0 and variable offsets 0; the kernel wants the
// section's size (a data-section map's value type must match its value size) and each variable's offset, which
// the ELF section and symbol table give. Returns nothing when nothing needs fixing.
// Collects the DATASECs and declaration DECL_TAGs of `spec`: one pass over the raw headers' kinds (parse checked
// that every header lies within the type section).
void Loader::scan_btf(const btf::Spec& spec) {
  datasecs_.clear();
  decl_tags_.clear();
  const btf::detail::SpecImpl& impl = *spec.impl();
  for (std::size_t i = 0; i < impl.offsets.size(); ++i) {
    std::uint32_t info;
    std::memcpy(&info, impl.types + impl.offsets[i] + 4, 4);
    if (impl.swap) info = __builtin_bswap32(info);
    const auto kind = static_cast<btf::Kind>((info >> 24) & 0x1f);
    if (kind != btf::Kind::datasec && kind != btf::Kind::decl_tag) continue;
    const btf::Type t = impl.type(impl.first_id + static_cast<btf::TypeId>(i));
    if (kind == btf::Kind::datasec) datasecs_.push_back(t);
    else if (t.component_idx() == -1) decl_tags_.push_back(t);
  }
}

Result<std::optional<btf::Spec>> Loader::layout_datasecs(const btf::Spec& spec) const {
  struct Fix {
    btf::TypeId id;
    std::uint32_t size;
    std::vector<std::uint32_t> offsets;
  };
  std::vector<Fix> fixes;
  for (const auto& sec : f_.sections()) {
    // Only data sections: their DATASEC is a map's value type. (.maps is never given to the kernel as a type.)
    if (info_[sec.index].kind != Kind::data) continue;
    auto ds = datasec(sec.name);  // of `spec` (scan_btf ran on it)
    if (!ds) continue;
    Fix fix{ds->id(), static_cast<std::uint32_t>(std::min<std::uint64_t>(sec.size, 0xffffffffu)), {}};
    bool changed = ds->size() != fix.size;
    for (std::size_t i = 0; i < ds->vlen(); ++i) {
      const auto vs = ds->var_info(i);
      std::uint32_t off = vs.offset;
      if (auto var = spec.type(vs.type); var) {
        for (const Symbol& sym : symbols_) {
          if (sym.section != sec.index || sym.name != var->name()) continue;
          if (sym.value > sec.size || vs.size > sec.size - sym.value)
            return fail(errc::malformed, "section " + str(sec.name) + ": variable " + str(var->name()) + ": offset " +
                                             std::to_string(sym.value) + " beyond the section");
          off = static_cast<std::uint32_t>(sym.value);
          break;
        }
      }
      changed |= off != vs.offset;
      fix.offsets.push_back(off);
    }
    if (changed) fixes.push_back(std::move(fix));
  }
  if (fixes.empty()) return std::optional<btf::Spec>{};
  // Patch a copy of the blob in place (its byte order, its string table) and parse that: far cheaper than
  // rebuilding the BTF, and string offsets stay those .BTF.ext refers to.
  const btf::detail::SpecImpl* impl = spec.impl();
  std::vector<std::byte> blob(impl->blob.begin(), impl->blob.end());
  const std::size_t types_at = static_cast<std::size_t>(impl->types - impl->blob.data());
  auto store32 = [&](std::size_t at, std::uint32_t v) {
    if (impl->swap) v = __builtin_bswap32(v);
    std::memcpy(blob.data() + at, &v, 4);
  };
  for (const Fix& fix : fixes) {
    const std::size_t at = types_at + impl->offsets[fix.id - impl->first_id];
    store32(at + 8, fix.size);  // name_off, info, size
    for (std::size_t i = 0; i < fix.offsets.size(); ++i) store32(at + 12 + 12 * i + 4, fix.offsets[i]);  // type, offset, size
  }
  EBPF_TRY(auto fixed, btf::Spec::parse(std::move(blob)));
  return std::optional<btf::Spec>(std::move(fixed));
}

Result<void> Loader::load_btf() {
  for (const auto& s : f_.sections()) {
    if (s.name != ".BTF") continue;
    EBPF_TRY_CTX(auto spec, btf::Spec::parse_elf_section(f_.data(s), f_.byte_order()), "load BTF");
    // No Spec::validate() here: every accessor the loader uses is bounds-checked (ids, strings, members), and
    // the deep validation would cost a sixth of the whole open. Users get the spec as parsed.
    raw_btf_ = std::make_shared<const btf::Spec>(std::move(spec));
    scan_btf(*raw_btf_);
    EBPF_TRY_CTX(auto fixed, layout_datasecs(*raw_btf_), "load BTF");
    if (fixed) {
      btf_ = std::make_shared<const btf::Spec>(std::move(*fixed));
      scan_btf(*btf_);  // the Types must point into the spec the collection keeps
    } else {
      btf_ = raw_btf_;
    }
  }
  if (!btf_) return {};
  for (const auto& s : f_.sections()) {
    if (s.name != ".BTF.ext") continue;
    EBPF_TRY_CTX(ext_, btf::parse_ext(f_.data(s), f_.byte_order(), *btf_, btf::ExtOptions{.line_texts = false}), "load BTF.ext");
  }
  return {};
}

Result<void> Loader::assign_symbols() {
  EBPF_TRY_CTX(symbols_, f_.symbols(), "load symbols");
  // The section a symbol of interest belongs to; null for the others.
  auto section_of = [this](const Symbol& sym) -> SectionInfo* {
    if (sym.name.empty() || sym.section == elf::SHN_UNDEF || sym.section >= info_.size()) return nullptr;
    auto& si = info_[sym.section];
    const auto t = sym.type();
    switch (si.kind) {
      case Kind::legacy_maps:
      case Kind::btf_maps:
      case Kind::struct_ops:
      case Kind::data:
        return t == elf::STT_NOTYPE || t == elf::STT_OBJECT ? &si : nullptr;
      case Kind::program:
        if (t != elf::STT_NOTYPE && t != elf::STT_FUNC) return nullptr;
        // Old LLVM's local basic-block labels are jump targets, not functions.
        if (t == elf::STT_NOTYPE && sym.binding() == elf::STB_LOCAL && sym.name.starts_with("LBB")) return nullptr;
        return &si;
      default:
        return nullptr;
    }
  };
  // Counted first: each section's list is allocated once.
  std::vector<std::uint32_t> counts(info_.size(), 0);
  for (const auto& sym : symbols_)
    if (section_of(sym) != nullptr) ++counts[sym.section];
  for (std::size_t i = 0; i < info_.size(); ++i) info_[i].symbols.reserve(counts[i]);
  for (const auto& sym : symbols_)
    if (SectionInfo* si = section_of(sym)) si->symbols.push_back(&sym);
  // Compilers emit them in order: sorting (which allocates a buffer) is usually not needed.
  auto by_value = [](const Symbol* a, const Symbol* b) { return a->value < b->value; };
  for (auto& si : info_)
    if (!std::is_sorted(si.symbols.begin(), si.symbols.end(), by_value))
      std::stable_sort(si.symbols.begin(), si.symbols.end(), by_value);
  return {};
}

Result<void> Loader::load_relocations() {
  const auto& secs = f_.sections();
  for (const auto& rs : secs) {
    if (rs.type != elf::SHT_REL && rs.type != elf::SHT_RELA) continue;
    if (rs.info >= secs.size())
      return fail(errc::malformed, "load relocations: section " + str(rs.name) + ": target section index " +
                                       std::to_string(rs.info) + " out of range");
    auto& target = info_[rs.info];
    const Section& tsec = secs[rs.info];
    if (target.kind != Kind::program && target.kind != Kind::btf_maps && target.kind != Kind::struct_ops) continue;
    auto ctx = [&] { return std::string("load relocations: relocation for section " + str(tsec.name)); };
    EBPF_TRY_CTX(auto rels, f_.relocations(rs), ctx());
    target.relocations.reserve(target.relocations.size() + rels.size());
    for (const auto& r : rels) {
      if (r.symbol == 0 || r.symbol >= symbols_.size())
        return fail(errc::malformed, ctx() + ": offset " + std::to_string(r.offset) + ": symbol " +
                                         std::to_string(r.symbol) + " doesn't exist");
      if (r.offset >= tsec.size)
        return fail(errc::malformed, ctx() + ": offset " + std::to_string(r.offset) + " beyond the section's size");
      const Symbol& sym = symbols_[r.symbol];
      const std::uint16_t ts = sym.section;
      if (ts >= info_.size() || (ts != elf::SHN_UNDEF && info_[ts].kind == Kind::ignored) ||
          ts >= elf::SHN_LORESERVE) {
        std::string where = ts < secs.size() ? str(secs[ts].name) : "index " + std::to_string(ts);
        return fail(errc::not_supported, "load relocations: section " + str(tsec.name) + ": reference to " +
                                             (sym.name.empty() ? "symbol " + std::to_string(r.symbol) : str(sym.name)) +
                                             " in section " + where + ": not supported");
      }
      info_[ts].references++;
      target.relocations.emplace_back(r.offset, &sym);
    }
  }
  auto by_offset = [](const auto& a, const auto& b) { return a.first < b.first; };
  for (auto& si : info_)
    if (!std::is_sorted(si.relocations.begin(), si.relocations.end(), by_offset))
      std::stable_sort(si.relocations.begin(), si.relocations.end(), by_offset);
  return {};
}

// iproute2's map-in-map identifiers (struct bpf_elf_map): an array/hash of maps whose `inner_id` equals another
// map's `id` takes that map as its inner map template; a map with an `id`, no `inner_id` and an `inner_idx`
// other than ~0 is stored at key `inner_idx` of every map of maps whose `inner_id` is its `id`.
struct ElfMapIds {
  std::string name;
  std::uint32_t id = 0;
  std::uint32_t inner_id = 0;
  std::uint32_t inner_idx = 0;
};
constexpr std::uint64_t kElfMapSize = 36;  // sizeof(struct bpf_elf_map)

Result<void> link_elf_maps(CollectionSpec& spec, const std::vector<ElfMapIds>& maps, std::endian order) {
  if (maps.empty()) return {};
  std::unordered_map<std::uint32_t, const ElfMapIds*> by_id;  // the first map with each id, as iproute2 finds it
  for (const auto& m : maps)
    if (m.id != 0) by_id.emplace(m.id, &m);
  for (const auto& outer : maps) {
    MapSpec& o = spec.maps.at(outer.name);
    if (outer.inner_id == 0 || (o.type != MapType::array_of_maps && o.type != MapType::hash_of_maps)) continue;
    auto found = by_id.find(outer.inner_id);
    const ElfMapIds* inner = found != by_id.end() ? found->second : nullptr;
    if (inner == nullptr)
      return fail(errc::malformed, "load maps: map " + outer.name + ": inner map with id " +
                                       std::to_string(outer.inner_id) + " not found");
    const MapSpec& i = spec.maps.at(inner->name);
    if (i.type == MapType::array_of_maps || i.type == MapType::hash_of_maps)
      return fail(errc::not_supported, "load maps: map " + outer.name + ": inner map " + inner->name +
                                           ": nested inner maps are not supported");
    o.inner_map = std::make_unique<MapSpec>(i);
    if (inner->inner_id != 0 || inner->inner_idx == 0xffffffffu) continue;
    if (o.key_size != 0 && o.key_size != 4)
      return fail(errc::malformed, "load maps: map " + outer.name + ": key size " + std::to_string(o.key_size) +
                                       ": cannot store inner map " + inner->name + " at index " +
                                       std::to_string(inner->inner_idx));
    MapKV kv;
    kv.key.resize(4);
    std::uint32_t key = inner->inner_idx;  // in the object's byte order, like the rest of the contents
    if (order != std::endian::native) key = __builtin_bswap32(key);
    std::memcpy(kv.key.data(), &key, 4);
    kv.value = ObjectRef{inner->name};
    o.contents.push_back(std::move(kv));
  }
  return {};
}

Result<void> Loader::load_legacy_maps(CollectionSpec& spec) {
  std::vector<ElfMapIds> elf_maps;
  for (const auto& sec : f_.sections()) {
    const auto& si = info_[sec.index];
    if (si.kind != Kind::legacy_maps) continue;
    auto ctx = [&] { return std::string("load maps: section " + str(sec.name)); };
    const std::size_t n = si.symbols.size();
    if (n == 0) return fail(errc::malformed, ctx() + ": no symbols");
    if (sec.type == elf::SHT_NOBITS) return fail(errc::malformed, ctx() + ": no contents");
    if (sec.size % n != 0) return fail(errc::malformed, ctx() + ": map descriptors are not of equal size");
    const std::uint64_t size = sec.size / n;
    auto data = f_.data(sec);
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t off = i * size;
      const Symbol* sym = symbol_at(si, off);
      if (!sym) return fail(errc::malformed, ctx() + ": missing symbol for map at offset " + std::to_string(off));
      const std::string name = str(sym->name);
      if (spec.maps.contains(name)) return fail(errc::malformed, ctx() + ": map " + name + " already exists");
      const std::byte* p = data.data() + off;
      static constexpr const char* kFields[] = {"type", "key size", "value size", "max entries", "flags"};
      for (std::size_t k = 0; k < 5; ++k)
        if (size < (k + 1) * 4) return fail(errc::malformed, ctx() + ": map " + name + ": missing " + kFields[k]);
      MapSpec m;
      m.name = name;
      m.type = static_cast<MapType>(f_.u32(p));
      m.key_size = f_.u32(p + 4);
      m.value_size = f_.u32(p + 8);
      m.max_entries = f_.u32(p + 12);
      m.flags = f_.u32(p + 16);
      if (size >= kElfMapSize) {
        // iproute2's struct bpf_elf_map continues with id, pinning, inner_id, inner_idx: interpreted here, so
        // only what follows them is left in `extra`.
        ElfMapIds ids{name, f_.u32(p + 20), f_.u32(p + 28), f_.u32(p + 32)};
        if (f_.u32(p + 24) == 2 /* PIN_GLOBAL_NS */) m.pinning = PinType::by_name;
        m.extra.assign(p + kElfMapSize, p + size);
        if (ids.id != 0 || ids.inner_id != 0) elf_maps.push_back(std::move(ids));
      } else if (size > 20) {
        m.extra.assign(p + 20, p + size);
        if (size >= 28 && f_.u32(p + 24) == 2 /* PIN_GLOBAL_NS */) m.pinning = PinType::by_name;
      }
      spec.maps.emplace(name, std::move(m));
    }
  }
  return link_elf_maps(spec, elf_maps, f_.byte_order());
}

// An unsigned value encoded in a BTF map definition member: __uint(name, N) is `int (*name)[N]`, and __ulong
// (64-bit map_extra) is an enum whose single enumerator holds the value.
Result<std::uint64_t> btf_uint(const btf::Spec& b, btf::TypeId id) {
  // The usual shape, `int (*)[N]` with no qualifiers or typedefs: two lookups.
  if (auto t = b.type(id); t && t->kind() == btf::Kind::ptr) {
    if (auto arr = b.type(t->ref()); arr && arr->kind() == btf::Kind::array) return std::uint64_t{arr->array().nelems};
  }
  EBPF_TRY(auto t, b.resolve(id));
  if (t.is_enum()) {
    if (t.vlen() == 0) return fail(errc::malformed, "enum without values");
    return t.enumerator(0).value;
  }
  if (t.kind() != btf::Kind::ptr) return fail(errc::malformed, "not a pointer: " + b.format_c(id));
  EBPF_TRY(auto arr, b.resolve(t.ref()));
  if (arr.kind() != btf::Kind::array) return fail(errc::malformed, "not a pointer to array: " + b.format_c(id));
  return std::uint64_t{arr.array().nelems};
}

Result<std::uint32_t> btf_u32(const btf::Spec& b, btf::TypeId id) {
  EBPF_TRY(auto v, btf_uint(b, id));
  if (v > 0xffffffffu) return fail(errc::malformed, "value " + std::to_string(v) + " does not fit 32 bits");
  return static_cast<std::uint32_t>(v);
}

// Size of the type a `key`/`value` member points to.
Result<std::uint32_t> btf_pointee_size(const btf::Spec& b, btf::TypeId id, const char* what) {
  EBPF_TRY(auto t, b.resolve(id));
  if (t.kind() != btf::Kind::ptr) return fail(errc::malformed, std::string(what) + " type is not a pointer");
  EBPF_TRY(auto size, b.size_of(t.ref()));
  if (size > 0xffffffffu) return fail(errc::malformed, std::string(what) + " type too large");
  return static_cast<std::uint32_t>(size);
}

// Values already decoded from BTF map definitions, by type id: definitions of one object share most of their
// member types (`int (*)[1]` for BPF_MAP_TYPE_HASH, `__u32 *` keys...). Fixed size, no allocation.
class BtfValueCache {
 public:
  enum Query : std::uint32_t { uint_value = 0, pointee_size = 1 };
  std::optional<std::uint64_t> find(Query q, btf::TypeId id) const noexcept {
    const std::uint64_t key = (std::uint64_t{id} << 1) | q;
    for (std::size_t i = 0; i < n_; ++i)
      if (keys_[i] == key) return values_[i];
    return std::nullopt;
  }
  void add(Query q, btf::TypeId id, std::uint64_t value) noexcept {
    if (n_ == kSize) return;
    keys_[n_] = (std::uint64_t{id} << 1) | q;
    values_[n_++] = value;
  }

 private:
  static constexpr std::size_t kSize = 32;
  std::uint64_t keys_[kSize];
  std::uint64_t values_[kSize];
  std::size_t n_ = 0;
};

struct BtfMapContext {
  BtfValueCache& cache;
  const btf::Spec& btf;
  const SectionInfo& maps;   // the .maps section: relocations of `values`
  std::uint64_t var_offset;  // of the map variable within .maps
  std::uint64_t var_size;
  std::uint64_t align;       // pointer width of `values` slots
  std::endian order;
};

Result<MapSpec> parse_btf_map(const BtfMapContext& ctx, const std::string& name, btf::Type def, bool inner);

Result<std::uint32_t> cached_u32(BtfValueCache& cache, const btf::Spec& b, btf::TypeId id) {
  if (auto v = cache.find(BtfValueCache::uint_value, id)) return static_cast<std::uint32_t>(*v);
  EBPF_TRY(auto v, btf_u32(b, id));
  cache.add(BtfValueCache::uint_value, id, v);
  return v;
}

Result<std::uint32_t> cached_pointee_size(BtfValueCache& cache, const btf::Spec& b, btf::TypeId id, const char* what) {
  if (auto v = cache.find(BtfValueCache::pointee_size, id)) return static_cast<std::uint32_t>(*v);
  EBPF_TRY(auto v, btf_pointee_size(b, id, what));
  cache.add(BtfValueCache::pointee_size, id, v);
  return v;
}

Result<void> parse_btf_values(const BtfMapContext& ctx, MapSpec& m, const btf::Member& member, bool inner) {
  if (inner) return fail(errc::not_supported, "nested inner maps are not supported");
  const auto& b = ctx.btf;
  EBPF_TRY(auto arr, b.resolve(member.type));
  if (arr.kind() != btf::Kind::array) return fail(errc::malformed, "values: not an array: " + b.format_c(member.type));
  EBPF_TRY(auto ptr, b.resolve(arr.array().elem));
  if (ptr.kind() != btf::Kind::ptr) return fail(errc::malformed, "values: not an array of pointers");
  EBPF_TRY(auto target, b.resolve(ptr.ref()));
  if (target.is_struct_or_union()) {
    if (!can_store_map(m.type))
      return fail(errc::malformed, "values: map definitions in a map of type " + std::string(to_string(m.type)));
    EBPF_TRY_CTX(auto im, parse_btf_map(ctx, m.name + "_inner", target, true), "inner map");
    m.inner_map = std::make_unique<MapSpec>(std::move(im));
  } else if (target.kind() == btf::Kind::func_proto) {
    if (!can_store_program(m.type))
      return fail(errc::malformed, "values: programs in a map of type " + std::string(to_string(m.type)));
  } else {
    return fail(errc::malformed, "unsupported value type " + b.format_c(ptr.ref()) + " in 'values' field");
  }
  if (m.value_size != 0 && m.value_size != 4)
    return fail(errc::malformed, "values: value size " + std::to_string(m.value_size) + " is not 4");
  m.value_size = 4;
  if (m.key_size == 0) m.key_size = 4;
  // The slots of `values` run from the member to the end of the variable; relocations fill the used ones.
  const std::uint64_t start = ctx.var_offset + member.bit_offset / 8;
  const std::uint64_t end = ctx.var_offset + ctx.var_size;
  if (ctx.align == 0 || start > end || (end - start) % ctx.align != 0)
    return fail(errc::malformed, "values: unaligned static values section");
  for (std::uint64_t k = 0, off = start; off < end; ++k, off += ctx.align) {
    auto it = std::lower_bound(ctx.maps.relocations.begin(), ctx.maps.relocations.end(), off,
                               [](const auto& r, std::uint64_t o) { return r.first < o; });
    if (it == ctx.maps.relocations.end() || it->first != off) continue;
    const Symbol& sym = *it->second;
    if (sym.type() != elf::STT_FUNC && sym.type() != elf::STT_OBJECT)
      return fail(errc::malformed, std::string("values: unknown relocation type ") + type_name(sym.type()));
    MapKV kv;
    kv.key.resize(4);
    std::uint32_t key = static_cast<std::uint32_t>(k);
    if (ctx.order != std::endian::native) key = __builtin_bswap32(key);
    std::memcpy(kv.key.data(), &key, 4);
    kv.value = ObjectRef{str(sym.name)};
    m.contents.push_back(std::move(kv));
  }
  return {};
}

// The members a BTF map definition may have.
enum class MapField : std::uint8_t {
  unknown, type, map_flags, max_entries, numa_node, map_extra, pinning, key, value, key_size, value_size, values
};

MapField map_field(std::string_view n) noexcept {
  using namespace std::string_view_literals;
  switch (n.size()) {
    case 3: return n == "key"sv ? MapField::key : MapField::unknown;
    case 4: return n == "type"sv ? MapField::type : MapField::unknown;
    case 5: return n == "value"sv ? MapField::value : MapField::unknown;
    case 6: return n == "values"sv ? MapField::values : MapField::unknown;
    case 7: return n == "pinning"sv ? MapField::pinning : MapField::unknown;
    case 8: return n == "key_size"sv ? MapField::key_size : MapField::unknown;
    case 9:
      if (n == "map_flags"sv) return MapField::map_flags;
      if (n == "numa_node"sv) return MapField::numa_node;
      if (n == "map_extra"sv) return MapField::map_extra;
      return MapField::unknown;
    case 10: return n == "value_size"sv ? MapField::value_size : MapField::unknown;
    case 11: return n == "max_entries"sv ? MapField::max_entries : MapField::unknown;
    default: return MapField::unknown;
  }
}

Result<MapSpec> parse_btf_map(const BtfMapContext& ctx, const std::string& name, btf::Type def, bool inner) {
  const auto& b = ctx.btf;
  if (def.kind() != btf::Kind::struct_)
    return fail(errc::malformed, "expected struct, got " + std::string(btf::kind_name(def.kind())));
  MapSpec m;
  m.name = name;
  const std::size_t n = def.vlen();
  for (std::size_t i = 0; i < n; ++i) {
    const auto member = def.member(i);
    const MapField field = map_field(member.name);
    auto wrap = [&](Error e) { return fail(std::move(e).with_context("field " + str(member.name))); };
    // Most fields are a 32-bit number encoded in the member's type.
    std::uint32_t* target = nullptr;
    std::uint32_t type_value = 0;
    switch (field) {
      case MapField::type: target = &type_value; break;
      case MapField::map_flags: target = &m.flags; break;
      case MapField::max_entries: target = &m.max_entries; break;
      case MapField::numa_node: target = &m.numa_node; break;
      case MapField::key_size: target = &m.key_size; break;
      case MapField::value_size: target = &m.value_size; break;
      default: break;
    }
    if (target != nullptr) {
      auto v = cached_u32(ctx.cache, b, member.type);
      if (!v) return wrap(v.error());
      *target = *v;
      if (field == MapField::type) m.type = static_cast<MapType>(type_value);
      continue;
    }
    switch (field) {
      case MapField::map_extra: {
        auto v = btf_uint(b, member.type);
        if (!v) return wrap(v.error());
        m.map_extra = *v;
        break;
      }
      case MapField::pinning: {
        auto v = cached_u32(ctx.cache, b, member.type);
        if (!v) return wrap(v.error());
        if (*v > 1) return fail(errc::not_supported, "field pinning: unsupported pinning type " + std::to_string(*v));
        m.pinning = *v == 1 ? PinType::by_name : PinType::none;
        break;
      }
      case MapField::key:
      case MapField::value: {
        // __type(key, T) / __type(value, T): a pointer to T gives the size and the BTF type.
        const bool key = field == MapField::key;
        auto v = cached_pointee_size(ctx.cache, b, member.type, key ? "key" : "value");
        if (!v) return wrap(v.error());
        (key ? m.key_size : m.value_size) = *v;
        if (auto p = b.resolve(member.type)) (key ? m.key_type : m.value_type) = p->ref();
        break;
      }
      case MapField::values: {
        if (i + 1 != n) return fail(errc::malformed, "'values' must be the last field of a BTF map definition");
        auto r = parse_btf_values(ctx, m, member, inner);
        if (!r) return wrap(r.error());
        break;
      }
      default:
        return fail(errc::malformed, "unrecognized field " + str(member.name) + " in BTF map definition");
    }
  }
  return m;
}

Result<void> Loader::load_btf_maps(CollectionSpec& spec) {
  for (const auto& sec : f_.sections()) {
    const auto& si = info_[sec.index];
    if (si.kind != Kind::btf_maps) continue;
    auto ctx = [&] { return std::string("load BTF maps: section " + str(sec.name)); };
    if (!btf_) return fail(errc::malformed, ctx() + ": missing BTF");
    auto ds = datasec(sec.name);
    if (!ds) return fail(errc::malformed, ctx() + ": cannot find section '" + str(sec.name) + "' in BTF");
    auto data = f_.data(sec);
    BtfValueCache cache;
    for (std::size_t i = 0; i < ds->vlen(); ++i) {
      auto vs = ds->var_info(i);
      auto var = btf_->type(vs.type);
      if (!var || var->kind() != btf::Kind::var)
        return fail(errc::malformed, ctx() + ": entry " + std::to_string(i) + " is not a variable");
      const std::string name = str(var->name());
      // Compilers leave DATASEC offsets zero in objects: the symbol table has the real one.
      const Symbol* sym = nullptr;
      for (const Symbol* cand : si.symbols)
        if (cand->name == name) sym = cand;
      if (!sym) return fail(errc::malformed, ctx() + ": map " + name + ": no symbol");
      vs.offset = static_cast<std::uint32_t>(std::min<std::uint64_t>(sym->value, 0xffffffffu));
      if (static_cast<std::uint64_t>(vs.offset) + vs.size > sec.size)
        return fail(errc::malformed, ctx() + ": map " + name + ": definition beyond the section");
      if (sec.type != elf::SHT_NOBITS) {
        for (std::uint32_t k = 0; k < vs.size; ++k)
          if (data[vs.offset + k] != std::byte{0})
            return fail(errc::not_supported,
                        ctx() + ": map " + name + ": initializing BTF map definitions: not supported");
      }
      if (spec.maps.contains(name)) return fail(errc::malformed, ctx() + ": map " + name + " already exists");
      auto def = btf_->resolve(var->ref());
      if (!def) return fail(def.error().with_context(ctx() + ": map " + name));
      BtfMapContext mc{cache, *btf_, si, vs.offset, vs.size, sec.addralign ? sec.addralign : 8, f_.byte_order()};
      auto m = parse_btf_map(mc, name, *def, false);
      if (!m) return fail(m.error().with_context(ctx() + ": map " + name));
      if (m->key_type != 0 || m->value_type != 0) m->btf = btf_;
      for (const auto& tag : decl_tags_)
        if (tag.ref() == vs.type || tag.ref() == var->ref() || tag.ref() == def->id())
          m->tags.push_back(str(tag.name()));
      spec.maps.emplace(name, std::move(*m));
    }
  }
  return {};
}

// .struct_ops / .struct_ops.link: each variable is a struct_ops map whose value is the variable's bytes. Its
// function pointer members are relocations to struct_ops programs: each such program is told which
// "<struct>:<member>" it implements (ProgramSpec::attach_to), from which the slot is filled at load.
Result<void> Loader::load_struct_ops(CollectionSpec& spec) {
  for (const auto& sec : f_.sections()) {
    const auto& si = info_[sec.index];
    if (si.kind != Kind::struct_ops) continue;
    auto ctx = [&] { return "load struct_ops: section " + str(sec.name); };
    if (!btf_) return fail(errc::malformed, ctx() + ": missing BTF");
    auto ds = datasec(sec.name);
    if (!ds) return fail(errc::malformed, ctx() + ": cannot find section '" + str(sec.name) + "' in BTF");
    auto data = f_.data(sec);
    for (std::size_t i = 0; i < ds->vlen(); ++i) {
      auto var = btf_->type(ds->var_info(i).type);
      if (!var || var->kind() != btf::Kind::var)
        return fail(errc::malformed, ctx() + ": entry " + std::to_string(i) + " is not a variable");
      const std::string name = str(var->name());
      const Symbol* sym = nullptr;
      for (const Symbol* cand : si.symbols)
        if (cand->name == name) sym = cand;
      if (!sym) return fail(errc::malformed, ctx() + ": map " + name + ": no symbol");
      auto type = btf_->resolve(var->ref());
      if (!type || type->kind() != btf::Kind::struct_)
        return fail(errc::malformed, ctx() + ": map " + name + ": not a struct");
      const std::uint64_t size = type->size();
      if (sym->value > data.size() || size > data.size() - sym->value)
        return fail(errc::malformed, ctx() + ": map " + name + ": beyond the section");
      if (spec.maps.contains(name)) return fail(errc::malformed, ctx() + ": map " + name + " already exists");
      MapSpec m;
      m.name = name;
      m.type = MapType::struct_ops;
      m.key_size = 4;
      m.value_size = static_cast<std::uint32_t>(size);
      m.max_entries = 1;
      if (sec.name == ".struct_ops.link") m.flags = map_flags::link;
      MapKV kv;
      kv.key.assign(4, std::byte{0});
      kv.value = std::vector<std::byte>(data.begin() + static_cast<std::ptrdiff_t>(sym->value),
                                        data.begin() + static_cast<std::ptrdiff_t>(sym->value + size));
      m.contents.push_back(std::move(kv));
      spec.maps.emplace(name, std::move(m));
      // Function pointers: relocations inside the variable.
      for (const auto& [off, target] : si.relocations) {
        if (off < sym->value || off >= sym->value + size) continue;
        const std::uint64_t bit = (off - sym->value) * 8;
        for (std::size_t k = 0; k < type->vlen(); ++k) {
          const auto member = type->member(k);
          if (member.bit_offset != bit) continue;
          struct_ops_members_.emplace_back(str(target->name), str(type->name()) + ":" + str(member.name));
        }
      }
    }
  }
  return {};
}

// Largest .bss-style (NOBITS) data section accepted: well above any kernel's maximum array value size.
constexpr std::uint64_t kMaxNobitsDataSize = std::uint64_t{64} << 20;

Result<void> Loader::load_data_sections(CollectionSpec& spec) {
  for (const auto& sec : f_.sections()) {
    const auto& si = info_[sec.index];
    if (si.kind != Kind::data || si.references == 0) continue;  // unreferenced data sections are pruned
    if (sec.size > 0xffffffffu)
      return fail(errc::malformed, "load data sections: data section " + str(sec.name) + ": contents exceed maximum size");
    // A NOBITS section's size is not bounded by the file: cap it so that a hostile header cannot make setting a
    // variable allocate gigabytes. The kernel refuses array values this large anyway (KMALLOC_MAX_SIZE).
    if (sec.type == elf::SHT_NOBITS && sec.size > kMaxNobitsDataSize)
      return fail(errc::malformed, "load data sections: data section " + str(sec.name) + ": size " +
                                       std::to_string(sec.size) + " exceeds the " +
                                       std::to_string(kMaxNobitsDataSize >> 20) + " MiB a map value can hold");
    const std::string name = str(sec.name);
    MapSpec m;
    m.name = name;
    m.type = MapType::array;
    m.key_size = 4;
    m.value_size = static_cast<std::uint32_t>(sec.size);
    m.max_entries = 1;
    const bool bss = sec.type == elf::SHT_NOBITS || name == ".bss" || name.starts_with(".bss.");
    if (name.starts_with(".rodata")) m.flags = map_flags::rdonly_prog;  // frozen after load
    if (!bss) {
      auto d = f_.data(sec);
      MapKV kv;
      kv.key.assign(4, std::byte{0});
      kv.value = std::vector<std::byte>(d.begin(), d.end());
      m.contents.push_back(std::move(kv));
    }
    if (btf_) {
      if (auto ds = datasec(sec.name); ds && ds->size() == m.value_size) {
        m.btf = btf_;
        m.value_type = ds->id();
      }
    }
    if (spec.maps.contains(name)) return fail(errc::malformed, "load data sections: map " + name + " already exists");
    spec.maps.emplace(name, std::move(m));
    // Global, visible objects of the section are variables.
    for (const Symbol* sym : si.symbols) {
      if (sym->type() != elf::STT_OBJECT) continue;
      if (sym->binding() == elf::STB_LOCAL || sym->visibility() == elf::STV_HIDDEN ||
          sym->visibility() == elf::STV_INTERNAL)
        continue;
      if (sym->value > sec.size || sym->size > sec.size - sym->value)
        return fail(errc::malformed, "load data sections: section " + name + ": symbol " + str(sym->name) +
                                         ": offset " + std::to_string(sym->value) + " size " + std::to_string(sym->size) +
                                         " beyond the section");
      spec.variables[str(sym->name)] = VariableSpec{str(sym->name), name, sym->value, sym->size, 0};
    }
    // BTF types of the variables, from the section's DATASEC.
    if (btf_) {
      if (auto ds = datasec(sec.name)) {
        for (std::size_t i = 0; i < ds->vlen(); ++i) {
          auto var = btf_->type(ds->var_info(i).type);
          if (!var || var->kind() != btf::Kind::var) continue;
          auto it = spec.variables.find(str(var->name()));
          if (it != spec.variables.end() && it->second.section == name) it->second.type = var->ref();
        }
      }
    }
  }
  return {};
}

void Loader::add_extern(CollectionSpec& spec, const Symbol& sym, bool call) {
  for (auto& e : spec.externs) {
    if (e.name != sym.name) continue;
    if (call) e.kind = ExternSpec::Kind::function;  // a kfunc whose address is also taken
    return;
  }
  spec.externs.push_back(ExternSpec{str(sym.name), call ? ExternSpec::Kind::function : ExternSpec::Kind::variable,
                                    sym.binding() == elf::STB_WEAK});
}

namespace pseudo {
constexpr auto map_fd = static_cast<insn::Register>(insn::PseudoSource::map_fd);
constexpr auto map_value = static_cast<insn::Register>(insn::PseudoSource::map_value);
constexpr auto func = static_cast<insn::Register>(insn::PseudoSource::func);
constexpr auto kfunc_call = static_cast<insn::Register>(insn::CallSource::kfunc);
}  // namespace pseudo

Result<std::string_view> Loader::relocate(insn::Instruction& ins, const Symbol& sym, CollectionSpec& spec) {
  const auto typ = sym.type();
  const auto bind = sym.binding();
  std::string_view name_view = sym.name;
  auto name = [&name_view] { return str(name_view); };  // for messages
  const auto& target_info = info_[sym.section];
  const bool lddw = ins.is_load_imm64();
  const auto low32 = static_cast<std::uint32_t>(static_cast<std::uint64_t>(ins.constant));
  if (typ == elf::STT_SECTION && sym.section < f_.sections().size()) {
    // Section symbols are nameless: name the object at the referenced offset, or else the section.
    const Symbol* at = symbol_at(target_info, low32);
    name_view = at ? at->name : f_.sections()[sym.section].name;
  }
  switch (target_info.kind) {
    case Kind::legacy_maps:
    case Kind::btf_maps:
      // Weak maps are global too: libbpf's usdt.bpf.h declares its maps __weak so several objects may share them.
      if (bind != elf::STB_GLOBAL && bind != elf::STB_WEAK)
        return fail(errc::bad_relocation,
                    "possible erroneous static qualifier on map definition: found reference to " + name());
      if (typ != elf::STT_OBJECT && typ != elf::STT_NOTYPE)
        return fail(errc::bad_relocation, std::string("map load: incorrect relocation type ") + type_name(typ));
      if (!lddw) return fail(errc::bad_relocation, "map " + name() + ": reference from a non-lddw instruction");
      ins.src = pseudo::map_fd;
      ins.constant = 0;
      break;
    case Kind::data: {
      if (!lddw) return fail(errc::bad_relocation, "data section: reference from a non-lddw instruction");
      std::uint32_t offset = 0;
      switch (typ) {
        case elf::STT_SECTION:
          if (bind != elf::STB_LOCAL)
            return fail(errc::bad_relocation,
                        "direct load: " + name() + ": unsupported section relocation " + binding_name(bind));
          offset = low32;
          break;
        case elf::STT_OBJECT:
          if (bind != elf::STB_GLOBAL && bind != elf::STB_LOCAL && bind != elf::STB_WEAK)
            return fail(errc::bad_relocation,
                        "direct load: " + name() + ": unsupported object relocation " + binding_name(bind));
          offset = static_cast<std::uint32_t>(sym.value + low32);
          break;
        case elf::STT_NOTYPE:
          if (bind != elf::STB_LOCAL)
            return fail(errc::bad_relocation,
                        "direct load: " + name() + ": unsupported untyped relocation " + binding_name(bind));
          offset = static_cast<std::uint32_t>(sym.value + low32);
          break;
        default:
          return fail(errc::bad_relocation,
                      std::string("incorrect relocation type ") + type_name(typ) + " for direct map load");
      }
      name_view = f_.sections()[sym.section].name;
      ins.src = pseudo::map_value;
      // The kernel takes the offset in the second half; the first is the map's fd, filled in at load.
      ins.constant = static_cast<std::int64_t>(static_cast<std::uint64_t>(offset) << 32);
      break;
    }
    case Kind::program: {
      const auto& tsi = target_info;
      if (ins.is_call()) {
        if (!ins.is_pseudo_call()) return fail(errc::bad_relocation, "call: " + name() + ": incorrect source register");
        if (typ == elf::STT_NOTYPE || typ == elf::STT_FUNC) {
          if (bind != elf::STB_GLOBAL && bind != elf::STB_WEAK)
            return fail(errc::bad_relocation, "call: " + name() + ": unsupported binding: " + binding_name(bind));
        } else if (typ == elf::STT_SECTION) {
          if (bind != elf::STB_LOCAL)
            return fail(errc::bad_relocation, "call: " + name() + ": unsupported binding: " + binding_name(bind));
          // Static functions: the immediate holds the target's slot within the section, minus one.
          const std::int64_t off = (static_cast<std::int64_t>(static_cast<std::int32_t>(ins.constant)) + 1) * 8;
          const Symbol* t = off >= 0 ? symbol_at(tsi, static_cast<std::uint64_t>(off)) : nullptr;
          if (!t) return fail(errc::bad_relocation, "call: no symbol at offset " + std::to_string(off));
          name_view = t->name;
        } else {
          return fail(errc::bad_relocation, "call: " + name() + ": invalid symbol type " + type_name(typ));
        }
        ins.constant = -1;
      } else if (lddw) {
        if (typ == elf::STT_FUNC) {
          if (bind != elf::STB_GLOBAL && bind != elf::STB_LOCAL)
            return fail(errc::bad_relocation, "load: " + name() + ": unsupported binding: " + binding_name(bind));
        } else if (typ == elf::STT_SECTION) {
          if (bind != elf::STB_LOCAL)
            return fail(errc::bad_relocation, "load: " + name() + ": unsupported binding: " + binding_name(bind));
          // The immediate holds the byte offset of the function within the section.
          const Symbol* t = symbol_at(tsi, low32);
          if (!t) return fail(errc::bad_relocation, "load: no symbol at offset " + std::to_string(low32));
          name_view = t->name;
        } else {
          return fail(errc::bad_relocation, "load: " + name() + ": invalid symbol type " + type_name(typ));
        }
        ins.constant = -1;
        ins.src = pseudo::func;
      } else {
        return fail(errc::bad_relocation,
                    "neither a call nor a load instruction (opcode " + std::to_string(ins.opcode.raw()) + ")");
      }
      break;
    }
    case Kind::undef:
      if (bind != elf::STB_GLOBAL && bind != elf::STB_WEAK)
        return fail(errc::bad_relocation, "asm relocation: " + name() + ": unsupported binding: " + binding_name(bind));
      if (typ != elf::STT_NOTYPE && typ != elf::STT_OBJECT && typ != elf::STT_FUNC)
        return fail(errc::bad_relocation, "asm relocation: " + name() + ": unsupported type " + type_name(typ));
      add_extern(spec, sym, ins.is_call());
      if (ins.is_call()) ins.src = pseudo::kfunc_call;  // clang emits kfunc calls as bpf-to-bpf calls
      break;
    default:
      return fail(errc::not_supported, "relocation to " + str(f_.sections()[sym.section].name) + ": not supported");
  }
  return name_view;
}

struct Function {
  std::string_view name;  // into the file's string table (valid while the loader runs)
  std::string_view section;
  const elf::ProgramKind* kind;  // of `section` (classified once per section)
  insn::Instructions insns;
  bool called = false;  // some function calls or loads it: its instructions are copied, not moved, when linked
  bool calls = false;   // it calls or loads functions
  std::uint32_t part = 0;  // deferred: 1 + its index among the deferred functions; 0: decoded
};

Result<void> Loader::load_programs(CollectionSpec& spec) {
  std::vector<Function> funcs;
  funcs.reserve(symbols_.size());  // at most one function per symbol
  std::vector<elf::ProgramKind> kinds;  // one per program section, in section order
  std::size_t program_sections = 0;
  for (const auto& sec : f_.sections()) program_sections += info_[sec.index].kind == Kind::program ? 1 : 0;
  kinds.reserve(program_sections);  // Function::kind points into it
  // .BTF.ext groups by section name, as index ranges [begin, end) of each list holding every group of that
  // section: one hash probe per program section instead of comparing every group's name (a section named twice,
  // malformed but possible, widens its range and the name checks below still pick its groups only).
  struct GroupRange {
    std::size_t begin = 0, end = 0;
  };
  struct ExtRanges {
    GroupRange func, line, core;
  };
  std::unordered_map<std::string_view, ExtRanges> ext_ranges;
  auto index_groups = [&ext_ranges](const auto& groups, GroupRange ExtRanges::*field) {
    for (std::size_t i = 0; i < groups.size(); ++i) {
      GroupRange& r = ext_ranges[groups[i].section].*field;
      if (r.end == 0) r.begin = i;
      r.end = i + 1;
    }
  };
  index_groups(ext_.func_info, &ExtRanges::func);
  index_groups(ext_.line_info, &ExtRanges::line);
  index_groups(ext_.core_relos, &ExtRanges::core);
  // Where each slot of the section being read starts an instruction: fn = 1 + the index of its function (0: not
  // an instruction's start), slot = its slot in that function. Decoded functions' instructions are in
  // `decoded_at`, which only sections with decoded functions fill. Both reused across sections.
  struct SlotEntry {
    std::uint32_t fn = 0;
    std::uint32_t slot = 0;
  };
  std::vector<SlotEntry> at_slot;
  std::vector<insn::Instruction*> decoded_at;
  // Every call and lddw, in all sections: a few of all instructions.
  struct CallSite {
    std::size_t fn, index, slot;  // function, index in it, slot in its section
  };
  std::vector<CallSite> call_sites;
  // Program functions whose instructions nobody needs decoded: those that call no function and carry only map and
  // data-section references (most programs). They stay encoded: their relocated bytes and metadata records go to
  // one storage shared by all of them, and ProgramSpec::instructions decodes them only if someone reads them.
  struct DeferredPart {
    std::size_t fn;
    std::size_t code_at, code_size;
  };
  struct DeferredRef {
    std::uint32_t part, slot;
    std::string_view name;  // into the file, copied to the storage's names at the end
  };
  struct DeferredFunc {
    std::uint32_t part, slot, type;
  };
  struct DeferredLine {
    std::uint32_t part, slot;
    std::uint32_t file_name_off, line_off, line_col;
  };
  std::vector<DeferredPart> parts;
  std::vector<std::byte> deferred_code;
  std::vector<DeferredRef> deferred_refs;
  std::vector<DeferredFunc> deferred_funcs;
  std::vector<DeferredLine> deferred_lines;
  {
    // Sized once for the whole object.
    std::size_t code = 0, fns = 0, relocs = 0, fis = 0, lis = 0;
    for (const auto& sec : f_.sections()) {
      const auto& si = info_[sec.index];
      if (si.kind != Kind::program) continue;
      code += f_.data(sec).size();
      fns += si.symbols.size();
      relocs += si.relocations.size();
    }
    for (const auto& group : ext_.func_info) fis += group.records.size();
    for (const auto& group : ext_.line_info) lis += group.records.size();
    parts.reserve(fns);
    deferred_code.reserve(code);
    deferred_refs.reserve(relocs);
    deferred_funcs.reserve(fis);
    deferred_lines.reserve(lis);
  }
  for (const auto& sec : f_.sections()) {
    auto& si = info_[sec.index];
    if (si.kind != Kind::program) continue;
    auto ctx = [&] { return std::string("load programs: section " + str(sec.name)); };
    ExtRanges ranges;
    if (auto it = ext_ranges.find(sec.name); it != ext_ranges.end()) ranges = it->second;
    // The groups of `list` in `range` (those of this section, and of other sections only if a name repeats).
    auto groups_in = [](const auto& list, GroupRange range) {
      return std::span(list.data() + range.begin, range.end - range.begin);
    };
    if (si.symbols.empty()) return fail(errc::malformed, ctx() + ": missing symbols");
    const std::span<const std::byte> bytes = f_.data(sec);
    kinds.push_back(elf::classify_program_section(sec.name));
    const std::size_t first_fn = funcs.size();
    auto add_function = [&](std::string_view name) -> Function& {
      Function& fn = funcs.emplace_back();
      fn.name = name;
      fn.section = sec.name;
      fn.kind = &kinds.back();
      return fn;
    };
    at_slot.assign(bytes.size() / 8, SlotEntry{});
    decoded_at.clear();
    std::size_t instructions = 0;  // decoded ones
    const std::size_t section_calls = call_sites.size();
    // The instruction starting at byte `off`, if one does: its deferred function's part (0 if decoded) and slot
    // there, or the decoded instruction.
    struct At {
      std::uint32_t part, slot;
      insn::Instruction* ins;
    };
    auto at_offset = [&](std::uint64_t off) -> std::optional<At> {
      if (off % 8 != 0 || off / 8 >= at_slot.size()) return std::nullopt;
      const SlotEntry e = at_slot[off / 8];
      if (e.fn == 0) return std::nullopt;
      const std::uint32_t part = funcs[e.fn - 1].part;
      return At{part, e.slot, part == 0 ? decoded_at[off / 8] : nullptr};
    };
    // Functions start at the section's symbols (sorted by offset; the first named at an offset names it), each
    // decoded straight into its own instructions. That needs every symbol on an instruction boundary and one at
    // offset 0; a section that breaks this is refused, and decoding it whole says exactly why.
    auto irregular = [&]() -> Error {
      auto whole = insn::Instructions::decode(bytes, f_.byte_order());
      if (!whole) return std::move(whole).error().with_context(ctx());
      if (whole->empty()) return Error::make(errc::malformed, ctx() + ": no instructions found");
      std::vector<bool> starts(bytes.size() / 8 + 1, false);
      for (auto [index, slot, ins] : whole->positioned()) starts[slot] = true;
      for (const Symbol* sym : si.symbols)
        if (sym->value % 8 != 0 || sym->value >= bytes.size() || !starts[sym->value / 8])
          return Error::make(errc::malformed, ctx() + ": symbol " + str(sym->name) + ": offset " +
                                                  std::to_string(sym->value) + " is not an instruction of the section");
      if (si.symbols.front()->value != 0) return Error::make(errc::malformed, ctx() + ": no symbol at offset 0");
      return Error::make(errc::malformed, ctx() + ": cannot be split into functions at its symbols");
    };
    if (si.symbols.front()->value != 0) return fail(irregular());
    for (const Symbol* sym : si.symbols)
      if (sym->value % 8 != 0 || sym->value >= bytes.size()) return fail(irregular());
    // Deferring needs no CO-RE record in the section (those are applied to decoded instructions).
    bool section_defers = sec.name != ".text" && elf::detail::deferred_decoding();
    for (const auto& group : groups_in(ext_.core_relos, ranges.core))
      if (group.section == sec.name && !group.records.empty()) section_defers = false;
    const bool little = f_.byte_order() == std::endian::little;
    std::size_t reloc = 0;  // first relocation at or after the current function
    for (std::size_t k = 0; k < si.symbols.size();) {
      const std::uint64_t start = si.symbols[k]->value;
      std::size_t next = k + 1;
      while (next < si.symbols.size() && si.symbols[next]->value == start) ++next;
      const std::uint64_t end = next < si.symbols.size() ? si.symbols[next]->value : bytes.size();
      const std::span<const std::byte> code = bytes.subspan(start, end - start);
      // Deferrable: its relocations name maps and data sections only, and it makes no bpf-to-bpf call.
      while (reloc < si.relocations.size() && si.relocations[reloc].first < start) ++reloc;
      bool defer = section_defers;
      for (std::size_t r = reloc; defer && r < si.relocations.size() && si.relocations[r].first < end; ++r) {
        const std::uint16_t target = si.relocations[r].second->section;
        const Kind tk = target < info_.size() ? info_[target].kind : Kind::ignored;
        defer = tk == Kind::legacy_maps || tk == Kind::btf_maps || tk == Kind::data;
      }
      if (defer) {
        // Checked as decoding would check it, and scanned for calls, in one pass.
        const auto fn_id = static_cast<std::uint32_t>(funcs.size() + 1);  // of the function added below
        std::size_t slot = start / 8;
        for (std::size_t pos = 0; defer && pos < code.size();) {
          const std::size_t width = insn::detail::valid_width(code.data() + pos, code.size() - pos, f_.byte_order());
          if (width == 0) return fail(irregular());  // e.g. a bad opcode, or a symbol inside a lddw
          const auto op = static_cast<std::uint8_t>(code[pos]);
          const auto regs = static_cast<std::uint8_t>(code[pos + 1]);
          const std::uint8_t src = little ? regs >> 4 : regs & 0x0f;
          if (op == 0x85 && src == static_cast<std::uint8_t>(insn::CallSource::pseudo)) defer = false;
          at_slot[slot] = SlotEntry{fn_id, static_cast<std::uint32_t>(pos / 8)};
          pos += width;
          slot += width / 8;
        }
        if (defer) {
          Function& fn = add_function(si.symbols[k]->name);
          parts.push_back(DeferredPart{funcs.size() - 1, deferred_code.size(), code.size()});
          fn.part = static_cast<std::uint32_t>(parts.size());
          deferred_code.insert(deferred_code.end(), code.begin(), code.end());
          k = next;
          continue;
        }
        for (std::size_t s = start / 8; s < end / 8; ++s) at_slot[s] = SlotEntry{};  // a call: decoded after all
      }
      auto decoded = insn::Instructions::decode(code, f_.byte_order());
      if (!decoded) return fail(irregular());  // e.g. a bad opcode, or a symbol inside a lddw
      Function& fn = add_function(si.symbols[k]->name);
      fn.insns = std::move(*decoded);
      if (decoded_at.empty()) decoded_at.assign(at_slot.size(), nullptr);
      const auto fn_id = static_cast<std::uint32_t>(funcs.size());
      std::size_t slot = start / 8;
      for (std::size_t i = 0; i < fn.insns.size(); ++i) {
        insn::Instruction& ins = fn.insns[i];
        at_slot[slot] = SlotEntry{fn_id, static_cast<std::uint32_t>(slot - start / 8)};
        decoded_at[slot] = &ins;
        // Calls, and lddw (which relocations may turn into function loads): the only instructions the passes
        // below over calls look at.
        if (ins.is_call() || ins.is_load_imm64()) call_sites.push_back(CallSite{funcs.size() - 1, i, slot});
        slot += ins.slots();
      }
      instructions += fn.insns.size();
      k = next;
    }
    // Decoded instructions that get metadata (symbols, .BTF.ext records, relocations) get their blocks from one
    // allocation, sized for one block per record (records sharing an instruction leave slots unused).
    std::optional<insn::MetadataArena> arena;
    if (instructions > 0) {
      std::size_t records = si.symbols.size() + si.relocations.size();
      for (const auto& group : groups_in(ext_.func_info, ranges.func)) records += group.records.size();
      for (const auto& group : groups_in(ext_.line_info, ranges.line)) records += group.records.size();
      for (const auto& group : groups_in(ext_.core_relos, ranges.core)) records += group.records.size();
      arena.emplace(std::min(records, instructions));
    }
    // Function boundaries: each function's first instruction carries its name.
    for (std::size_t f = first_fn; f < funcs.size(); ++f) {
      if (funcs[f].insns.empty()) continue;  // deferred: its storage names it
      insn::Instruction& head = funcs[f].insns.front();
      arena->place(head.metadata);
      head.metadata.set_symbol(funcs[f].name);
    }
    // Debug information from .BTF.ext travels with the instructions through linking and copying: each record
    // of this section's groups of `list` is handed to `set` with its instruction's metadata, or to `defer` with
    // its deferred function's slot.
    auto attach = [&](const auto& list, GroupRange range, const char* what, auto&& set, auto&& defer) -> Result<void> {
      for (const auto& group : groups_in(list, range)) {
        if (group.section != sec.name) continue;
        for (const auto& record : group.records) {
          const auto e = at_offset(record.insn_off);
          if (!e) [[unlikely]]
            return fail(errc::malformed, ctx() + ": " + what + " for offset " + std::to_string(record.insn_off) +
                                             " which is not an instruction");
          if (e->ins == nullptr) {
            defer(e->part - 1, e->slot, record);
            continue;
          }
          arena->place(e->ins->metadata);
          set(e->ins->metadata, record);
        }
      }
      return {};
    };
    EBPF_TRY_VOID(attach(
        ext_.func_info, ranges.func, "func info", [](insn::Metadata& m, const btf::FuncInfo& f) { m.set_func_info(f.type); },
        [&](std::uint32_t part, std::uint32_t slot, const btf::FuncInfo& f) {
          deferred_funcs.push_back(DeferredFunc{part, slot, f.type});
        }));
    // The texts are views into the BTF's strings: the lines share the spec's storage, no text is copied.
    const std::shared_ptr<const void> owner = btf_ && instructions > 0 ? btf_->impl_shared() : nullptr;
    EBPF_TRY_VOID(attach(
        ext_.line_info, ranges.line, "line info",
        [&owner, strings = btf_ ? btf_->impl() : nullptr](insn::Metadata& m, const btf::LineInfo& l) {
          // Offsets checked by parse_ext (read without the texts: deferred programs need none).
          m.set_source(strings->str(l.file_name_off), strings->str(l.line_off), l.line, l.column, owner);
        },
        [&](std::uint32_t part, std::uint32_t slot, const btf::LineInfo& l) {
          deferred_lines.push_back(DeferredLine{part, slot, l.file_name_off, l.line_off, l.line << 10 | l.column});
        }));
    EBPF_TRY_VOID(attach(
        ext_.core_relos, ranges.core, "CO-RE relocation",
        [](insn::Metadata& m, const btf::CoreRelo& c) {
          m.set_core_relocation(insn::CoreRelocation{c.type, str(c.access), static_cast<std::uint32_t>(c.kind)});
        },
        [](std::uint32_t, std::uint32_t, const btf::CoreRelo&) {}));  // none: such sections are not deferred
    // Relocations.
    for (std::size_t r = 0; r < si.relocations.size(); ++r) {
      const std::uint64_t off = si.relocations[r].first;
      if (r > 0 && si.relocations[r - 1].first == off) continue;  // duplicates: the first wins
      const auto e = at_offset(off);
      if (!e)
        return fail(errc::malformed, ctx() + ": offset " + std::to_string(off) +
                                         ": relocation is not at an instruction boundary");
      auto where = [&] { return ctx() + ": offset " + std::to_string(off) + ": relocating instruction"; };
      if (e->ins != nullptr) {
        arena->place(e->ins->metadata);
        auto name = relocate(*e->ins, *si.relocations[r].second, spec);
        if (!name) return fail(name.error().with_context(where()));
        e->ins->metadata.set_reference(*name);
        continue;
      }
      // Deferred: the instruction is relocated in the storage's copy of its bytes.
      const DeferredPart& part = parts[e->part - 1];
      std::byte* at = deferred_code.data() + part.code_at + std::size_t{e->slot} * 8;
      const std::size_t room = part.code_size - std::size_t{e->slot} * 8;
      auto ins = insn::decode_one(std::span<const std::byte>(at, room), f_.byte_order());
      if (!ins) return fail(ins.error().with_context(where()));  // unreachable: validated
      auto name = relocate(*ins, *si.relocations[r].second, spec);
      if (!name) return fail(name.error().with_context(where()));
      EBPF_TRY_VOID(ins->encode(std::span<std::byte>(at, room), f_.byte_order()));
      deferred_refs.push_back(DeferredRef{e->part - 1, e->slot, *name});
    }
    // Old LLVM encodes calls within the section as relative jumps without relocations.
    for (std::size_t c = section_calls; c < call_sites.size(); ++c) {
      const std::size_t here = call_sites[c].slot;
      insn::Instruction* ins = decoded_at[here];
      if (!ins->is_pseudo_call() || ins->constant == -1 || !ins->reference().empty()) continue;
      const std::int64_t tgt = (static_cast<std::int64_t>(here) + 1 + ins->constant) * 8;
      const Symbol* t = tgt >= 0 ? symbol_at(si, static_cast<std::uint64_t>(tgt)) : nullptr;
      if (!t)
        return fail(errc::malformed, ctx() + ": offset " + std::to_string(here * 8) +
                                         ": resolving relative jump: no jump target found at offset " + std::to_string(tgt));
      ins->metadata.set_reference(t->name);
      ins->constant = -1;
    }
  }
  if (!parts.empty()) {
    // The deferred functions' storage: one allocation each for their bytes, names and records, shared by all.
    struct Storage {
      std::vector<std::byte> code;
      std::string names;
      std::vector<insn::SlotReference> references;
      std::vector<insn::SlotFuncInfo> func_infos;
      std::vector<insn::SlotLine> lines;
      std::vector<insn::EncodedInstructions> parts;
      std::shared_ptr<const void> btf;  // the line texts view its strings
    };
    // Records by function and slot, one per slot: clang emits them so. Anything else is put in that order, the
    // last record of a slot winning as it does when attached to decoded instructions.
    auto in_order = [](auto& list) {
      auto key = [](const auto& r) { return std::pair(r.part, r.slot); };
      auto less = [&key](const auto& x, const auto& y) { return key(x) < key(y); };
      if (!std::is_sorted(list.begin(), list.end(), less)) std::stable_sort(list.begin(), list.end(), less);
      std::size_t kept = 0;
      for (std::size_t i = 0; i < list.size(); ++i)
        if (i + 1 == list.size() || key(list[i + 1]) != key(list[i])) list[kept++] = list[i];
      list.resize(kept);
    };
    in_order(deferred_refs);  // relocations come sorted, duplicates skipped: a no-op kept for clarity
    in_order(deferred_funcs);
    in_order(deferred_lines);
    auto storage = std::make_shared<Storage>();
    std::size_t name_bytes = 0;
    for (const DeferredPart& part : parts) name_bytes += funcs[part.fn].name.size();
    for (const DeferredRef& ref : deferred_refs) name_bytes += ref.name.size();
    storage->names.reserve(name_bytes);  // the views below stay valid: no reallocation
    auto keep = [&names = storage->names](std::string_view s) {
      const std::size_t at = names.size();
      names.append(s);
      return std::string_view(names.data() + at, s.size());
    };
    storage->code = std::move(deferred_code);
    storage->references.reserve(deferred_refs.size());
    for (const DeferredRef& r : deferred_refs) storage->references.push_back(insn::SlotReference{r.slot, keep(r.name)});
    storage->func_infos.reserve(deferred_funcs.size());
    for (const DeferredFunc& f : deferred_funcs) storage->func_infos.push_back(insn::SlotFuncInfo{f.slot, f.type});
    storage->lines.reserve(deferred_lines.size());
    for (const DeferredLine& l : deferred_lines)
      storage->lines.push_back(insn::SlotLine{l.slot, l.file_name_off, l.line_off, l.line_col});
    storage->btf = btf_ ? btf_->impl_shared() : nullptr;
    // The object's BTF strings (no base: offsets are local), which the line records index.
    const btf::detail::SpecImpl* impl = btf_ ? btf_->impl() : nullptr;
    const std::string_view strings = impl != nullptr ? std::string_view(impl->strings, impl->strings_len) : std::string_view();
    storage->parts.resize(parts.size());
    std::size_t ref_at = 0, func_at = 0, line_at = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      // The records of part i: the next run of each list.
      auto run = [i](const auto& pending, const auto& final_list, std::size_t& cursor) {
        const std::size_t first = cursor;
        while (cursor < pending.size() && pending[cursor].part == i) ++cursor;
        return std::span(final_list.data() + first, cursor - first);
      };
      insn::EncodedInstructions& e = storage->parts[i];
      e.bytes = std::span<const std::byte>(storage->code.data() + parts[i].code_at, parts[i].code_size);
      e.order = f_.byte_order();
      e.symbol = keep(funcs[parts[i].fn].name);
      e.references = run(deferred_refs, storage->references, ref_at);
      e.func_infos = run(deferred_funcs, storage->func_infos, func_at);
      e.lines = run(deferred_lines, storage->lines, line_at);
      e.strings = strings;
    }
    for (std::size_t i = 0; i < parts.size(); ++i)
      funcs[parts[i].fn].insns =
          insn::detail::adopt_encoded(std::shared_ptr<const insn::EncodedInstructions>(storage, &storage->parts[i]));
  }
  // Functions by name: a sorted vector (one allocation; only calls and function loads look names up).
  std::vector<std::pair<std::string_view, std::size_t>> by_name;
  by_name.reserve(funcs.size());
  for (std::size_t i = 0; i < funcs.size(); ++i) by_name.emplace_back(funcs[i].name, i);
  if (!std::is_sorted(by_name.begin(), by_name.end())) std::sort(by_name.begin(), by_name.end());
  for (std::size_t i = 1; i < by_name.size(); ++i)
    if (by_name[i].first == by_name[i - 1].first)
      return fail(errc::malformed, "load programs: duplicate program name " + std::string(by_name[i].first));
  auto find_function = [&by_name](std::string_view name) -> const std::pair<std::string_view, std::size_t>* {
    auto it = std::lower_bound(by_name.begin(), by_name.end(), name,
                               [](const auto& entry, std::string_view n) { return entry.first < n; });
    return it != by_name.end() && it->first == name ? &*it : nullptr;
  };
  // Functions that others reach keep their instructions for every program linking them; the others give theirs
  // to their program. Functions that reach none need no linking.
  for (const CallSite& site : call_sites) {
    Function& fn = funcs[site.fn];
    const auto& ins = fn.insns[site.index];
    if (!(ins.is_pseudo_call() || ins.is_func_load()) || ins.metadata.empty()) continue;
    fn.calls = true;
    if (auto* f = find_function(ins.reference()); f != nullptr && funcs[f->second].name != fn.name)
      funcs[f->second].called = true;
  }
  // Link: each program gets every function it reaches, once, after its own body.
  std::vector<std::string_view> placed;  // functions in the program being linked (reused: no allocation each)
  for (auto& fn : funcs) {
    if (fn.section == ".text") continue;
    // Built in place in the spec. Functions come in section and offset order, usually also name order: the hint
    // makes that insertion O(1). (Names are unique: checked above.)
    ProgramSpec& p = spec.programs.try_emplace(spec.programs.end(), std::string(fn.name))->second;
    p.name.assign(fn.name);
    p.section_name.assign(fn.section);
    p.type = fn.kind->type;
    p.attach_type = fn.kind->attach_type;
    p.flags = fn.kind->flags;
    p.attach_to.assign(fn.kind->attach_to);
    p.license = license_;
    p.kernel_version = version_;
    p.byte_order = f_.byte_order();
    p.btf = btf_;
    if (fn.called) {
      p.instructions = fn.insns;
    } else {
      p.instructions = std::move(fn.insns);
    }
    placed.assign(1, fn.name);
    for (std::size_t i = 0; fn.calls && i < p.instructions.size(); ++i) {
      const auto& ins = p.instructions[i];
      if (!(ins.is_pseudo_call() || ins.is_func_load()) || ins.reference().empty()) continue;
      const std::string_view ref = ins.reference();
      if (std::find(placed.begin(), placed.end(), ref) != placed.end()) continue;
      const auto* f = find_function(ref);
      if (f == nullptr) continue;  // left unresolved: refused at load
      const auto& callee = funcs[f->second];
      placed.push_back(callee.name);
      p.instructions.append(callee.insns);
    }
    // Calls and function loads are the only references an object's jumps carry.
    if (fn.calls)
      if (auto r = p.instructions.resolve_jumps(); !r)
        return fail(std::move(r).error().with_context("load programs: program " + p.name));
  }
  return {};
}

Result<CollectionSpec> Loader::run() {
  if (f_.machine() != elf::EM_BPF && f_.machine() != 0)
    return fail(errc::malformed, "not a BPF object: machine " + std::to_string(f_.machine()));
  CollectionSpec spec;
  spec.byte_order = f_.byte_order();
  EBPF_TRY_VOID(classify());
  EBPF_TRY_VOID(assign_symbols());
  EBPF_TRY_VOID(load_btf());
  spec.btf = btf_;
  spec.license = license_;
  spec.kernel_version = version_;
  EBPF_TRY_VOID(load_relocations());
  EBPF_TRY_VOID(load_legacy_maps(spec));
  EBPF_TRY_VOID(load_btf_maps(spec));
  EBPF_TRY_VOID(load_struct_ops(spec));
  EBPF_TRY_VOID(load_programs(spec));
  for (const auto& [prog, member] : struct_ops_members_) {
    auto it = spec.programs.find(prog);
    if (it != spec.programs.end() && it->second.type == ProgramType::struct_ops) it->second.attach_to = member;
  }
  EBPF_TRY_VOID(load_data_sections(spec));
  // Which externs are kconfig values and which kernel symbols: BTF's .kconfig / .ksyms DATASECs say.
  if (btf_) {
    for (const char* section : {".kconfig", ".ksyms"}) {
      auto ds = datasec(section);
      if (!ds) continue;
      for (std::size_t i = 0; i < ds->vlen(); ++i) {
        auto t = btf_->type(ds->var_info(i).type);
        if (!t) continue;
        for (auto& e : spec.externs)
          if (e.name == t->name()) e.section = section;
      }
    }
  }
  return spec;
}

}  // namespace

Result<CollectionSpec> load_collection_spec(std::span<const std::byte> bytes, std::string_view name) {
  auto file = elf::File::parse(bytes);
  if (!file) return fail(file.error().with_context(name));
  auto spec = Loader(*file).run();
  if (!spec) return fail(spec.error().with_context(name));
  return spec;
}

Result<CollectionSpec> load_collection_spec(const std::filesystem::path& path) {
  const std::string name = path.string();
  const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(Error::make(errc::sys, name + ": open", errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < 0) {
    const int err = errno;
    ::close(fd);
    return fail(Error::make(errc::sys, name + ": stat", err));
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  // Read, not mapped: measured, mapping the object (mmap, page faults, munmap) costs more than copying it, and
  // the copy leaves nothing mapped. Uninitialised: read() fills it.
  std::unique_ptr<std::byte[]> buf(new std::byte[size > 0 ? size : 1]);
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd, buf.get() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return fail(Error::make(errc::sys, name + ": read", err));
    }
    if (n == 0) break;  // the file shrank while reading: parse what is there
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return load_collection_spec(std::span<const std::byte>(buf.get(), got), name);
}

}  // namespace ebpf
