// libFuzzer target: whole ELF objects through load_collection_spec, then the spec's derived operations.
// Seed corpus: the compiled test objects (build/tests/bpf/*.o).
//
// Programs the loader keeps encoded are checked against their decoded form: the same bytes when encoded, and the
// same load attributes from the load path (prepare_program, no syscall) whichever form it starts from.
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "ebpf/collection_spec.hpp"
#include "program_fixup.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// A deferred program and its decoded copy give the same prepared bytes (or the same error).
void compare_prepared(const ebpf::ProgramSpec& lazy) {
  ebpf::ProgramSpec decoded = lazy;
  (void)decoded.instructions.vector();  // non-const: decoded, the encoded form dropped
  check(decoded.instructions.encoded() == nullptr);
  ebpf::detail::FixupContext fx;
  fx.map_fd = [](std::string_view name) -> ebpf::Result<int> {
    if (name.size() % 7 == 3) return ebpf::fail(ebpf::errc::not_found, "no map " + std::string(name));
    return static_cast<int>(3 + name.size());
  };
  std::vector<std::byte> a, b;
  auto ra = ebpf::detail::prepare_program(lazy, fx, a);
  auto rb = ebpf::detail::prepare_program(decoded, fx, b);
  check(ra.has_value() == rb.has_value());
  if (!ra) {
    check(ra.error().message() == rb.error().message());
    return;
  }
  check(a == b);
  check(ra->code_size == rb->code_size && ra->func_info_size == rb->func_info_size &&
        ra->line_info_size == rb->line_info_size);
}

}  // namespace

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
    if (p.instructions.encoded() == nullptr) continue;
    // Deferred: decoding (with metadata) then encoding again gives the bytes read.
    check(encoded.has_value());
    std::size_t annotated = 0;
    for (const auto& ins : p.instructions)
      annotated += ins.reference().empty() && ins.metadata.source() == nullptr ? 0 : 1;
    (void)annotated;
    ebpf::insn::Instructions decoded = p.instructions;
    (void)decoded.vector();
    auto again = decoded.encode(p.byte_order);
    check(again.has_value() && *again == *encoded);
    if (p.byte_order == std::endian::native) compare_prepared(p);
  }
  // The .kconfig value from a fixed config: the layout reads the (hostile) BTF of every extern, and the spec's
  // .kconfig map, when the loader made one, is exactly the size filled.
  static const auto config = ebpf::kernel::KernelConfig::parse(
      "CONFIG_HZ=250\nCONFIG_BPF_SYSCALL=y\nCONFIG_DEFAULT_HOSTNAME=\"(none)\"\nCONFIG_X=m\n");
  std::map<std::string, std::uint32_t, std::less<>> offsets;
  auto value = ebpf::detail::kconfig_value(copy, offsets, config ? &*config : nullptr);
  auto kmap = copy.maps.find(".kconfig");
  if (value && !value->empty() && kmap != copy.maps.end() && kmap->second.contents.empty())
    check(kmap->second.value_size == value->size());
  return 0;
}
