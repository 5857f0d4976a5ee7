// Name scopes of generated code.
#pragma once

#include <set>
#include <string>
#include <string_view>

namespace ebpf::gen::detail {

// The identifiers taken in one C++ scope. add() makes a name valid (cxx_identifier) and unique by appending
// '_' until it is free.
class Scope {
 public:
  std::string add(std::string_view name);
  void reserve(std::string_view id) { used_.insert(std::string(id)); }

 private:
  std::set<std::string> used_;
};

}  // namespace ebpf::gen::detail
