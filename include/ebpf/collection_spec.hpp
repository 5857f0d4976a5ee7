// CollectionSpec: every map and program of an ELF object, as plain values (no kernel resources). Copying a
// CollectionSpec is a deep copy; edit it freely before loading.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ebpf/error.hpp"
#include "ebpf/map_spec.hpp"
#include "ebpf/program_spec.hpp"

namespace ebpf {

// A global variable in a data section (.data, .rodata, .bss, ...), settable before load. Hidden-visibility
// and static symbols are not variables.
struct VariableSpec {
  std::string name;
  std::string section;  // also the name of the data-section map holding it
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint32_t type = 0;  // BTF type id of the variable's type in CollectionSpec::btf (0: no BTF)
  friend bool operator==(const VariableSpec&, const VariableSpec&) = default;
};

// A symbol the object uses but does not define: a kfunc (called) or a ksym / kconfig value (loaded).
struct ExternSpec {
  enum class Kind : std::uint8_t { function, variable };
  std::string name;
  Kind kind = Kind::variable;
  bool weak = false;
  std::string section;  // ".kconfig" or ".ksyms" from BTF; empty without BTF
  friend bool operator==(const ExternSpec&, const ExternSpec&) = default;
};

// A data section of the object that the spec leaves out (so nothing is created for it): no instruction refers to
// it. The seeds prune these; libbpf creates a map for every data section, so its view of the object has them.
struct PrunedSection {
  std::string name;
  std::uint64_t size = 0;
  friend bool operator==(const PrunedSection&, const PrunedSection&) = default;
};

class CollectionSpec {
 public:
  std::map<std::string, MapSpec> maps;          // by name; data-section maps are named after their section
  std::map<std::string, ProgramSpec> programs;  // by function name
  std::map<std::string, VariableSpec> variables;
  std::vector<ExternSpec> externs;
  std::vector<PrunedSection> pruned_sections;  // informational: data sections not in `maps` (see PrunedSection)
  std::endian byte_order = std::endian::little;
  std::string license;              // of the object's license section (also in every ProgramSpec)
  std::uint32_t kernel_version = 0;  // of its version section
  // The object's parsed .BTF (shared with its programs); null when the object has none.
  std::shared_ptr<const btf::Spec> btf;

  // Copies `value` (exactly the variable's size) into the variable's data-section map.
  Result<void> set_variable(std::string_view name, std::span<const std::byte> value);
  // Sets several variables; if any name is unknown nothing is changed and the error lists every missing name.
  Result<void> set_variables(const std::map<std::string, std::vector<std::byte>>& values);
  // The variable's current bytes.
  [[nodiscard]] Result<std::vector<std::byte>> variable(std::string_view name) const;

  // Typed access; integers are converted to the spec's byte order.
  template <class T>
    requires std::is_trivially_copyable_v<T>
  Result<void> set_variable(std::string_view name, const T& value) {
    std::byte buf[sizeof(T)];
    std::memcpy(buf, &value, sizeof(T));
    if constexpr (std::is_integral_v<T>) {
      if (byte_order != std::endian::native) std::reverse(buf, buf + sizeof(T));
    }
    return set_variable(name, std::span<const std::byte>(buf, sizeof(T)));
  }
  template <class T>
    requires std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T>
  [[nodiscard]] Result<T> variable_as(std::string_view name) const {
    EBPF_TRY(auto bytes, variable(name));
    if (bytes.size() != sizeof(T))
      return fail(errc::invalid_argument, "variable " + std::string(name) + ": size " + std::to_string(bytes.size()) +
                                              " does not match type size " + std::to_string(sizeof(T)));
    if constexpr (std::is_integral_v<T>) {
      if (byte_order != std::endian::native) std::reverse(bytes.begin(), bytes.end());
    }
    T out{};
    std::memcpy(&out, bytes.data(), sizeof(T));
    return out;
  }

  // Makes every instruction that refers to map `from` refer to map `to` instead (which must exist), and removes
  // `from` if no program uses it any more.
  Result<void> rewrite_map_references(std::string_view from, std::string_view to);
};

// Reads an ELF object compiled for the BPF target (either byte order). Errors name the file, then the section,
// symbol or offset at fault.
Result<CollectionSpec> load_collection_spec(const std::filesystem::path& path);
// Same, from bytes in memory; `name` is used in error messages.
Result<CollectionSpec> load_collection_spec(std::span<const std::byte> bytes, std::string_view name);

}  // namespace ebpf
