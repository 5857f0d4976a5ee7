// Fuzzes CO-RE relocation: an ELF object (seeds: the CO-RE test objects) is loaded and every program relocated
// against the object's own BTF (every local type is then a candidate of itself, flavours aside), so local and
// target types, access strings, record kinds and the relocated instructions are all attacker-controlled.
#include <cstddef>
#include <cstdint>
#include <span>

#include "ebpf/btf/core.hpp"
#include "ebpf/collection_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  auto spec = ebpf::load_collection_spec(bytes, "fuzz");
  if (!spec || !spec->btf) return 0;
  ebpf::btf::CoreTargets self{{*spec->btf}};
  for (const auto& [name, prog] : spec->programs) {
    auto insns = prog.instructions;
    auto r = ebpf::btf::core_relocate(insns, *spec->btf, self);
    if (r && insns.size_in_slots() != prog.instructions.size_in_slots()) __builtin_trap();  // slots preserved
  }
  return 0;
}
