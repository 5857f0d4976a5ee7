// libFuzzer target: whole ELF objects through load_collection_spec, then the spec's derived operations.
// Seed corpus: the compiled test objects (build/tests/bpf/*.o).
#include <cstddef>
#include <cstdint>
#include <span>

#include "ebpf/collection_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto bytes = std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size);
  auto spec = ebpf::load_collection_spec(bytes, "fuzz.o");
  if (!spec) {
    (void)spec.error().message();
    return 0;
  }
  // Exercise what a user does next with a spec: copy it, read variables, walk the instructions.
  ebpf::CollectionSpec copy = *spec;
  for (const auto& [name, v] : copy.variables) {
    auto bytes_of = copy.variable(name);
    if (bytes_of) (void)copy.set_variable(name, *bytes_of);
  }
  for (const auto& [name, p] : copy.programs) {
    (void)p.map_references();
    auto encoded = p.instructions.encode(p.byte_order);
    (void)encoded;
  }
  return 0;
}
