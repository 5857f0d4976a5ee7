#include "ebpf/link/usdt.hpp"

#include <charconv>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

#include "ebpf/link/tracing.hpp"
#include "ebpf/link/uprobe.hpp"
#include "ebpf/map.hpp"
#include "ebpf/program.hpp"
#include "elf_image.hpp"

namespace ebpf::link {
namespace {

// struct __bpf_usdt_arg_spec / __bpf_usdt_spec of usdt.bpf.h.
struct ArgSpec {
  std::uint64_t val_off = 0;
  std::uint32_t arg_type = 0;
  std::int16_t reg_off = 0;
  bool arg_signed = false;
  std::int8_t arg_bitshift = 0;
};
static_assert(sizeof(ArgSpec) == 16);
constexpr std::size_t kMaxArgs = 12;
struct Spec {
  ArgSpec args[kMaxArgs];
  std::uint64_t usdt_cookie = 0;
  std::int16_t arg_cnt = 0;
};
static_assert(sizeof(Spec) == 208);

struct Register {
  std::string_view names[4];  // 64, 32, 16, 8-bit spellings
  std::int16_t offset;        // in x86-64 struct pt_regs
};

// x86-64 struct pt_regs: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax ip cs flags sp ss.
constexpr Register kX86Registers[] = {
    {{"rax", "eax", "ax", "al"}, 80},     {{"rbx", "ebx", "bx", "bl"}, 40},     {{"rcx", "ecx", "cx", "cl"}, 88},
    {{"rdx", "edx", "dx", "dl"}, 96},     {{"rsi", "esi", "si", "sil"}, 104},   {{"rdi", "edi", "di", "dil"}, 112},
    {{"rbp", "ebp", "bp", "bpl"}, 32},    {{"rsp", "esp", "sp", "spl"}, 152},   {{"r8", "r8d", "r8w", "r8b"}, 72},
    {{"r9", "r9d", "r9w", "r9b"}, 64},    {{"r10", "r10d", "r10w", "r10b"}, 56}, {{"r11", "r11d", "r11w", "r11b"}, 48},
    {{"r12", "r12d", "r12w", "r12b"}, 24}, {{"r13", "r13d", "r13w", "r13b"}, 16}, {{"r14", "r14d", "r14w", "r14b"}, 8},
    {{"r15", "r15d", "r15w", "r15b"}, 0},
};

bool register_offset(std::string_view name, std::int16_t& out) {
  for (const auto& r : kX86Registers)
    for (auto n : r.names)
      if (n == name) {
        out = r.offset;
        return true;
      }
  return false;
}

template <class T>
bool parse_int(std::string_view s, T& out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return false;
  out = static_cast<T>(neg ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v));
  return true;
}

Result<UsdtArgument> parse_one(std::string_view tok) {
  UsdtArgument a;
  auto bad = [&tok](const char* why) { return fail(errc::malformed, "usdt argument \"" + std::string(tok) + "\": " + why); };
  std::string_view operand = tok;
  if (auto at = tok.find('@'); at != std::string_view::npos) {
    int size = 0;
    if (!parse_int(tok.substr(0, at), size)) return bad("bad size");
    a.is_signed = size < 0;
    a.size = size < 0 ? -size : size;
    if (a.size != 1 && a.size != 2 && a.size != 4 && a.size != 8) return bad("size is not 1, 2, 4 or 8");
    operand = tok.substr(at + 1);
  }
  if (operand.empty()) return bad("no location");
  if (operand[0] == '$') {
    a.kind = UsdtArgument::Kind::constant;
    if (!parse_int(operand.substr(1), a.value)) return bad("bad constant");
    return a;
  }
  if (operand[0] == '%') {
    a.kind = UsdtArgument::Kind::reg;
    a.reg = std::string(operand.substr(1));
    if (!register_offset(a.reg, a.reg_offset)) {
      if (a.reg == "rip") return fail(errc::not_supported, "usdt argument \"" + std::string(tok) + "\": rip is not readable");
      return bad("unknown register");
    }
    return a;
  }
  // [offset](%reg)
  const auto open = operand.find('(');
  if (open == std::string_view::npos || operand.back() != ')') return bad("unknown location");
  std::string_view inside = operand.substr(open + 1, operand.size() - open - 2);
  if (inside.find(',') != std::string_view::npos)
    return fail(errc::not_supported, "usdt argument \"" + std::string(tok) + "\": indexed addressing is not supported");
  if (inside.empty() || inside[0] != '%') return bad("bad base register");
  a.kind = UsdtArgument::Kind::reg_deref;
  a.reg = std::string(inside.substr(1));
  if (a.reg == "rip")
    return fail(errc::not_supported, "usdt argument \"" + std::string(tok) + "\": rip-relative addressing is not supported");
  if (!register_offset(a.reg, a.reg_offset)) return bad("unknown register");
  if (open != 0 && !parse_int(operand.substr(0, open), a.value)) return bad("bad offset");
  return a;
}

std::uint32_t align4(std::uint32_t n) { return (n + 3u) & ~3u; }

// Spec ids in use per __bpf_usdt_specs map (by map id), across every USDT link of the process.
class SpecIds {
 public:
  Result<std::uint32_t> take(std::uint32_t map_id, std::uint32_t capacity) {
    std::lock_guard lock(mu_);
    auto& used = used_[map_id];
    if (used.size() < capacity) used.resize(capacity, false);
    for (std::uint32_t i = 0; i < capacity; ++i)
      if (!used[i]) {
        used[i] = true;
        return i;
      }
    return fail(errc::map_full, "usdt: every slot of __bpf_usdt_specs is in use (raise BPF_USDT_MAX_SPEC_CNT)");
  }
  void give_back(std::uint32_t map_id, std::uint32_t id) noexcept {
    std::lock_guard lock(mu_);
    auto it = used_.find(map_id);
    if (it != used_.end() && id < it->second.size()) it->second[id] = false;
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::uint32_t, std::vector<bool>> used_;
};

SpecIds& spec_ids() {
  static SpecIds ids;
  return ids;
}

// Several uprobes and their spec slots: closing detaches the probes, then frees the slots.
class UsdtAttachment final : public Attachment {
 public:
  UsdtAttachment(std::uint32_t map_id) noexcept : map_id_(map_id) {}
  ~UsdtAttachment() override { (void)UsdtAttachment::close(); }
  [[nodiscard]] std::string_view kind() const noexcept override { return "usdt"; }
  Result<void> close() override {
    probes_.clear();
    for (auto id : ids_) spec_ids().give_back(map_id_, id);
    ids_.clear();
    return {};
  }
  Result<void> detach() override { return close(); }
  [[nodiscard]] Result<LinkInfo> info() const override {
    if (probes_.empty()) return fail(errc::closed, "usdt link is detached");
    return probes_.front().info();
  }
  void add_id(std::uint32_t id) { ids_.push_back(id); }
  void add_probe(Link l) { probes_.push_back(std::move(l)); }

