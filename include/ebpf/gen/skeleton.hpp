// Generation of typed C++ skeletons from an object's BTF (`ebpfpp gen skeleton`).
//
// A skeleton is one self-contained header that includes only ebpfpp's public headers. It holds:
//   * C++ types for every BTF type the object's maps and data sections use, each followed by static_asserts on
//     sizeof, alignof and every member's offsetof as BTF gives them (a layout mismatch fails at compile time);
//   * `class NAME` with open() (the object's bytes embedded in the header), open(path), load(options),
//     attach(targets) / detach() (every program whose section names its attach point, Collection::attach_all's
//     rules; the links are kept in the skeleton),
//     `maps.<name>` (ebpf::TypedMap<K, V> for hash, array, LRU hash and LPM trie maps whose key and value types
//     BTF gives; ebpf::Map for the others: per-CPU maps, fd maps, ring buffers, data sections...),
//     `progs.<name>` (ebpf::Program) and one accessor per data section (`bss()`, `data()`, `rodata()`, ...)
//     returning a typed struct of the section's variables.
//
// Names. Every BTF, map, program and variable name becomes a C++ identifier in one way: characters other than
// letters, digits and '_' become '_', a leading digit gets a '_' in front, and a name that is a C++ keyword, a
// common macro (errno, linux, unix, ...) or already taken in the same scope gets '_' appended until it is
// free. Data-section maps drop the leading '.' (".rodata.cfg" -> maps.rodata_cfg, rodata_cfg(),
// struct rodata_cfg_section). Types are nested in the skeleton class, so they never collide with the
// user's own types.
//
// Types. Integer typedefs (__u32, u64, ...) become the fixed-width types (std::uint32_t); pointers become
// std::uint64_t (a BPF pointer is 8 bytes on every host); named enums become `enum class` with the BTF size as
// underlying type; typedefs of anonymous structs name the struct; other anonymous structs and unions are
// defined inline. Bitfields are kept as byte storage with get/set accessors of the member's name
// (`v.flags()`, `v.flags(3)`) that follow the object's byte order. Padding the compiler would not add itself
// is spelled out (`std::uint8_t pad_N_[k]`); packed structs get __attribute__((packed)), over-aligned ones
// alignas(N).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "ebpf/collection_spec.hpp"
#include "ebpf/error.hpp"

namespace ebpf::gen {

struct SkeletonOptions {
  std::string name;          // the class name (made a valid identifier)
  std::string name_space;    // enclosing namespace ("a::b"); empty: the global namespace
  std::string object_name;   // the object's file name, for comments and error messages
  std::span<const std::byte> object;  // the object's bytes, embedded in the header; empty: open() takes a path only
  // Types the user's own C header defines (shared by the .bpf.c and the C++ program): by C name ("event" for
  // struct event, enum mode, ...). The skeleton includes `includes` and, instead of defining these types, aliases
  // the header's (`using event = ::event;`) followed by the same sizeof / alignof / offsetof asserts (and the
  // enumerators' values): a struct changed in the header but not regenerated stops the build.
  std::vector<std::string> shared_types;
  std::vector<std::string> includes;  // written as #include "..."
};

// The skeleton header for `spec`. errc::not_supported names a BTF type that has no C++ layout equivalent
// (a member that overlaps another, say).
Result<std::string> generate_skeleton(const CollectionSpec& spec, const SkeletonOptions& options);

// The file name up to its first '.': the default skeleton name ("counter.bpfel.o" -> "counter").
std::string default_skeleton_name(std::string_view file_name);

// `name` as a C++ identifier (see "Names" above), without the scope check.
std::string cxx_identifier(std::string_view name);

}  // namespace ebpf::gen
