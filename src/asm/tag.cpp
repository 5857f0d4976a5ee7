#include "ebpf/asm/tag.hpp"

namespace ebpf::insn {

namespace {

template <class Hash>
Result<Tag> hash_program(const Instructions& insns) noexcept {
  Hash h;
  for (const Instruction& ins : insns) {
    std::byte buf[2 * kSlotSize];
    auto r = ins.encode(buf, std::endian::native);
    if (!r) return unexpected(std::move(r).error());
    // Map references hash without their fds (or value offsets): the kernel zeroes both immediates.
    if (ins.is_load_imm64() &&
        (ins.pseudo_source() == PseudoSource::map_fd || ins.pseudo_source() == PseudoSource::map_value)) {
      for (std::size_t i : {4u, 5u, 6u, 7u, 12u, 13u, 14u, 15u}) buf[i] = std::byte{0};
    }
    h.update(std::span<const std::byte>(buf, ins.width()));
  }
  auto digest = h.finish();
  Tag t{};
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = digest[i];
  return t;
}

}  // namespace

Result<Tag> tag(const Instructions& insns, TagHash hash) noexcept {
  return hash == TagHash::sha256 ? hash_program<Sha256>(insns) : hash_program<Sha1>(insns);
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

}  // namespace ebpf::insn
