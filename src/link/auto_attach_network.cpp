// Placeholder until the networking attach points land: nothing networking is auto-attached yet.
#include "auto_attach_network.hpp"

#include <string>

#include "ebpf/program.hpp"

namespace ebpf::link::detail {

bool network_auto_attachable(const Program&, bool) { return false; }

Result<Link> attach_network_program(const Program& program, std::string_view) {
  std::string m = "program ";
  m += program.name();
  m += ": auto-attach of ";
  m += to_string(program.type());
  m += " programs is not supported";
  return fail(errc::not_supported, std::move(m));
}

}  // namespace ebpf::link::detail
