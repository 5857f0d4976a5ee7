// C declarators for BTF types (shared by format_c and the C dumper).
#pragma once

#include <functional>
#include <string>

#include "btf/impl.hpp"

namespace ebpf::btf::detail {

struct DeclNamer {
  // Name of a named struct/union/enum/typedef/fwd as it should be printed (without "struct ").
  std::function<std::string(const Type&)> name;
  // Body of an anonymous struct/union/enum ("{ ... }") at `indent`; empty for "{...}".
  std::function<std::string(const Type&, int indent)> anon_body;
};

// Declaration of `id` with declarator `inner` (may be empty), e.g. ("char [16]", "comm") -> "char comm[16]".
std::string c_decl(const Spec& spec, TypeId id, const std::string& inner, const DeclNamer& namer, int indent,
                   int depth = 0);

}  // namespace ebpf::btf::detail
