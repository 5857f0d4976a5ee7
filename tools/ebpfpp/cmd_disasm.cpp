// ebpfpp disasm OBJECT [PROGRAM]: the linked programs of an ELF object as readable instructions, with function
// symbols, references (maps, data sections, functions, externs) and source lines.
#include <cstdio>
#include <string>

#include "command.hpp"
#include "ebpf/asm/helpers.hpp"
#include "ebpf/collection_spec.hpp"

namespace ebpfpp_cli {
namespace {

const char* size_name(std::uint8_t op) {
  switch (op & 0x18) {
    case 0x00: return "u32";
    case 0x08: return "u16";
    case 0x10: return "u8";
    default: return "u64";
  }
}

std::string reg(std::uint8_t r, bool wide = true) { return (wide ? "r" : "w") + std::to_string(r); }

std::string hex(std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%#llx", static_cast<unsigned long long>(v));
  return b;
}

std::string signed_off(std::int64_t off) { return (off < 0 ? " - " : " + ") + std::to_string(off < 0 ? -off : off); }

std::string format(const ebpf::insn::Instruction& ins) {
  using ebpf::insn::PseudoSource;
  const std::uint8_t op = ins.opcode.raw();
  const std::uint8_t cls = op & 0x07;
  const std::uint8_t dst = ins.dst_raw(), src = ins.src_raw();
  const std::string ref(ins.reference());
  const bool use_reg = (op & 0x08) != 0;
  switch (cls) {
    case 0x04:    // ALU
    case 0x07: {  // ALU64
      const bool wide = cls == 0x07;
      static const char* ops[] = {"+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "end"};
      const unsigned code = op >> 4;
      if (code >= 14) break;
      if (code == 8) return reg(dst, wide) + " = -" + reg(dst, wide);
      if (code == 13)
        return reg(dst) + " = " + (use_reg ? "be" : "le") + std::to_string(ins.constant) + " " + reg(dst);
      std::string rhs = use_reg ? reg(src, wide) : std::to_string(ins.constant);
      if (code == 11 && use_reg && ins.offset != 0) rhs = "(s" + std::to_string(ins.offset) + ")" + rhs;
      if ((code == 3 || code == 9) && ins.offset == 1) return reg(dst, wide) + " s" + ops[code] + " " + rhs;
      return reg(dst, wide) + " " + ops[code] + " " + rhs;
    }
    case 0x05:    // JMP
    case 0x06: {  // JMP32
      const unsigned code = op >> 4;
      if (op == 0x85) {
        if (ins.is_pseudo_call()) return "call " + (ref.empty() ? "pc" + signed_off(ins.constant) : ref);
        if (ins.is_kfunc_call()) return "call kfunc " + (ref.empty() ? std::to_string(ins.constant) : ref);
        auto name = ebpf::insn::to_string(static_cast<ebpf::insn::HelperId>(ins.constant));
        return "call " + (name.empty() ? std::to_string(ins.constant) : "bpf_" + std::string(name)) + "#" +
               std::to_string(ins.constant);
      }
      if (op == 0x95) return "exit";
      if (code == 0) {
        const std::int64_t d = cls == 0x06 ? ins.constant : ins.offset;
        return "goto pc" + signed_off(d);
      }
      static const char* conds[] = {"", "==", ">", ">=", "&", "!=", "s>", "s>=", "", "", "<", "<=", "s<", "s<="};
      if (code >= 14 || code == 8 || code == 9) break;
      const bool wide = cls == 0x05;
      return "if " + reg(dst, wide) + " " + conds[code] + " " + (use_reg ? reg(src, wide) : std::to_string(ins.constant)) +
             " goto pc" + signed_off(ins.offset);
    }
    case 0x00:  // LD
      if (ins.is_load_imm64()) {
        switch (ins.pseudo_source()) {
          case PseudoSource::map_fd: return reg(dst) + " = map[" + ref + "]";
          case PseudoSource::map_value:
            return reg(dst) + " = map_value[" + ref + "]" +
                   signed_off(static_cast<std::int64_t>(static_cast<std::uint64_t>(ins.constant) >> 32));
          case PseudoSource::func: return reg(dst) + " = func[" + ref + "]";
          case PseudoSource::btf_id: return reg(dst) + " = ksym[" + ref + "]";
          default:
            return reg(dst) + " = " + hex(static_cast<std::uint64_t>(ins.constant)) + " ll" +
                   (ref.empty() ? "" : " <" + ref + ">");
        }
      }
      return std::string("r0 = *(") + size_name(op) + " *)skb[" + ((op & 0xe0) == 0x40 ? reg(src) + " + " : "") +
             std::to_string(ins.constant) + "]";
    case 0x01:  // LDX
      return reg(dst) + " = *(" + size_name(op) + " *)(" + reg(src) + signed_off(ins.offset) + ")";
    case 0x02:  // ST
      return std::string("*(") + size_name(op) + " *)(" + reg(dst) + signed_off(ins.offset) + ") = " +
             std::to_string(ins.constant);
    case 0x03:  // STX
      if ((op & 0xe0) == 0xc0)
        return std::string("lock *(") + size_name(op) + " *)(" + reg(dst) + signed_off(ins.offset) + ") op " +
               hex(static_cast<std::uint64_t>(ins.constant)) + " " + reg(src);
      return std::string("*(") + size_name(op) + " *)(" + reg(dst) + signed_off(ins.offset) + ") = " + reg(src);
  }
  return "<opcode " + hex(op) + ">";
}

void print_program(const ebpf::ProgramSpec& p) {
  auto t = ebpf::to_string(p.type);
  std::printf("program %s (section %s, type %.*s):\n", p.name.c_str(), p.section_name.c_str(),
              static_cast<int>(t.size()), t.data());
  std::string last_line;
  for (auto [index, slot, ins] : p.instructions.positioned()) {
    if (!ins.symbol().empty()) std::printf("%s%.*s:\n", index == 0 ? "" : "\n", static_cast<int>(ins.symbol().size()), ins.symbol().data());
    if (const auto* src = ins.metadata.source(); src && src->line_number != 0 && src->line != last_line) {
      last_line = src->line;
      std::string file = src->file_name;
      if (auto pos = file.rfind('/'); pos != std::string::npos) file = file.substr(pos + 1);
      std::printf("  ; %s [%s:%u]\n", src->line.c_str(), file.c_str(), src->line_number);
    }
    std::printf("  %5zu: %s\n", slot, format(ins).c_str());
  }
  std::printf("\n");
}

int run(Args args) {
  ArgScanner scan(args, {}, {});
  if (!scan.ok()) return usage_error("disasm", scan.error());
  const auto& pos = scan.positional();
  if (pos.empty() || pos.size() > 2) return usage_error("disasm", "expected OBJECT [PROGRAM]");
  auto spec = ebpf::load_collection_spec(std::filesystem::path(std::string(pos[0])));
  if (!spec) return report(spec.error());
  if (pos.size() == 2) {
    auto it = spec->programs.find(std::string(pos[1]));
    if (it == spec->programs.end())
      return report(ebpf::Error::make(ebpf::errc::not_found, std::string(pos[0]) + ": program " + std::string(pos[1]) +
                                                                 " not found"));
    print_program(it->second);
    return 0;
  }
  for (const auto& [_, p] : spec->programs) print_program(p);
  return 0;
}

const Registration reg_disasm{{"disasm", "disasm OBJECT [PROGRAM]",
                               "disassemble the linked programs of an ELF object with symbols and source lines", &run}};

}  // namespace
}  // namespace ebpfpp_cli
