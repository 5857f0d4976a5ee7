#include "ebpf/asm/instruction.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>

namespace ebpf::insn {

namespace {

std::uint16_t load16(const std::byte* p, std::endian order) noexcept {
  auto a = static_cast<unsigned>(p[0]), b = static_cast<unsigned>(p[1]);
  return static_cast<std::uint16_t>(order == std::endian::little ? (a | b << 8) : (a << 8 | b));
}

std::uint32_t load32(const std::byte* p, std::endian order) noexcept {
  std::uint32_t v = 0;
  if (order == std::endian::little) {
    for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<std::uint32_t>(p[i]);
  } else {
    for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<std::uint32_t>(p[i]);
  }
  return v;
}

void store16(std::byte* p, std::uint16_t v, std::endian order) noexcept {
  if (order == std::endian::little) {
    p[0] = static_cast<std::byte>(v);
    p[1] = static_cast<std::byte>(v >> 8);
  } else {
    p[0] = static_cast<std::byte>(v >> 8);
    p[1] = static_cast<std::byte>(v);
  }
}

void store32(std::byte* p, std::uint32_t v, std::endian order) noexcept {
  for (int i = 0; i < 4; ++i) {
    int shift = order == std::endian::little ? 8 * i : 8 * (3 - i);
    p[i] = static_cast<std::byte>(v >> shift);
  }
}

// Register nibbles: dst is the low nibble in little-endian encoding, the high one in big-endian.
void load_regs(std::byte b, std::endian order, std::uint8_t& dst, std::uint8_t& src) noexcept {
  auto v = static_cast<std::uint8_t>(b);
  if (order == std::endian::little) {
    dst = v & 0x0f;
    src = v >> 4;
  } else {
    dst = v >> 4;
    src = v & 0x0f;
  }
}

std::byte store_regs(std::uint8_t dst, std::uint8_t src, std::endian order) noexcept {
  return static_cast<std::byte>(order == std::endian::little ? (dst | src << 4) : (dst << 4 | src));
}

Error at(std::size_t index, std::size_t byte_offset, const std::string& what) {
  char head[96];
  std::snprintf(head, sizeof head, "instruction %zu (offset 0x%zx): ", index, byte_offset);
  return Error::make(errc::malformed, head + what);
}

std::string hex8(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", v & 0xffu);
  return buf;
}

}  // namespace

std::optional<std::int64_t> Instruction::jump_distance() const noexcept {
  if (is_branch()) return offset;
  if (is_long_jump() || is_pseudo_call()) return static_cast<std::int32_t>(constant);
  if (is_func_load()) return static_cast<std::int32_t>(constant);
  return std::nullopt;
}

Result<void> Instruction::encode(std::span<std::byte> out, std::endian order) const noexcept {
  if (out.size() < width()) return unexpected(Error(errc::invalid_argument, 0, "instruction buffer too small"));
  if (dst_raw() > 15 || src_raw() > 15)
    return unexpected(Error(errc::invalid_argument, 0, "register number does not fit the encoding"));
  std::byte* p = out.data();
  p[0] = static_cast<std::byte>(opcode.raw());
  p[1] = store_regs(dst_raw(), src_raw(), order);
  store16(p + 2, static_cast<std::uint16_t>(offset), order);
  if (is_load_imm64()) {
    auto v = static_cast<std::uint64_t>(constant);
    store32(p + 4, static_cast<std::uint32_t>(v), order);
    std::memset(p + 8, 0, 4);
    store32(p + 12, static_cast<std::uint32_t>(v >> 32), order);
  } else {
    if (constant < std::numeric_limits<std::int32_t>::min() || constant > std::numeric_limits<std::uint32_t>::max())
      return unexpected(Error(errc::invalid_argument, 0, "constant does not fit 32 bits"));
    store32(p + 4, static_cast<std::uint32_t>(constant), order);
  }
  return {};
}

bool operator==(const Instruction& a, const Instruction& b) noexcept {
  return a.opcode == b.opcode && a.dst == b.dst && a.src == b.src && a.offset == b.offset &&
         a.constant == b.constant && a.metadata == b.metadata;
}

namespace {

enum class DecodeFault { none, truncated, unknown_opcode, lddw_missing_half, lddw_bad_half, bad_atomic };

// Decodes the instruction at p (avail bytes left) into ins; no allocation, no Error on the hot path.
DecodeFault decode_into(Instruction& ins, const std::byte* p, std::size_t avail, std::endian order) noexcept {
  if (avail < kSlotSize) return DecodeFault::truncated;
  ins.opcode = OpCode(static_cast<std::uint8_t>(p[0]));
  std::uint8_t dst = 0, src = 0;
  load_regs(p[1], order, dst, src);
  ins.dst = reg(dst);
  ins.src = reg(src);
  ins.offset = static_cast<std::int16_t>(load16(p + 2, order));
  std::uint32_t imm = load32(p + 4, order);
  if (!is_known(ins.opcode)) return DecodeFault::unknown_opcode;
  if (ins.opcode.is_load_imm64()) {
    if (avail < 2 * kSlotSize) return DecodeFault::lddw_missing_half;
    const std::byte* q = p + kSlotSize;
    if (q[0] != std::byte{0} || q[1] != std::byte{0} || q[2] != std::byte{0} || q[3] != std::byte{0})
      return DecodeFault::lddw_bad_half;
    std::uint32_t hi = load32(q + 4, order);
    ins.constant = static_cast<std::int64_t>(static_cast<std::uint64_t>(hi) << 32 | imm);
  } else {
    ins.constant = static_cast<std::int32_t>(imm);
    if (ins.opcode.cls() == Class::stx && ins.opcode.mode() == Mode::atomic && !valid_atomic(ins.opcode.size(), imm))
      return DecodeFault::bad_atomic;
  }
  return DecodeFault::none;
}

Error decode_error(DecodeFault fault, const Instruction& ins, std::size_t avail, std::size_t index,
                   std::size_t byte_offset) {
  switch (fault) {
    case DecodeFault::truncated:
      return at(index, byte_offset, "truncated: " + std::to_string(avail) + " trailing bytes");
    case DecodeFault::unknown_opcode:
      return at(index, byte_offset, "unknown opcode " + hex8(ins.opcode.raw()));
    case DecodeFault::lddw_missing_half:
      return at(index, byte_offset, "lddw is missing its second half");
    case DecodeFault::lddw_bad_half:
      return at(index, byte_offset, "second half of lddw has a non-zero opcode, register or offset field");
    case DecodeFault::bad_atomic: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "unknown atomic operation %#x for opcode %s",
                    static_cast<std::uint32_t>(ins.constant), hex8(ins.opcode.raw()).c_str());
      return at(index, byte_offset, buf);
    }
    case DecodeFault::none:
      break;
  }
  return at(index, byte_offset, "internal error");
}

}  // namespace

