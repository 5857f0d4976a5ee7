#include "ebpf/collection_spec.hpp"

#include <algorithm>
#include <string>

namespace ebpf {
namespace {

// The bytes of a variable's data-section map value, materialising the zero value of a .bss map on demand.
Result<std::vector<std::byte>*> variable_storage(CollectionSpec& spec, const VariableSpec& v, bool create) {
  auto it = spec.maps.find(v.section);
  if (it == spec.maps.end())
    return fail(errc::not_found, "variable " + v.name + ": data section map " + v.section + " does not exist");
  MapSpec& m = it->second;
  if (m.contents.empty()) {
    if (!create) return static_cast<std::vector<std::byte>*>(nullptr);
    MapKV kv;
    kv.key.assign(4, std::byte{0});
    kv.value = std::vector<std::byte>(m.value_size, std::byte{0});
    m.contents.push_back(std::move(kv));
  }
  auto* value = std::get_if<std::vector<std::byte>>(&m.contents.front().value);
  if (!value || v.offset > value->size() || v.size > value->size() - v.offset)
    return fail(errc::invalid_argument, "variable " + v.name + ": outside the contents of map " + v.section);
  return value;
}

}  // namespace

Result<void> CollectionSpec::set_variable(std::string_view name, std::span<const std::byte> value) {
  auto it = variables.find(std::string(name));
  if (it == variables.end()) return fail(errc::not_found, "variable " + std::string(name) + ": not found");
  const VariableSpec& v = it->second;
  if (value.size() != v.size)
    return fail(errc::invalid_argument, "variable " + v.name + ": value of " + std::to_string(value.size()) +
                                            " bytes does not match its size " + std::to_string(v.size));
  EBPF_TRY(auto* storage, variable_storage(*this, v, true));
  std::copy(value.begin(), value.end(), storage->begin() + static_cast<std::ptrdiff_t>(v.offset));
  return {};
}

Result<void> CollectionSpec::set_variables(const std::map<std::string, std::vector<std::byte>>& values) {
  std::string missing;
  for (const auto& [name, bytes] : values) {
    auto it = variables.find(name);
    if (it == variables.end()) {
      missing += missing.empty() ? name : ", " + name;
    } else if (bytes.size() != it->second.size) {
      return fail(errc::invalid_argument, "variable " + name + ": value of " + std::to_string(bytes.size()) +
                                              " bytes does not match its size " + std::to_string(it->second.size));
    }
  }
  if (!missing.empty()) return fail(errc::not_found, "missing variables: " + missing);
  for (const auto& [name, bytes] : values) EBPF_TRY_VOID(set_variable(name, bytes));
  return {};
}

Result<std::vector<std::byte>> CollectionSpec::variable(std::string_view name) const {
  auto it = variables.find(std::string(name));
  if (it == variables.end()) return fail(errc::not_found, "variable " + std::string(name) + ": not found");
  const VariableSpec& v = it->second;
  EBPF_TRY(auto* storage, variable_storage(const_cast<CollectionSpec&>(*this), v, false));
  if (!storage) return std::vector<std::byte>(v.size, std::byte{0});
  auto first = storage->begin() + static_cast<std::ptrdiff_t>(v.offset);
  return std::vector<std::byte>(first, first + static_cast<std::ptrdiff_t>(v.size));
}

Result<void> CollectionSpec::rewrite_map_references(std::string_view from, std::string_view to) {
  if (!maps.contains(std::string(to))) return fail(errc::not_found, "rewrite map references: map " + std::string(to) + " does not exist");
  if (!maps.contains(std::string(from)))
    return fail(errc::not_found, "rewrite map references: map " + std::string(from) + " does not exist");
  for (auto& [_, prog] : programs)
    for (auto& ins : prog.instructions)
      if (ins.is_map_load() && ins.reference() == from) ins.metadata.set_reference(std::string(to));
  maps.erase(std::string(from));
  return {};
}

}  // namespace ebpf
