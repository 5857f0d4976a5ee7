// ebpfpp disasm OBJECT [PROGRAM]: the linked programs of an ELF object as readable instructions, with function
// symbols, references (maps, data sections, functions, externs) and source lines.
#include <cstdio>
#include <string>

#include "command.hpp"
#include "ebpf/asm/disasm.hpp"
#include "ebpf/collection_spec.hpp"

namespace ebpfpp_cli {
namespace {

void print_program(const ebpf::ProgramSpec& p) {
  auto t = ebpf::to_string(p.type);
  std::printf("program %s (section %s, type %.*s):\n%s\n", p.name.c_str(), p.section_name.c_str(),
              static_cast<int>(t.size()), t.data(), ebpf::insn::listing(p.instructions).c_str());
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