 private:
  std::uint32_t map_id_;
  std::vector<std::uint32_t> ids_;
  std::vector<Link> probes_;
};

Result<Map> find_spec_map(const Program& program) {
  EBPF_TRY(ProgramInfo info, program.info());
  for (auto id : info.map_ids) {
    auto m = Map::from_id(id);
    if (!m) continue;
    if (m->name().starts_with("__bpf_usdt_spec")) return std::move(*m);
  }
  return fail(errc::not_found, "program has no __bpf_usdt_specs map (write it with <bpf/usdt.bpf.h>)");
}

}  // namespace

Result<std::vector<UsdtArgument>> parse_usdt_arguments(std::string_view args) {
#if !defined(__x86_64__)
  if (!args.empty()) return fail(errc::not_supported, "usdt arguments: only x86-64 specs are parsed");
#endif
  std::vector<UsdtArgument> out;
  std::size_t i = 0;
  while (i < args.size()) {
    while (i < args.size() && args[i] == ' ') ++i;
    if (i >= args.size()) break;
    std::size_t j = args.find(' ', i);
    if (j == std::string_view::npos) j = args.size();
    EBPF_TRY(UsdtArgument a, parse_one(args.substr(i, j - i)));
    out.push_back(std::move(a));
    i = j;
  }
  return out;
}

Result<std::vector<UsdtProbe>> read_usdt_probes(const std::string& path) {
  EBPF_TRY(auto img, detail::ElfImage::open(path));
  std::vector<UsdtProbe> out;
  auto notes = img.section(".note.stapsdt");
  if (!notes) return out;
  const auto base = img.section(".stapsdt.base");
  const std::span<const std::byte> d = notes->data;
  std::size_t off = 0;
  auto bad = [&path, &off](const char* why) {
    return fail(errc::malformed, path + ": .note.stapsdt at " + std::to_string(off) + ": " + why);
  };
  while (off + 12 <= d.size()) {
    std::uint32_t hdr[3];
    std::memcpy(hdr, d.data() + off, 12);
    const std::uint32_t namesz = hdr[0], descsz = hdr[1], type = hdr[2];
    const std::size_t name_at = off + 12, desc_at = name_at + align4(namesz);
    const std::size_t next = desc_at + align4(descsz);
    if (namesz > d.size() || descsz > d.size() || next > d.size()) return bad("note out of bounds");
    const std::string_view owner(reinterpret_cast<const char*>(d.data() + name_at), namesz ? namesz - 1 : 0);
    if (type == 3 && owner == "stapsdt") {
      if (descsz < 24) return bad("note too short");
      std::uint64_t addrs[3];
      std::memcpy(addrs, d.data() + desc_at, 24);
      const char* s = reinterpret_cast<const char*>(d.data() + desc_at + 24);
      const std::size_t left = descsz - 24;
      std::string_view strs(s, left);
      auto take = [&strs]() -> std::optional<std::string> {
        auto z = strs.find('\0');
        if (z == std::string_view::npos) return std::nullopt;
        std::string r(strs.substr(0, z));
        strs.remove_prefix(z + 1);
        return r;
      };
      auto provider = take(), name = take(), arguments = take();
      if (!provider || !name || !arguments) return bad("strings not terminated");
      UsdtProbe p{std::move(*provider), std::move(*name), addrs[0], addrs[2], 0, 0, std::move(*arguments)};
      // Prelinked or relocated objects: the note records where .stapsdt.base was at link time.
      if (base && addrs[1] != 0) p.address = p.address - addrs[1] + base->address;
      auto fo = img.file_offset(p.address, true);
      if (!fo) return bad("call site is in no executable segment");
      p.file_offset = *fo;
      if (p.semaphore != 0) {
        auto so = img.file_offset(p.semaphore, false);
        if (!so) return bad("semaphore is in no loaded segment");
        p.semaphore_offset = *so;
      }
      out.push_back(std::move(p));
    }
    off = next;
  }
  return out;
}

Result<Link> attach_usdt(const Program& program, const UsdtOptions& o) {
  std::string ctx = "program ";
  ctx += program.name();
  ctx += ": attach usdt ";
  ctx += o.path;
  ctx += ':';
  ctx += o.provider;
  ctx += ':';
  ctx += o.name;
  if (!program.valid()) return fail(errc::closed, ctx + ": program is closed");
  EBPF_TRY_CTX(std::string path, resolve_binary_path(o.path), ctx);
  EBPF_TRY_CTX(auto probes, read_usdt_probes(path), ctx);
  EBPF_TRY_CTX(Map specs, find_spec_map(program), ctx);
  if (specs.value_size() != sizeof(Spec))
    return fail(errc::invalid_argument, ctx + ": __bpf_usdt_specs has values of " + std::to_string(specs.value_size()) +
                                            " bytes, not the " + std::to_string(sizeof(Spec)) + " of usdt.bpf.h");
  EBPF_TRY_CTX(auto map_info, specs.info(), ctx);
  auto att = std::make_unique<UsdtAttachment>(map_info.id);
  std::size_t sites = 0;
  for (const auto& p : probes) {
    if (p.provider != o.provider || p.name != o.name) continue;
    ++sites;
    EBPF_TRY_CTX(auto args, parse_usdt_arguments(p.arguments), ctx);
    if (args.size() > kMaxArgs) return fail(errc::not_supported, ctx + ": more than 12 arguments");
    Spec spec{};
    spec.usdt_cookie = o.cookie;
    spec.arg_cnt = static_cast<std::int16_t>(args.size());
    for (std::size_t i = 0; i < args.size(); ++i) {
      ArgSpec& s = spec.args[i];
      s.arg_type = static_cast<std::uint32_t>(args[i].kind);
      s.val_off = static_cast<std::uint64_t>(args[i].value);
      s.reg_off = args[i].reg_offset;
      s.arg_signed = args[i].is_signed;
      s.arg_bitshift = static_cast<std::int8_t>(64 - args[i].size * 8);
    }
    EBPF_TRY_CTX(std::uint32_t id, spec_ids().take(map_info.id, specs.max_entries()), ctx);
    att->add_id(id);
    if (int e = sys::map_update_elem(specs.fd(), &id, &spec, 0); e != 0)
      return unexpected(Error::from_errno(e, "write usdt spec").with_context(ctx));
    auto l = attach_uprobe(program, {.path = path, .offset = p.file_offset, .ref_ctr_offset = p.semaphore_offset,
                                     .pid = o.pid, .cookie = id});
    if (!l) return unexpected(std::move(l).error().with_context(ctx));
    att->add_probe(std::move(*l));
  }
  if (sites == 0) return fail(errc::not_found, ctx + ": " + path + " has no such probe");
  return Link(std::move(att));
}

}  // namespace ebpf::link
