// C++ identifiers for BTF, map, program and variable names (the rule is documented in ebpf/gen/skeleton.hpp).
#include <set>
#include <string>
#include <string_view>

#include "ebpf/gen/skeleton.hpp"
#include "gen/names.hpp"

namespace ebpf::gen {

namespace {
// C++23 keywords, alternative tokens, and object-like macros common headers define (errno; linux and unix
// in GNU modes) that would break a declaration of that name.
const std::set<std::string_view>& reserved() {
  static const std::set<std::string_view> words = {
      "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch",
      "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval", "constexpr",
      "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default", "delete",
      "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for",
      "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
      "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
      "requires", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast", "struct",
      "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef", "typeid", "typename",
      "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
      "errno", "linux", "unix", "i386", "NULL", "EOF", "stdin", "stdout", "stderr", "assert", "offsetof"};
  return words;
}
}  // namespace

std::string cxx_identifier(std::string_view name) {
  std::string id;
  id.reserve(name.size() + 1);
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    id += ok ? c : '_';
  }
  if (id.empty() || (id[0] >= '0' && id[0] <= '9')) id.insert(id.begin(), '_');
  while (reserved().contains(id)) id += '_';
  return id;
}

std::string default_skeleton_name(std::string_view file_name) {
  if (auto slash = file_name.rfind('/'); slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  return std::string(file_name.substr(0, file_name.find('.')));
}

namespace detail {

std::string Scope::add(std::string_view name) {
  std::string id = cxx_identifier(name);
  while (used_.contains(id)) id += '_';
  used_.insert(id);
  return id;
}

}  // namespace detail
}  // namespace ebpf::gen
