#include "program_fixup.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>

#include "ebpf/asm/instruction.hpp"
#include "ebpf/btf/builder.hpp"
#include "ebpf/kernel/kallsyms.hpp"
#include "ebpf/kernel/kconfig.hpp"
#include "ebpf/kernel/version.hpp"
#include "btf/impl.hpp"  // the kernel-ready check reads type headers directly

namespace ebpf::detail {

namespace {

// Calls to weak kfuncs the kernel lacks are turned into calls of this (non-existent) helper id plus the
// instruction index, so the verifier refuses the program only if the call is reachable; Program::load
// recognises the number in the verifier log ("unknown kfunc").
constexpr std::int32_t kKfuncCallPoisonBase = 0xdedc0de;

const ExternSpec* find_extern(const std::vector<ExternSpec>* externs, std::string_view name) {
  if (externs == nullptr) return nullptr;
  for (const auto& e : *externs)
    if (e.name == name) return &e;
  return nullptr;
}

void collect_strings(const ProgramSpec& prog, btf::Builder& b, ProgramBtf& out) {
  // Texts viewing the string table the builder kept as is (lines from the ELF loader) need nothing.
  auto add = [&](std::string_view s) {
    if (ProgramBtf::verbatim_offset(out.verbatim_strings, s) != ProgramBtf::kNoOffset) return;
    // Most lines share their file name: look up before adding (no key string built for a hit).
    if (!out.strings.contains(s)) out.strings.emplace(s, b.add_string(s));
  };
  if (const insn::EncodedInstructions* enc = prog.instructions.encoded()) {
    for (const insn::SlotLine& line : enc->lines) {
      add(enc->string_at(line.file_name_off));
      add(enc->string_at(line.line_off));
    }
    return;
  }
  for (const auto& ins : prog.instructions) {
    const insn::SourceLine* line = ins.metadata.source();
    if (line == nullptr) continue;
    add(line->file_name);
    add(line->line);
  }
}

// The kernel accepts neither extern FUNCs/VARs nor FUNCs in a DATASEC: extern VARs become global, extern FUNCs
// (kfuncs) typedefs of their prototypes, and kfuncs in .ksyms are replaced by a dummy int variable. Ids of
// existing types are unchanged.
Result<void> sanitize_externs(const btf::Spec& spec, btf::Builder& b) {
  btf::TypeId int_id = 0, dummy = 0;
  auto int_type = [&] {
    if (int_id == 0) int_id = b.add_int("int", 4, btf::kIntSigned);
    return int_id;
  };
  auto is_void_var = [&](btf::Type var) {
    auto t = spec.skip_qualifiers(var.ref(), false);
    return !t || t->kind() == btf::Kind::void_;
  };
  for (btf::TypeId id = 1; id < spec.type_count(); ++id) {
    EBPF_TRY(btf::Type t, spec.type(id));
    switch (t.kind()) {
      case btf::Kind::func:
        if (t.vlen() == static_cast<std::uint32_t>(btf::Linkage::extern_)) EBPF_TRY_VOID(b.func_to_typedef(id));
        break;
      case btf::Kind::var:
        if (t.linkage() == static_cast<std::uint32_t>(btf::Linkage::extern_)) {
          EBPF_TRY_VOID(b.set_linkage(id, btf::Linkage::global));
          if (is_void_var(t)) EBPF_TRY_VOID(b.set_var_type(id, int_type()));  // a typeless ksym
        }
        break;
      case btf::Kind::datasec:
        for (std::size_t i = 0; i < t.vlen(); ++i) {
          const btf::VarSecInfo vs = t.var_info(i);
          auto target = spec.type(vs.type);
          if (!target) continue;
          if (target->kind() == btf::Kind::func) {
            if (dummy == 0) dummy = b.add_var("__ebpfpp_ksym_func", int_type(), btf::Linkage::global);
            EBPF_TRY_VOID(b.set_datasec_entry(id, i, btf::VarSecInfo{dummy, vs.offset, 4}));
          } else if (target->kind() == btf::Kind::var && is_void_var(*target)) {
            EBPF_TRY_VOID(b.set_datasec_entry(id, i, btf::VarSecInfo{vs.type, vs.offset, 4}));
          }
        }
        break;
      default:
        break;
    }
  }
  return {};
}

// The object's BTF as the kernel can take it with at most its empty DATASECs laid out: native byte order, no
// base, no extern FUNC or VAR and no FUNC in a DATASEC (sanitize_externs has nothing to do), only kinds the
// kernel supports (marshalling would change nothing), and every source line's texts in its string table
// (collect_strings would add nothing). One pass over the type headers; the blob is then loaded as the file holds
// it, or as a copy with the DATASECs of size 0 laid out as marshal_for_kernel(true) lays them out, instead of
// being rebuilt type by type. Anything else goes through the Builder.
struct ReadyBlob {
  std::span<const std::byte> blob;
  bool layout_datasecs = false;  // some DATASEC has size 0
};

std::optional<ReadyBlob> kernel_ready_blob(const btf::Spec& spec, const std::vector<const ProgramSpec*>& programs) {
  ReadyBlob out;
  const btf::detail::SpecImpl* impl = spec.impl();
  if (impl == nullptr || impl->swap || impl->base != nullptr || impl->strings_len == 0 ||
      impl->strings[impl->strings_len - 1] != '\0')
    return std::nullopt;
  const btf::Features& f = btf::kernel_features();
  auto header = [impl](std::size_t i, std::uint32_t& info, std::uint32_t& third) {
    const std::byte* p = impl->types + impl->offsets[i];
    std::memcpy(&info, p + 4, 4);
    std::memcpy(&third, p + 8, 4);
  };
  auto kind_of = [&](std::uint32_t id) -> int {  // -1: out of range (left to the Builder's checks)
    if (id == 0) return 0;
    if (id < impl->first_id || id - impl->first_id >= impl->offsets.size()) return -1;
    std::uint32_t info, third;
    header(id - impl->first_id, info, third);
    return static_cast<int>((info >> 24) & 0x1f);
  };
  for (std::size_t i = 0; i < impl->offsets.size(); ++i) {
    std::uint32_t info, third;
    header(i, info, third);
    const auto kind = static_cast<btf::Kind>((info >> 24) & 0x1f);
    const std::uint32_t vlen = info & 0xffff;
    const bool kflag = (info >> 31) != 0;
    switch (kind) {
      case btf::Kind::func:
        if (!f.func || vlen == static_cast<std::uint32_t>(btf::Linkage::extern_) || (vlen != 0 && !f.func_linkage))
          return std::nullopt;
        break;
      case btf::Kind::func_proto:
        if (!f.func) return std::nullopt;
        break;
      case btf::Kind::var: {
        if (!f.datasec) return std::nullopt;
        std::uint32_t linkage;
        std::memcpy(&linkage, impl->types + impl->offsets[i] + btf::detail::kTypeHeaderSize, 4);
        if (linkage == static_cast<std::uint32_t>(btf::Linkage::extern_)) return std::nullopt;
        break;
      }
      case btf::Kind::datasec: {
        if (!f.datasec) return std::nullopt;
        out.layout_datasecs |= third == 0;
        const std::byte* entries = impl->types + impl->offsets[i] + btf::detail::kTypeHeaderSize;
        for (std::uint32_t e = 0; e < vlen; ++e) {
          std::uint32_t target;
          std::memcpy(&target, entries + 12 * e, 4);
          if (kind_of(target) != static_cast<int>(btf::Kind::var)) return std::nullopt;
        }
        break;
      }
      case btf::Kind::float_:
        if (!f.float_) return std::nullopt;
        break;
      case btf::Kind::decl_tag:
        if (!f.decl_tag) return std::nullopt;
        break;
      case btf::Kind::type_tag:
        if (!f.type_tag) return std::nullopt;
        break;
      case btf::Kind::enum64:
        if (!f.enum64) return std::nullopt;
        break;
      case btf::Kind::enum_:
        if (kflag && !f.enum64) return std::nullopt;
        break;
      default:
        break;
    }
  }
  const std::string_view table(impl->strings, impl->strings_len);
  auto verbatim = [&table](std::string_view file_name, std::string_view line) {
    return ProgramBtf::verbatim_offset(table, file_name) != ProgramBtf::kNoOffset &&
           ProgramBtf::verbatim_offset(table, line) != ProgramBtf::kNoOffset;
  };
  for (const ProgramSpec* p : programs) {
    if (const insn::EncodedInstructions* enc = p->instructions.encoded()) {
      if (enc->strings.data() == table.data() && enc->strings.size() == table.size()) continue;  // offsets into it
      for (const insn::SlotLine& line : enc->lines)
        if (!verbatim(enc->string_at(line.file_name_off), enc->string_at(line.line_off))) return std::nullopt;
      continue;
    }
    for (const auto& ins : p->instructions)
      if (const insn::SourceLine* line = ins.metadata.source())
        if (!verbatim(line->file_name, line->line)) return std::nullopt;
  }
  out.blob = impl->blob;
  return out;
}

// Lays out, in `blob` (a native-order copy of `impl`'s), the DATASECs of size 0 as Builder::marshal does.
void layout_empty_datasecs(const btf::detail::SpecImpl& impl, std::vector<std::byte>& blob) {
  const std::size_t types_at = static_cast<std::size_t>(impl.types - impl.blob.data());
  for (std::size_t i = 0; i < impl.offsets.size(); ++i) {
    std::byte* p = blob.data() + types_at + impl.offsets[i];
    std::uint32_t info, size;
    std::memcpy(&info, p + 4, 4);
    std::memcpy(&size, p + 8, 4);
    if (static_cast<btf::Kind>((info >> 24) & 0x1f) != btf::Kind::datasec || size != 0) continue;
    const std::uint32_t vlen = info & 0xffff;
    std::uint32_t off = 0;
    for (std::uint32_t e = 0; e < vlen; ++e) {
      std::byte* entry = p + btf::detail::kTypeHeaderSize + 12 * e;
      std::uint32_t sz;
      std::memcpy(&sz, entry + 8, 4);
      const std::uint32_t align = sz >= 8 ? 8 : (sz >= 4 ? 4 : (sz >= 2 ? 2 : 1));
      off = (off + align - 1) / align * align;
      std::memcpy(entry + 4, &off, 4);
      off += sz;
    }
    size = off == 0 ? 1 : off;
    std::memcpy(p + 8, &size, 4);
  }
}

}  // namespace

std::optional<std::vector<std::byte>> kernel_ready_btf(const btf::Spec& spec,
                                                       const std::vector<const ProgramSpec*>& programs) {
  auto ready = kernel_ready_blob(spec, programs);
  if (!ready) return std::nullopt;
  std::vector<std::byte> blob(ready->blob.begin(), ready->blob.end());
  if (ready->layout_datasecs) layout_empty_datasecs(*spec.impl(), blob);
  return blob;
}

namespace {

Result<ProgramBtf> load_btf(const btf::Spec& spec, const std::vector<const ProgramSpec*>& programs) {
  if (auto ready = kernel_ready_blob(spec, programs)) {
    ProgramBtf out;
    out.verbatim_strings = std::string_view(spec.impl()->strings, spec.impl()->strings_len);
    std::vector<std::byte> laid_out;
    if (ready->layout_datasecs) {
      laid_out.assign(ready->blob.begin(), ready->blob.end());
      layout_empty_datasecs(*spec.impl(), laid_out);
    }
    auto handle = btf::Handle::load(ready->layout_datasecs ? std::span<const std::byte>(laid_out) : ready->blob);
    if (!handle) {
      if (handle.error().is(errc::not_supported)) return ProgramBtf{};
      return fail(std::move(handle).error().with_context("load BTF"));
    }
    out.handle = std::move(*handle);
    return out;
  }
  btf::Builder b;
  EBPF_TRY_VOID(b.copy_all(spec));
  EBPF_TRY_VOID(sanitize_externs(spec, b));
  ProgramBtf out;
  out.verbatim_strings = b.verbatim_strings();
  for (const ProgramSpec* p : programs) collect_strings(*p, b, out);
  EBPF_TRY(auto blob, b.marshal_for_kernel(/*layout_empty_datasecs=*/true));
  auto handle = btf::Handle::load(blob);
  if (!handle) {
    if (handle.error().is(errc::not_supported)) return ProgramBtf{};
    return fail(std::move(handle).error().with_context("load BTF"));
  }
  out.handle = std::move(*handle);
  return out;
}

// The type behind a VAR in the .kconfig/.ksyms DATASEC of `btf` for extern `name`, qualifiers skipped.
Result<btf::Type> extern_type(const btf::Spec& btf, std::string_view section, std::string_view name) {
  auto ds = btf.find(section, btf::Kind::datasec);
  if (!ds) return fail(std::move(ds).error());
  for (std::size_t i = 0; i < ds->vlen(); ++i) {
    auto var = btf.type(ds->var_info(i).type);
    if (!var || var->name() != name) continue;
    if (var->kind() == btf::Kind::func) return *var;
    return btf.resolve(var->ref());
  }
  return fail(errc::not_found, "extern " + std::string(name) + ": not in BTF section " + std::string(section));
}

// Encodes a kconfig value for an extern of BTF type `t` (size `size`) into `out`.
Result<void> encode_kconfig(const kernel::KernelConfig* cfg, const ExternSpec& ext, const btf::Spec& btf, btf::Type t,
                            std::span<std::byte> out) {
  const std::string& name = ext.name;
  auto put_int = [&](std::int64_t v) {
    // Host order: the program runs on this machine.
    std::uint64_t u = static_cast<std::uint64_t>(v);
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(out.data(), &u, std::min<std::size_t>(out.size(), 8));
    } else {
      for (std::size_t i = 0; i < out.size() && i < 8; ++i)
        out[out.size() - 1 - i] = static_cast<std::byte>(u >> (8 * i));
    }
  };
  if (name == "LINUX_KERNEL_VERSION") {
    EBPF_TRY(auto v, kernel::running_version());
    put_int(v.code());
    return {};
  }
  if (name == "LINUX_HAS_BPF_COOKIE") {  // usdt.bpf.h: BPF cookies on perf links (Linux 5.15)
    EBPF_TRY(auto v, kernel::running_version());
    put_int(v.code() >= ((5u << 16) | (15u << 8)) ? 1 : 0);
    return {};
  }
  if (name == "LINUX_HAS_SYSCALL_WRAPPER") {
    EBPF_TRY(auto w, kernel::syscall_wrapper());
    put_int(w.has_wrapper ? 1 : 0);
    return {};
  }
  if (!name.starts_with("CONFIG_")) {
    if (ext.weak) return {};
    return fail(errc::not_supported, "unknown kconfig extern " + name);
  }
  if (cfg == nullptr || !cfg->raw(name)) {
    if (ext.weak) return {};  // left zero
    return fail(errc::not_found, "kconfig " + name + ": not set in the running kernel's config");
  }
  const std::string_view raw = *cfg->raw(name);
  const bool is_tristate = raw == "y" || raw == "m" || raw == "n";
  if (t.kind() == btf::Kind::int_ && (t.int_info().encoding & btf::kIntBool)) {
    if (raw == "m") return fail(errc::invalid_argument, "kconfig " + name + ": value m for a bool extern");
    put_int(raw == "y" ? 1 : 0);
    return {};
  }
  if (t.is_enum()) {  // enum libbpf_tristate { TRI_NO, TRI_YES, TRI_MODULE }
    if (!is_tristate) return fail(errc::invalid_argument, "kconfig " + name + ": value " + std::string(raw) + " is not y/m/n");
    put_int(raw == "y" ? 1 : raw == "m" ? 2 : 0);
    return {};
  }
  if (t.kind() == btf::Kind::array) {
    auto s = cfg->string(name);
    if (!s) return fail(std::move(s).error());
    const std::size_t n = std::min(s->size(), out.size() ? out.size() - 1 : 0);
    std::memcpy(out.data(), s->data(), n);
    return {};
  }
  if (t.kind() == btf::Kind::int_) {
    if (is_tristate) {
      if (t.int_info().encoding & btf::kIntChar) {
        put_int(raw[0]);
      } else {
        put_int(raw == "y" ? 1 : raw == "m" ? 2 : 0);
      }
      return {};
    }
    EBPF_TRY(auto v, cfg->integer(name));
    put_int(v);
    return {};
  }
  return fail(errc::not_supported, "kconfig " + name + ": unsupported extern type " + btf.format_c(t.id()));
}

// Id of FUNC `name` in the BTF the program `target` was loaded with.
Result<std::uint32_t> target_function_id(const Program& target, std::string_view name) {
  const std::string ctx = "attach to program " + target.name() + ": function " + std::string(name);
  if (name.empty()) return fail(errc::invalid_argument, ctx + ": no function named");
  EBPF_TRY_CTX(auto info, target.info(), ctx);
  if (info.btf_id == 0) return fail(errc::not_supported, ctx + ": the target program was loaded without BTF");
  EBPF_TRY_CTX(auto handle, btf::Handle::from_id(info.btf_id), ctx);
  EBPF_TRY_CTX(auto spec, handle.spec(), ctx);
  EBPF_TRY_CTX(auto fn, spec.find(name, btf::Kind::func), ctx);
  return fn.id();
}

}  // namespace