Result<Instruction> decode_one(std::span<const std::byte> bytes, std::endian order, std::size_t index,
                               std::size_t byte_offset) {
  Instruction ins;
  DecodeFault f = decode_into(ins, bytes.data(), bytes.size(), order);
  if (f != DecodeFault::none) return unexpected(decode_error(f, ins, bytes.size(), index, byte_offset));
  return ins;
}

Result<Instructions> Instructions::decode(std::span<const std::byte> bytes, std::endian order) {
  Instructions out;
  // Upper bound: one instruction per slot (lddw takes two). Reserved once: decoding allocates once.
  out.insns_.resize(bytes.size() / kSlotSize);
  std::size_t pos = 0, n = 0;
  while (pos < bytes.size()) {
    if (n == out.insns_.size()) out.insns_.emplace_back();  // only for a truncated tail
    Instruction& ins = out.insns_[n];
    DecodeFault f = decode_into(ins, bytes.data() + pos, bytes.size() - pos, order);
    if (f != DecodeFault::none) return unexpected(decode_error(f, ins, bytes.size() - pos, n, pos));
    pos += ins.width();
    ++n;
  }
  out.insns_.resize(n);
  return out;
}

Result<void> Instructions::encode_into(std::span<std::byte> out, std::endian order) const noexcept {
  std::size_t pos = 0;
  for (const Instruction& ins : insns_) {
    if (out.size() - pos < ins.width())
      return unexpected(Error(errc::invalid_argument, 0, "instruction buffer too small"));
    auto r = ins.encode(out.subspan(pos), order);
    if (!r) return r;
    pos += ins.width();
  }
  return {};
}

