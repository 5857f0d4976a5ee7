// libFuzzer target for the instruction decoder: decode in both byte orders; whatever decodes must
// re-encode to the same bytes, survive a trip through the other byte order, and disassemble.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <span>

#include "ebpf/asm/asm.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  for (std::endian order : {std::endian::little, std::endian::big}) {
    auto insns = ebpf::insn::Instructions::decode(bytes, order);
    if (!insns) {
      if (!insns.error().is(ebpf::errc::malformed) || insns.error().message().empty()) std::abort();
      continue;
    }
    auto back = insns->encode(order);
    if (!back || back->size() != size || (size != 0 && std::memcmp(back->data(), data, size) != 0)) std::abort();
    std::endian other = order == std::endian::little ? std::endian::big : std::endian::little;
    auto swapped = insns->encode(other);
    if (!swapped) std::abort();
    auto again = ebpf::insn::Instructions::decode(*swapped, other);
    if (!again || !(*again == *insns)) std::abort();
    std::string text = ebpf::insn::listing(*insns);
    if (!insns->empty() && text.empty()) std::abort();
    auto t = ebpf::insn::tag(*insns, ebpf::insn::TagHash::sha1);
    if (!t) std::abort();
  }
  return 0;
}
