// A standalone, mutable set of BTF types: deep-copy types out of a Spec (or add them directly), then marshal
// them into a blob the running kernel accepts (BTF_LOAD), sanitising what it lacks.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ebpf/btf/btf.hpp"

namespace ebpf::btf {

// BTF features the kernel may lack, as ebpf::features probes them (once per process, by loading tiny blobs).
struct Features {
  bool func = true;          // FUNC / FUNC_PROTO
  bool func_linkage = true;  // FUNC with global/extern linkage
  bool datasec = true;       // VAR / DATASEC
  bool float_ = true;        // FLOAT
  bool decl_tag = true;      // DECL_TAG
  bool type_tag = true;      // TYPE_TAG
  bool enum64 = true;        // ENUM64 (and signed ENUM, kind_flag on ENUM)
};

// What the running kernel supports, probed once (thread-safe). Without bpf() access every feature is
// reported missing.
const Features& kernel_features();
// The same, asked of ebpf::features again (its answers are cached there).
Features probe_features();

struct MarshalOptions {
  Features features;  // what to keep; defaults to everything
  // Lay out DATASECs of size 0 (as in .o files before the loader fixes them up) sequentially so the kernel
  // accepts them.
  bool layout_empty_datasecs = false;
};

class Builder {
 public:
  Builder();

  // Copy `id` and every type it references from `spec`; returns the id in this builder. Copying the same
  // (spec, id) again returns the same id.
  Result<TypeId> copy(const Spec& spec, TypeId id);
  // Copy every type of `spec` (its own types; for split BTF the base's too), preserving ids.
  Result<void> copy_all(const Spec& spec);

  // Direct construction. Names are added to the string table. Returns the new id.
  TypeId add_int(std::string_view name, std::uint32_t size, std::uint8_t encoding = 0);
  TypeId add_ptr(TypeId target);
  TypeId add_array(TypeId elem, TypeId index, std::uint32_t nelems);
  TypeId add_typedef(std::string_view name, TypeId target);
  TypeId add_qualifier(Kind kind, TypeId target);  // const/volatile/restrict
  TypeId add_float(std::string_view name, std::uint32_t size);
  TypeId add_fwd(std::string_view name, bool is_union);
  struct MemberSpec {
    std::string_view name;
    TypeId type = 0;
    std::uint32_t bit_offset = 0;
    std::uint32_t bitfield_size = 0;
  };
  TypeId add_struct(std::string_view name, std::uint32_t size, std::span<const MemberSpec> members,
                    bool is_union = false);
  struct EnumSpec {
    std::string_view name;
    std::int64_t value = 0;
  };
  TypeId add_enum(std::string_view name, std::uint32_t size, std::span<const EnumSpec> values, bool is_signed = false);
  TypeId add_enum64(std::string_view name, std::span<const EnumSpec> values, bool is_signed = false);
  struct ParamSpec {
    std::string_view name;
    TypeId type = 0;
  };
  TypeId add_func_proto(TypeId ret, std::span<const ParamSpec> params);
  TypeId add_func(std::string_view name, TypeId proto, Linkage linkage);
  TypeId add_var(std::string_view name, TypeId type, Linkage linkage);
  TypeId add_datasec(std::string_view name, std::uint32_t size, std::span<const VarSecInfo> vars);
  TypeId add_decl_tag(std::string_view name, TypeId target, std::int32_t component_idx);
  TypeId add_type_tag(std::string_view name, TypeId target);
  // Rewrites the size of DATASEC `id` and the offset of each of its variables (offsets.size() must equal its
  // vlen): objects leave both zero, the loader knows them from the ELF sections and symbols.
  Result<void> set_datasec_layout(TypeId id, std::uint32_t size, std::span<const std::uint32_t> offsets);
  // Rewrites entry `index` of DATASEC `id`.
  Result<void> set_datasec_entry(TypeId id, std::size_t index, const VarSecInfo& entry);
  // Changes the linkage of a FUNC or VAR (the kernel accepts no extern linkage: loaders make externs global).
  Result<void> set_linkage(TypeId id, Linkage linkage);
  // Turns FUNC `id` into a TYPEDEF of its prototype, keeping name and id: for extern functions (kfuncs), whose
  // prototypes may have unnamed parameters, which the kernel refuses in a FUNC.
  Result<void> func_to_typedef(TypeId id);
  // Changes the type of VAR `id` (typeless ksyms are `void` variables, which the kernel refuses).
  Result<void> set_var_type(TypeId id, TypeId type);

  // Fix up a DATASEC in place (the ELF loader sets section sizes and symbol offsets that .o files leave 0).
  // `vars` must have one entry per existing variable; errc::invalid_argument otherwise.
  Result<void> set_datasec(TypeId id, std::uint32_t size, std::span<const VarSecInfo> vars);

  // Number of types including void (the next id).
  [[nodiscard]] std::uint32_t type_count() const noexcept { return static_cast<std::uint32_t>(starts_.size()); }

  // A host-byte-order BTF blob of every type, sanitised for `options.features`.
  [[nodiscard]] Result<std::vector<std::byte>> marshal(const MarshalOptions& options = {}) const;
  // Marshal with kernel_features().
  [[nodiscard]] Result<std::vector<std::byte>> marshal_for_kernel(bool layout_empty_datasecs = false) const;
  // Parse what marshal() produces, for inspection.
  [[nodiscard]] Result<Spec> spec(const MarshalOptions& options = {}) const;

  std::uint32_t add_string(std::string_view s);

  // The string table copy_all() took as is from its spec (offsets unchanged), viewing that spec's memory: a
  // string viewing it at offset N is at offset N here too. Empty if copy_all() re-added the strings.
  [[nodiscard]] std::string_view verbatim_strings() const noexcept { return verbatim_strings_; }

 private:
  TypeId push(std::uint32_t name_off, Kind kind, bool kflag, std::uint32_t vlen, std::uint32_t size_or_type,
              std::span<const std::uint32_t> extra);

  std::vector<std::uint32_t> words_;  // types, host order, without void
  std::vector<std::uint32_t> starts_;  // word index of each type; [0] unused (void)
  std::string strings_;
  std::unordered_map<std::string, std::uint32_t> string_index_;
  // copy_all() takes a spec's string table as is (offsets unchanged); the index is built on the next add_string.
  bool string_index_stale_ = false;
  std::string_view verbatim_strings_;
  // (source spec, source id) -> id here.
  std::unordered_map<const void*, std::unordered_map<TypeId, TypeId>> memo_;
  // The spec copy_all() copied (ids unchanged) and its type count; those ids need no memo.
  const void* copied_all_from_ = nullptr;
  TypeId copied_all_end_ = 0;
};

}  // namespace ebpf::btf