Result<std::vector<std::byte>> Instructions::encode(std::endian order) const {
  std::vector<std::byte> out(size_in_slots() * kSlotSize);
  std::size_t pos = 0;
  for (std::size_t i = 0; i < insns_.size(); ++i) {
    auto r = insns_[i].encode(std::span<std::byte>(out).subspan(pos), order);
    if (!r) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "instruction %zu (offset 0x%zx)", i, pos);
      return unexpected(std::move(r).error().with_context(buf));
    }
    pos += insns_[i].width();
  }
  return out;
}

std::size_t Instructions::size_in_slots() const noexcept {
  std::size_t n = 0;
  for (const Instruction& ins : insns_) n += ins.slots();
  return n;
}

std::optional<std::size_t> Instructions::find_symbol(std::string_view name) const noexcept {
  if (name.empty()) return std::nullopt;
  for (std::size_t i = 0; i < insns_.size(); ++i)
    if (insns_[i].symbol() == name) return i;
  return std::nullopt;
}

std::optional<std::size_t> Instructions::index_of_slot(std::size_t slot) const noexcept {
  std::size_t s = 0;
  for (std::size_t i = 0; i < insns_.size(); ++i) {
    if (s == slot) return i;
    if (s > slot) break;
    s += insns_[i].slots();
  }
  return std::nullopt;
}

Result<void> Instructions::resolve_jumps() {
  auto needs_target = [](const Instruction& ins) {
    return !ins.reference().empty() &&
           (ins.is_branch() || ins.is_long_jump() || ins.is_pseudo_call() || ins.is_func_load());
  };
  // Most programs without calls or symbolic jumps have nothing to resolve: no slot table then.
  if (std::none_of(insns_.begin(), insns_.end(), needs_target)) return {};
  // Slot offset of each instruction, and of each symbol.
  std::vector<std::size_t> slot_of(insns_.size());
  std::size_t s = 0;
  for (std::size_t i = 0; i < insns_.size(); ++i) {
    slot_of[i] = s;
    s += insns_[i].slots();
  }
  for (std::size_t i = 0; i < insns_.size(); ++i) {
    Instruction& ins = insns_[i];
    if (ins.reference().empty()) continue;
    const bool branch = ins.is_branch(), imm_target = ins.is_long_jump() || ins.is_pseudo_call() || ins.is_func_load();
    if (!branch && !imm_target) continue;
    auto target = find_symbol(ins.reference());
    if (!target) continue;
    auto distance = static_cast<std::int64_t>(slot_of[*target]) - static_cast<std::int64_t>(slot_of[i]) - 1;
    if (branch) {
      if (distance < std::numeric_limits<std::int16_t>::min() || distance > std::numeric_limits<std::int16_t>::max())
        return fail(errc::invalid_argument, "instruction " + std::to_string(i) + ": jump to " +
                                                std::string(ins.reference()) + " does not fit a 16-bit offset");
      ins.offset = static_cast<std::int16_t>(distance);
    } else if (ins.is_load_imm64()) {
      // The kernel reads a function address target from the low half only; the high half must be 0.
      ins.constant = static_cast<std::int64_t>(static_cast<std::uint32_t>(distance));
    } else {
      ins.constant = distance;
    }
  }
  return {};
}

}  // namespace ebpf::insn
