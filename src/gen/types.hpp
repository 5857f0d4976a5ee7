// C++ definitions of BTF types for skeletons, with their layout static_asserts.
#pragma once

#include <bit>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ebpf/btf/btf.hpp"
#include "ebpf/error.hpp"
#include "gen/names.hpp"

namespace ebpf::gen::detail {

// A member to lay out: a struct/union member or a variable of a data section. type 0 with `bytes` set is an
// opaque byte array (a variable without BTF).
struct Field {
  std::string_view name;
  btf::TypeId type = 0;
  std::uint32_t bit_offset = 0;
  std::uint32_t bitfield_size = 0;
  std::uint32_t bytes = 0;
};

// Writes type definitions into one text, dependencies first, each followed by its static_asserts. Type names
// are taken from `scope` (the skeleton class's scope). `indent` prefixes every line.
class TypeWriter {
 public:
  // `qualifier`: the class the types are nested in.
  TypeWriter(const btf::Spec& btf, std::endian order, Scope& scope, std::string indent, std::string qualifier)
      : btf_(btf), order_(order), scope_(scope), indent_(std::move(indent)), qualifier_(std::move(qualifier)) {}

  // The spelling of a use of `id` as a template argument (arrays as std::array), defining what it needs.
  Result<std::string> type_argument(btf::TypeId id);
  // A struct named `name` with `fields`, `size` bytes (rounded up to its alignment): a data section's variables.
  // Asserts sizeof and offsetof.
  Result<void> define_section(const std::string& name, std::vector<Field> fields, std::uint32_t size);

  // Named structs, unions and enums the user's own header defines (SkeletonOptions::shared_types): they are
  // not defined but aliased from the global namespace, with the same asserts.
  void share(std::set<std::string> names) { shared_ = std::move(names); }

  [[nodiscard]] const std::string& text() const noexcept { return out_; }

 private:
  struct Spelling {
    std::string base;    // "std::uint32_t", "event"
    std::string suffix;  // array dimensions "[4][2]"
  };
  struct Body {
    std::string lines;
    std::string attributes;  // " __attribute__((packed))", " alignas(8)"
  };
  struct Assert {
    std::string designator;
    std::uint32_t offset;
  };
  struct Context {
    Scope* scope;                  // member names of this body (anonymous members share their parent's)
    Scope* root;                   // member names of the outermost struct, where bitfield accessors go
    std::string prefix;            // designator prefix for nested named members ("x.")
    std::string accessor_prefix;   // name prefix for bitfield accessors of nested named members ("x_")
    std::uint32_t bit_base = 0;    // bit offset of this body in the outermost struct
    int depth = 1;                 // indentation level inside the definition
    std::vector<std::string>* accessors;
    std::vector<Assert>* asserts;
  };

  Result<Spelling> spell(btf::TypeId id, int depth = 0);
  Result<std::string> declare(btf::TypeId id, const std::string& name);
  Result<std::string> name_of(const btf::Type& t);
  Result<void> define_record(const btf::Type& t, const std::string& name);
  Result<void> define_enum(const btf::Type& t, const std::string& name);
  Result<void> define_shared(const btf::Type& t, const std::string& name);
  void shared_asserts(const btf::Type& t, const std::string& prefix, std::uint32_t base, std::vector<Assert>& out,
                      int depth) const;
  Result<Body> layout(const std::vector<Field>& fields, std::uint32_t size, std::uint32_t align, bool is_union,
                      Context& ctx);
  Result<std::string> int_name(const btf::Type& t) const;
  [[nodiscard]] std::set<std::string> member_names(const std::vector<Field>& fields) const;
  [[nodiscard]] std::string pad(const std::string& indent, Scope& scope, std::uint32_t at, std::uint32_t bytes) const;
  // The type after qualifiers (not typedefs).
  Result<btf::Type> strip(btf::TypeId id) const { return btf_.skip_qualifiers(id, false); }
  // An anonymous struct or union not named by a typedef: defined inline where it is used.
  [[nodiscard]] bool is_inline_record(const btf::Type& t) const {
    return t.is_struct_or_union() && t.name().empty() && !names_.contains(t.id());
  }
  [[nodiscard]] std::string endian() const {
    return order_ == std::endian::little ? "std::endian::little" : "std::endian::big";
  }

  const btf::Spec& btf_;
  std::endian order_;
  Scope& scope_;
  std::string indent_;
  std::string qualifier_;
  std::set<std::string> qualify_;  // member names of the struct being written
  std::set<std::string> shared_;
  std::string out_;
  std::map<btf::TypeId, std::string> names_;  // named (or typedef-named) types and their C++ names
  std::set<btf::TypeId> defined_;
  std::set<btf::TypeId> defining_;
};

}  // namespace ebpf::gen::detail