Result<ProgramBtf> load_program_btf(const CollectionSpec& spec, const std::vector<const ProgramSpec*>& programs) {
  if (!spec.btf) return ProgramBtf{};
  return load_btf(*spec.btf, programs);
}

Result<ProgramBtf> load_program_btf(const ProgramSpec& program) {
  if (!program.btf) return ProgramBtf{};
  return load_btf(*program.btf, {&program});
}

Result<std::vector<std::byte>> kconfig_value(const CollectionSpec& spec,
                                             std::map<std::string, std::uint32_t, std::less<>>& offsets) {
  std::vector<const ExternSpec*> kconfig;
  for (const auto& e : spec.externs)
    if (e.section == ".kconfig") kconfig.push_back(&e);
  std::vector<std::byte> value;
  if (kconfig.empty()) return value;
  if (!spec.btf) return fail(errc::malformed, ".kconfig externs without BTF");
  const kernel::KernelConfig* cfg = nullptr;
  if (auto c = kernel::KernelConfig::running(); c) cfg = *c;

  struct Slot {
    const ExternSpec* ext;
    btf::Type type;
    std::uint32_t offset, size;
  };
  std::vector<Slot> slots;
  std::uint32_t end = 0;
  for (const ExternSpec* e : kconfig) {
    EBPF_TRY_CTX(btf::Type t, extern_type(*spec.btf, ".kconfig", e->name), "kconfig " + e->name);
    EBPF_TRY_CTX(std::uint64_t size, spec.btf->size_of(t.id()), "kconfig " + e->name);
    if (size == 0 || size > 4096) return fail(errc::malformed, "kconfig " + e->name + ": bad size " + std::to_string(size));
    const std::uint32_t align = static_cast<std::uint32_t>(std::min<std::uint64_t>(std::bit_floor(size), 8));
    end = (end + align - 1) / align * align;
    slots.push_back({e, t, end, static_cast<std::uint32_t>(size)});
    end += static_cast<std::uint32_t>(size);
  }
  value.assign(end, std::byte{0});
  for (const auto& s : slots) {
    offsets[s.ext->name] = s.offset;
    auto r = encode_kconfig(cfg, *s.ext, *spec.btf, s.type, std::span<std::byte>(value).subspan(s.offset, s.size));
    if (!r) return fail(std::move(r).error());
  }
  return value;
}

Result<PreparedProgram> prepare_program(const ProgramSpec& spec, const FixupContext& ctx, std::vector<std::byte>& buffer) {
  if (spec.byte_order != std::endian::native)
    return fail(errc::not_supported, std::string("can't load a ") +
                                         (spec.byte_order == std::endian::big ? "big" : "little") +
                                         "-endian program on this " +
                                         (std::endian::native == std::endian::big ? "big" : "little") + "-endian host");
  PreparedProgram out;
  const bool with_btf = ctx.btf != nullptr && ctx.btf->handle.valid();
  // The encoded instructions, then the func_info and line_info records, in one buffer (one allocation per
  // program): code_size bytes of code at `base`, then room for `funcs` and `lines` records, of which func_end and
  // line_end bytes are written.
  const std::size_t base = buffer.size();  // appended: a loader may prepare many programs into one buffer
  std::size_t code_size = 0, funcs = 0, lines = 0;
  std::size_t func_end = 0, line_end = 0;
  bool funcs_ok = false, lines_ok = false;  // the first record is at slot 0, as the kernel requires
  bool calls = false;
  auto put = [](std::byte* at, std::size_t& end, std::uint32_t v) {
    std::memcpy(at + end, &v, 4);
    end += 4;
  };
  // A line record for `slot`, if its texts are in the program's BTF.
  auto put_line = [&](std::byte* line_info, std::size_t slot, std::string_view file, std::string_view text,
                      std::uint32_t line_number, std::uint32_t column) {
    const std::uint32_t f = ctx.btf->string_offset(file);
    const std::uint32_t l = ctx.btf->string_offset(text);
    if (f == ProgramBtf::kNoOffset || l == ProgramBtf::kNoOffset) return;
    if (line_end == 0) lines_ok = slot == 0;
    put(line_info, line_end, static_cast<std::uint32_t>(slot));
    put(line_info, line_end, f);
    put(line_info, line_end, l);
    put(line_info, line_end, (line_number << 10) | (column & 0x3ff));
  };
  if (const insn::EncodedInstructions* enc = spec.instructions.encoded();
      enc != nullptr && enc->order == std::endian::native) {
    // Never decoded (the ELF loader's programs that nobody read or edited): the bytes as read, with the map
    // references patched in. Such programs make no calls and carry no CO-RE or extern reference.
    code_size = enc->bytes.size();
    if (with_btf) {
      funcs = enc->func_infos.size();
      lines = enc->lines.size();
    }
    buffer.resize(base + code_size + funcs * 8 + lines * 16);
    std::byte* const code = buffer.data() + base;
    if (code_size > 0) std::memcpy(code, enc->bytes.data(), code_size);
    std::byte* const func_info = code + code_size;
    std::byte* const line_info = func_info + funcs * 8;
    if (with_btf) {
      // The records are the kernel's: copied as they are, and so are the lines when the loaded BTF keeps the
      // string table they index.
      if (funcs > 0) {
        std::memcpy(func_info, enc->func_infos.data(), funcs * 8);
        func_end = funcs * 8;
        funcs_ok = enc->func_infos.front().slot == 0;
      }
      if (lines > 0 && ctx.btf->verbatim_strings.data() == enc->strings.data() &&
          ctx.btf->verbatim_strings.size() == enc->strings.size()) {
        std::memcpy(line_info, enc->lines.data(), lines * 16);
        line_end = lines * 16;
        lines_ok = enc->lines.front().slot == 0;
      } else {
        for (const insn::SlotLine& l : enc->lines)
          put_line(line_info, l.slot, enc->string_at(l.file_name_off), enc->string_at(l.line_off), l.line_number(),
                   l.column());
      }
    }
    for (const insn::SlotReference& ref : enc->references) {
      std::byte* const at = code + std::size_t{ref.slot} * insn::kSlotSize;
      const auto regs = static_cast<std::uint8_t>(at[1]);
      const auto src = static_cast<insn::PseudoSource>(std::endian::native == std::endian::little ? regs >> 4 : regs & 0x0f);
      std::uint32_t low;
      std::memcpy(&low, at + 4, 4);
      if (static_cast<std::uint8_t>(at[0]) != 0x18 || low != 0 ||
          (src != insn::PseudoSource::map_fd && src != insn::PseudoSource::map_value))
        continue;
      auto where = [&] {  // error paths only: the instruction's index
        std::size_t index = 0;
        for (std::size_t pos = 0; pos < std::size_t{ref.slot} * insn::kSlotSize; ++index)
          pos += static_cast<std::uint8_t>(code[pos]) == 0x18 ? 16 : 8;
        return "instruction " + std::to_string(index);
      };
      if (!ctx.map_fd)
        return fail(errc::not_found, where() + ": reference to map " + std::string(ref.name) + " without a map");
      EBPF_TRY_CTX(int fd, ctx.map_fd(ref.name), where());
      std::memcpy(at + 4, &fd, 4);
    }
  } else {
    // One pass over the metadata sizes what the fix-ups below write.
    std::size_t slots = 0;
    bool core = false;
    for (const auto& ins : spec.instructions) {
      slots += ins.slots();
      calls |= ins.is_pseudo_call();
      if (ins.metadata.empty()) continue;
      funcs += ins.metadata.func_info().has_value() ? 1 : 0;
      lines += ins.metadata.source() != nullptr ? 1 : 0;
      core |= ins.metadata.core_relocation() != nullptr;
    }
    if (!with_btf) funcs = lines = 0;
    // The spec's instructions are encoded as they are and the few the fix-ups below change are re-encoded in
    // place: no copy of the instructions, except for CO-RE relocation, which works on one.
    std::optional<insn::Instructions> relocated;
    if (core) {
      relocated.emplace(spec.instructions);
      EBPF_TRY_VOID(apply_core_relocations(spec, ctx, *relocated, out));
    }
    const insn::Instructions& insns = relocated ? *relocated : spec.instructions;
    code_size = (core ? insns.size_in_slots() : slots) * insn::kSlotSize;
    buffer.resize(base + code_size + funcs * 8 + lines * 16);
    const std::span<std::byte> bytecode(buffer.data() + base, code_size);
    if (!insns.encode_into(bytecode, std::endian::native)) {
      // Error path only: encode() names the instruction at fault.
      auto detailed = insns.encode(std::endian::native);
      return fail((detailed ? Error(errc::invalid_argument, 0, "encode failed") : std::move(detailed).error())
                      .with_context("encode instructions"));
    }
    std::byte* const func_info = buffer.data() + base + code_size;
    std::byte* const line_info = func_info + funcs * 8;
    // Re-encodes a fixed-up instruction at its slot.
    auto patch = [bytecode](std::size_t slot, const insn::Instruction& fixed) -> Result<void> {
      auto r = fixed.encode(bytecode.subspan(slot * insn::kSlotSize, fixed.width()), std::endian::native);
      if (!r) return ebpf::unexpected(std::move(r).error().with_context("encode instructions"));
      return {};
    };
    // The encoded fields of an instruction, without its metadata (not needed to encode it).
    auto bare = [](const insn::Instruction& i) {
      insn::Instruction c;
      c.opcode = i.opcode;
      c.dst = i.dst;
      c.src = i.src;
      c.offset = i.offset;
      c.constant = i.constant;
      return c;
    };
    std::vector<std::string_view> typeless_ksyms;

    for (auto [index, slot, original] : insns.positioned()) {
      if (original.metadata.empty()) continue;
      // func_info and line_info records (in slot order), when the program's BTF is loaded.
      if (with_btf) {
        if (auto fi = original.metadata.func_info()) {
          if (func_end == 0) funcs_ok = slot == 0;
          put(func_info, func_end, static_cast<std::uint32_t>(slot));
          put(func_info, func_end, *fi);
        }
        if (const insn::SourceLine* line = original.metadata.source())
          put_line(line_info, slot, line->file_name, line->line, line->line_number, line->column);
      }
      const std::string_view ref = original.metadata.reference();
      // Only built on error paths.
      auto where = [at = index] { return "instruction " + std::to_string(at); };
      if (ref.empty()) continue;
      if (original.is_load_imm64()) {
        insn::Instruction ins = bare(original);
        const auto src = ins.pseudo_source();
        const auto low = static_cast<std::uint32_t>(static_cast<std::uint64_t>(ins.constant));
        const auto high = static_cast<std::uint64_t>(ins.constant) >> 32;
        if ((src == insn::PseudoSource::map_fd || src == insn::PseudoSource::map_value) && low == 0) {
          if (!ctx.map_fd) return fail(errc::not_found, where() + ": reference to map " + std::string(ref) + " without a map");
          EBPF_TRY_CTX(int fd, ctx.map_fd(ref), where());
          ins.constant = static_cast<std::int64_t>((high << 32) | static_cast<std::uint32_t>(fd));
          EBPF_TRY_VOID(patch(slot, ins));
          continue;
        }
        if (src != insn::PseudoSource::none) continue;
        const ExternSpec* ext = find_extern(ctx.externs, ref);
        if (ext == nullptr) continue;
        if (ext->section == ".kconfig") {
          if (ctx.kconfig == nullptr || ctx.kconfig->fd < 0)
            return fail(errc::not_found, where() + ": kconfig " + std::string(ref) + " without a .kconfig map");
          auto it = ctx.kconfig->offsets.find(ref);
          if (it == ctx.kconfig->offsets.end())
            return fail(errc::not_found, where() + ": kconfig " + std::string(ref) + " has no slot in .kconfig");
          ins.src = static_cast<insn::Register>(insn::PseudoSource::map_value);
          ins.constant = static_cast<std::int64_t>((std::uint64_t{it->second + low} << 32) |
                                                   static_cast<std::uint32_t>(ctx.kconfig->fd));
          EBPF_TRY_VOID(patch(slot, ins));
        } else if (ext->section == ".ksyms") {
          btf::Type local;
          if (ctx.object_btf != nullptr)
            if (auto t = extern_type(*ctx.object_btf, ".ksyms", ref); t) local = *t;
          const bool typed = local && local.kind() != btf::Kind::void_;
          if (typed) {
            auto kt = btf::find_kernel_type(ref, btf::Kind::var);
            if (!kt) {
              if (ext->weak) {
                ins.constant = 0;
                EBPF_TRY_VOID(patch(slot, ins));
                continue;
              }
              return fail(errc::not_found, where() + ": ksym " + std::string(ref) + ": no such variable in kernel BTF");
            }
            if (!kt->module.empty())
              return fail(errc::not_supported, where() + ": ksym " + std::string(ref) + " lives in module " + kt->module +
                                                   ": module ksyms are not supported yet");
            ins.src = static_cast<insn::Register>(insn::PseudoSource::btf_id);
            ins.constant = static_cast<std::int64_t>(kt->type.id());
            EBPF_TRY_VOID(patch(slot, ins));
          } else {
            typeless_ksyms.push_back(ref);
          }
        }
        continue;
      }
      if (original.is_kfunc_call()) {
        insn::Instruction ins = bare(original);
        const ExternSpec* ext = find_extern(ctx.externs, ref);
        auto kt = btf::find_kernel_type(ref, btf::Kind::func);
        if (!kt) {
          if (ext != nullptr && ext->weak) {
            // Poison: refused by the verifier only if reachable.
            ins.src = static_cast<insn::Register>(insn::CallSource::helper);
            ins.offset = 0;
            ins.constant = kKfuncCallPoisonBase;
            EBPF_TRY_VOID(patch(slot, ins));
            continue;
          }
          return fail(errc::not_found, where() + ": kfunc " + std::string(ref) + ": not found in kernel BTF");
        }
        if (!kt->module.empty())
          return fail(errc::not_supported,
                      where() + ": kfunc " + std::string(ref) + " lives in module " + kt->module + ": not supported yet");
        ins.constant = static_cast<std::int64_t>(kt->type.id());
        ins.offset = 0;
        EBPF_TRY_VOID(patch(slot, ins));
      }
    }

    if (!typeless_ksyms.empty()) {
      EBPF_TRY_CTX(auto addrs, kernel::symbol_addresses(typeless_ksyms), "resolve .ksyms");
      for (auto [index, slot, original] : insns.positioned()) {
        const std::string_view ref = original.metadata.reference();
        if (ref.empty() || !original.is_load_imm64() || original.pseudo_source() != insn::PseudoSource::none) continue;
        for (std::size_t i = 0; i < typeless_ksyms.size(); ++i) {
          if (typeless_ksyms[i] != ref) continue;
          const ExternSpec* ext = find_extern(ctx.externs, ref);
          if (!addrs[i] && !(ext && ext->weak))
            return fail(errc::not_found, "ksym " + std::string(ref) + ": not in /proc/kallsyms");
          insn::Instruction ins = bare(original);
          ins.constant = static_cast<std::int64_t>(addrs[i].value_or(0));
          EBPF_TRY_VOID(patch(slot, ins));
        }
      }
    }

  }

  if (!funcs_ok) func_end = 0;
  if (!lines_ok || func_end == 0) line_end = 0;
  const std::span<const std::byte> bytecode(buffer.data() + base, code_size);
  const std::byte* const func_info = buffer.data() + base + code_size;
  const std::byte* const line_info = func_info + funcs * 8;

  LoadRequest& r = out.request;
  r.name = spec.name;
  r.type = spec.type;
  r.attach_type = spec.attach_type;
  r.flags = spec.flags;
  r.section_name = spec.section_name;
  r.attach_to = spec.attach_to;
  out.code_at = base;
  out.code_size = code_size;
  out.func_info_at = base + code_size;
  out.func_info_size = func_end;
  out.line_info_at = base + code_size + funcs * 8;
  out.line_info_size = line_end;
  r.instructions = bytecode;
  r.license = spec.license;
  r.kernel_version = spec.kernel_version;
  if (spec.type == ProgramType::kprobe && (r.kernel_version == 0 || r.kernel_version == 0xFFFFFFFEu)) {
    if (auto v = kernel::running_version()) r.kernel_version = v->code();
  }
  if (with_btf) {
    r.btf_fd = ctx.btf->handle.fd();
    r.func_info = std::span<const std::byte>(func_info, func_end);
    r.func_info_rec_size = func_end == 0 ? 0 : 8;
    r.line_info = std::span<const std::byte>(line_info, line_end);
    r.line_info_rec_size = line_end == 0 ? 0 : 16;
  }
  r.has_function_references = calls;
  r.poisoned_relocations = out.poisoned_relocations;

  // A BPF program as attach target: the function in the target's own BTF.
  if (ctx.attach_target != nullptr) {
    EBPF_TRY(r.attach_btf_id, target_function_id(*ctx.attach_target, spec.attach_to));
    r.attach_fd = ctx.attach_target->fd();
    return out;
  }
  if (spec.type == ProgramType::ext)
    return fail(errc::invalid_argument, "freplace of " + spec.attach_to + ": no target program given");

  // Attach targets in kernel BTF for tracing and LSM programs.
  if ((spec.type == ProgramType::tracing || spec.type == ProgramType::lsm) && !spec.attach_to.empty()) {
    std::string target;
    btf::Kind kind = btf::Kind::func;
    switch (spec.attach_type) {
      case AttachType::trace_fentry:
      case AttachType::trace_fexit:
      case AttachType::modify_return:
        target = spec.attach_to;
        break;
      case AttachType::trace_raw_tp:
        target = "btf_trace_" + spec.attach_to;
        kind = btf::Kind::typedef_;
        break;
      case AttachType::lsm_mac:
      case AttachType::lsm_cgroup:
        target = "bpf_lsm_" + spec.attach_to;
        break;
      case AttachType::trace_iter:
        target = "bpf_iter_" + spec.attach_to;
        break;
      default:
        break;
    }
    if (!target.empty()) {
      auto kt = btf::find_kernel_type(target, kind);
      if (!kt)
        return fail(errc::not_found, "attach " + std::string(to_string(spec.type)) + "/" +
                                         std::string(to_string(spec.attach_type)) + ": " + target +
                                         " not found in kernel BTF");
      if (!kt->module.empty())
        return fail(errc::not_supported, "attach target " + target + " lives in module " + kt->module +
                                             ": module attach targets are not supported yet");
      r.attach_btf_id = kt->type.id();
    }
  }
  return out;
}

}  // namespace ebpf::detail
