#include "ebpf/asm/instruction.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>

namespace ebpf::insn {

namespace {

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

namespace {

template <std::endian Order>
void store32_as(std::byte* p, std::uint32_t v) noexcept {
  if constexpr (Order != std::endian::native) v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
}

// Encodes `ins` at p (room for its width checked by the caller). Fails only for fields the encoding can't hold.
template <std::endian Order>
[[gnu::always_inline]] inline const char* encode_as(const Instruction& ins, std::byte* p) noexcept {
  const std::uint8_t dst = ins.dst_raw(), src = ins.src_raw();
  if ((dst | src) > 15) [[unlikely]]
    return "register number does not fit the encoding";
  p[0] = static_cast<std::byte>(ins.opcode.raw());
  p[1] = static_cast<std::byte>(Order == std::endian::little ? (dst | src << 4) : (dst << 4 | src));
  std::uint16_t off = static_cast<std::uint16_t>(ins.offset);
  if constexpr (Order != std::endian::native) off = __builtin_bswap16(off);
  std::memcpy(p + 2, &off, 2);
  const auto v = static_cast<std::uint64_t>(ins.constant);
  if (ins.is_load_imm64()) {
    store32_as<Order>(p + 4, static_cast<std::uint32_t>(v));
    std::memset(p + 8, 0, 4);
    store32_as<Order>(p + 12, static_cast<std::uint32_t>(v >> 32));
  } else {
    if (ins.constant < std::numeric_limits<std::int32_t>::min() ||
        ins.constant > std::numeric_limits<std::uint32_t>::max()) [[unlikely]]
      return "constant does not fit 32 bits";
    store32_as<Order>(p + 4, static_cast<std::uint32_t>(v));
  }
  return nullptr;
}

}  // namespace

Result<void> Instruction::encode(std::span<std::byte> out, std::endian order) const noexcept {
  if (out.size() < width()) return unexpected(Error(errc::invalid_argument, 0, "instruction buffer too small"));
  const char* err = order == std::endian::little ? encode_as<std::endian::little>(*this, out.data())
                                                 : encode_as<std::endian::big>(*this, out.data());
  if (err != nullptr) return unexpected(Error(errc::invalid_argument, 0, err));
  return {};
}

bool operator==(const Instruction& a, const Instruction& b) noexcept {
  return a.opcode == b.opcode && a.dst == b.dst && a.src == b.src && a.offset == b.offset &&
         a.constant == b.constant && a.metadata == b.metadata;
}

namespace {

enum class DecodeFault { none, truncated, unknown_opcode, lddw_missing_half, lddw_bad_half, bad_atomic };

// is_known() of every opcode byte, computed once at start-up: decoding checks an opcode with one load.
const std::array<bool, 256> kKnownOpcode = [] {
  std::array<bool, 256> t{};
  for (unsigned op = 0; op < 256; ++op) t[op] = is_known(OpCode(static_cast<std::uint8_t>(op)));
  return t;
}();

template <std::endian Order>
std::uint32_t load32_as(const std::byte* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return Order == std::endian::native ? v : __builtin_bswap32(v);
}

template <std::endian Order>
std::uint16_t load16_as(const std::byte* p) noexcept {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return Order == std::endian::native ? v : __builtin_bswap16(v);
}

// Decodes the instruction at p (avail bytes left) into ins; no allocation, no Error on the hot path.
template <std::endian Order>
[[gnu::always_inline]] inline DecodeFault decode_as(Instruction& ins, const std::byte* p, std::size_t avail) noexcept {
  if (avail < kSlotSize) return DecodeFault::truncated;
  const auto op = static_cast<std::uint8_t>(p[0]);
  const auto regs = static_cast<std::uint8_t>(p[1]);
  ins.opcode = OpCode(op);
  // Register nibbles: dst is the low nibble in little-endian encoding, the high one in big-endian.
  if constexpr (Order == std::endian::little) {
    ins.dst = reg(regs & 0x0f);
    ins.src = reg(regs >> 4);
  } else {
    ins.dst = reg(regs >> 4);
    ins.src = reg(regs & 0x0f);
  }
  ins.offset = static_cast<std::int16_t>(load16_as<Order>(p + 2));
  const std::uint32_t imm = load32_as<Order>(p + 4);
  if (!kKnownOpcode[op]) return DecodeFault::unknown_opcode;
  if (ins.opcode.is_load_imm64()) {
    if (avail < 2 * kSlotSize) return DecodeFault::lddw_missing_half;
    const std::byte* q = p + kSlotSize;
    if (q[0] != std::byte{0} || q[1] != std::byte{0} || q[2] != std::byte{0} || q[3] != std::byte{0})
      return DecodeFault::lddw_bad_half;
    const std::uint32_t hi = load32_as<Order>(q + 4);
    ins.constant = static_cast<std::int64_t>(static_cast<std::uint64_t>(hi) << 32 | imm);
  } else {
    ins.constant = static_cast<std::int32_t>(imm);
    if (ins.opcode.cls() == Class::stx && ins.opcode.mode() == Mode::atomic && !valid_atomic(ins.opcode.size(), imm))
      return DecodeFault::bad_atomic;
  }
  return DecodeFault::none;
}

DecodeFault decode_into(Instruction& ins, const std::byte* p, std::size_t avail, std::endian order) noexcept {
  return order == std::endian::little ? decode_as<std::endian::little>(ins, p, avail)
                                      : decode_as<std::endian::big>(ins, p, avail);
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

namespace {

template <std::endian Order>
Result<Instructions> decode_all(std::span<const std::byte> bytes) {
  // Upper bound: one instruction per slot (lddw takes two). Reserved once: decoding allocates once.
  std::vector<Instruction> insns(bytes.size() / kSlotSize);
  std::size_t pos = 0, n = 0;
  while (pos < bytes.size()) {
    if (n == insns.size()) insns.emplace_back();  // only for a truncated tail
    Instruction& ins = insns[n];
    DecodeFault f = decode_as<Order>(ins, bytes.data() + pos, bytes.size() - pos);
    if (f != DecodeFault::none) [[unlikely]]
      return unexpected(decode_error(f, ins, bytes.size() - pos, n, pos));
    pos += ins.width();
    ++n;
  }
  insns.resize(n);
  return Instructions(std::move(insns));
}

// The checks decode_as makes, reading only what they need: the width of the instruction at p, 0 if it is bad.
template <std::endian Order>
[[gnu::always_inline]] inline std::size_t width_if_valid(const std::byte* p, std::size_t avail) noexcept {
  if (avail < kSlotSize) return 0;
  const auto op = static_cast<std::uint8_t>(p[0]);
  if (!kKnownOpcode[op]) return 0;
  const OpCode code(op);
  if (code.is_load_imm64()) {
    const std::byte* q = p + kSlotSize;
    if (avail < 2 * kSlotSize || q[0] != std::byte{0} || q[1] != std::byte{0} || q[2] != std::byte{0} ||
        q[3] != std::byte{0})
      return 0;
    return 2 * kSlotSize;
  }
  if (code.cls() == Class::stx && code.mode() == Mode::atomic && !valid_atomic(code.size(), load32_as<Order>(p + 4)))
    return 0;
  return kSlotSize;
}

template <std::endian Order>
Result<std::size_t> validate_all(std::span<const std::byte> bytes) {
  {
    std::size_t pos = 0, n = 0;
    while (pos < bytes.size()) {
      const std::size_t w = width_if_valid<Order>(bytes.data() + pos, bytes.size() - pos);
      if (w == 0) break;
      pos += w;
      ++n;
    }
    if (pos == bytes.size()) return n;
  }
  // A fault: decoded again for its message.
  Instruction ins;
  std::size_t pos = 0, n = 0;
  while (pos < bytes.size()) {
    DecodeFault f = decode_as<Order>(ins, bytes.data() + pos, bytes.size() - pos);
    if (f != DecodeFault::none) [[unlikely]]
      return unexpected(decode_error(f, ins, bytes.size() - pos, n, pos));
    pos += ins.width();
    ++n;
  }
  return n;
}

}  // namespace

std::size_t detail::valid_width(const std::byte* p, std::size_t avail, std::endian order) noexcept {
  return order == std::endian::little ? width_if_valid<std::endian::little>(p, avail)
                                      : width_if_valid<std::endian::big>(p, avail);
}

Result<std::size_t> Instructions::validate(std::span<const std::byte> bytes, std::endian order) {
  return order == std::endian::little ? validate_all<std::endian::little>(bytes)
                                      : validate_all<std::endian::big>(bytes);
}

Result<Instructions> Instructions::decode(std::span<const std::byte> bytes, std::endian order) {
  return order == std::endian::little ? decode_all<std::endian::little>(bytes) : decode_all<std::endian::big>(bytes);
}

namespace {

// Encodes every instruction at out (room checked by the caller). On failure, the static reason and the index
// of the instruction at fault.
struct EncodeFault {
  const char* reason = nullptr;
  std::size_t index = 0, offset = 0;
};

template <std::endian Order>
EncodeFault encode_all(const std::vector<Instruction>& insns, std::byte* out) noexcept {
  std::size_t pos = 0;
  for (std::size_t i = 0; i < insns.size(); ++i) {
    if (const char* err = encode_as<Order>(insns[i], out + pos)) [[unlikely]]
      return {err, i, pos};
    pos += insns[i].width();
  }
  return {};
}

EncodeFault encode_all(const std::vector<Instruction>& insns, std::byte* out, std::endian order) noexcept {
  return order == std::endian::little ? encode_all<std::endian::little>(insns, out)
                                      : encode_all<std::endian::big>(insns, out);
}

// Re-encodes validated bytes in the other byte order, one instruction at a time (no allocation).
template <std::endian From>
void swap_order(std::span<const std::byte> bytes, std::byte* out) noexcept {
  constexpr std::endian To = From == std::endian::little ? std::endian::big : std::endian::little;
  Instruction ins;
  for (std::size_t pos = 0; pos < bytes.size();) {
    if (decode_as<From>(ins, bytes.data() + pos, bytes.size() - pos) != DecodeFault::none) return;  // validated
    encode_as<To>(ins, out + pos);  // decoded fields always fit
    pos += ins.width();
  }
}

}  // namespace

Result<void> Instructions::encode_into(std::span<std::byte> out, std::endian order) const noexcept {
  if (out.size() < size_in_slots() * kSlotSize)
    return unexpected(Error(errc::invalid_argument, 0, "instruction buffer too small"));
  if (encoded_ != nullptr) {
    // Unedited: the bytes as read, or the same instructions in the other order. Decoding is not needed.
    if (encoded_->order == order) {
      if (!encoded_->bytes.empty()) std::memcpy(out.data(), encoded_->bytes.data(), encoded_->bytes.size());
    } else if (encoded_->order == std::endian::little) {
      swap_order<std::endian::little>(encoded_->bytes, out.data());
    } else {
      swap_order<std::endian::big>(encoded_->bytes, out.data());
    }
    return {};
  }
  // A static message: no allocation, as the signature promises.
  if (EncodeFault f = encode_all(insns_, out.data(), order); f.reason != nullptr)
    return unexpected(Error(errc::invalid_argument, 0, f.reason));
  return {};
}

Result<std::vector<std::byte>> Instructions::encode(std::endian order) const {
  std::vector<std::byte> out(size_in_slots() * kSlotSize);
  if (encoded_ != nullptr) {
    EBPF_TRY_VOID(encode_into(out, order));
    return out;
  }
  if (EncodeFault f = encode_all(insns_, out.data(), order); f.reason != nullptr) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "instruction %zu (offset 0x%zx)", f.index, f.offset);
    return unexpected(Error(errc::invalid_argument, 0, f.reason).with_context(buf));
  }
  return out;
}

std::size_t Instructions::size_in_slots() const noexcept {
  if (encoded_ != nullptr) return encoded_->bytes.size() / kSlotSize;
  std::size_t n = 0;
  for (const Instruction& ins : insns_) n += ins.slots();
  return n;
}

std::optional<std::size_t> Instructions::find_symbol(std::string_view name) const {
  if (name.empty()) return std::nullopt;
  const auto& insns = list();
  for (std::size_t i = 0; i < insns.size(); ++i)
    if (insns[i].symbol() == name) return i;
  return std::nullopt;
}

std::optional<std::size_t> Instructions::index_of_slot(std::size_t slot) const {
  const auto& insns = list();
  std::size_t s = 0;
  for (std::size_t i = 0; i < insns.size(); ++i) {
    if (s == slot) return i;
    if (s > slot) break;
    s += insns[i].slots();
  }
  return std::nullopt;
}

Instructions::Instructions(const Instructions& o) : encoded_(o.encoded_) {
  // An unedited sequence not decoded yet shares the encoded form only; decoded instructions are copied.
  if (encoded_ == nullptr || o.decoded_.load(std::memory_order_acquire)) {
    insns_ = o.insns_;
    decoded_.store(encoded_ != nullptr, std::memory_order_relaxed);
  }
}

Instructions& Instructions::operator=(const Instructions& o) {
  if (this != &o) {
    Instructions copy(o);
    *this = std::move(copy);
  }
  return *this;
}

Instructions& Instructions::operator=(Instructions&& o) noexcept {
  if (this != &o) {
    insns_ = std::move(o.insns_);
    encoded_ = std::move(o.encoded_);
    decoded_.store(o.decoded_.exchange(false, std::memory_order_relaxed), std::memory_order_relaxed);
  }
  return *this;
}

namespace {

// Decodes an encoded sequence with its metadata. Every record is at an instruction's start (the loader checked).
std::vector<Instruction> materialize(const std::shared_ptr<const EncodedInstructions>& e) {
  auto decoded = Instructions::decode(e->bytes, e->order);
  if (!decoded) return {};  // unreachable: the loader validated the bytes
  std::vector<Instruction> insns = std::move(decoded->vector());
  const std::size_t records = (e->symbol.empty() ? 0 : 1) + e->references.size() + e->func_infos.size() + e->lines.size();
  if (records == 0 || insns.empty()) return insns;
  MetadataArena arena(std::min(records, insns.size()));
  // Each list is in slot order: one cursor walks the instructions for each.
  auto walk = [&](const auto& list, auto&& set) {
    std::size_t i = 0, slot = 0;
    for (const auto& rec : list) {
      while (i < insns.size() && slot < rec.slot) slot += insns[i++].slots();
      if (i == insns.size() || slot != rec.slot) return;  // unreachable: records are at instruction starts
      arena.place(insns[i].metadata);
      set(insns[i].metadata, rec);
    }
  };
  if (!e->symbol.empty()) {
    arena.place(insns.front().metadata);
    insns.front().metadata.set_symbol(e->symbol);
  }
  walk(e->func_infos, [](Metadata& m, const SlotFuncInfo& f) { m.set_func_info(f.type_id); });
  // The texts stay where they are: the lines keep the encoded form (and so its storage) alive.
  const std::shared_ptr<const void> owner = e;
  walk(e->lines, [&owner, &e](Metadata& m, const SlotLine& l) {
    m.set_source(e->string_at(l.file_name_off), e->string_at(l.line_off), l.line_number(), l.column(), owner);
  });
  walk(e->references, [](Metadata& m, const SlotReference& r) { m.set_reference(r.name); });
  return insns;
}

// Serialises first decodes: they are rare (once per sequence), so one lock for all is enough.
std::mutex decode_mutex;

}  // namespace

void Instructions::decode_encoded() const {
  if (decoded_.load(std::memory_order_acquire)) return;
  std::lock_guard lock(decode_mutex);
  if (decoded_.load(std::memory_order_relaxed)) return;
  insns_ = materialize(encoded_);
  decoded_.store(true, std::memory_order_release);
}

void Instructions::drop_encoded() {
  decode_encoded();
  encoded_.reset();
  decoded_.store(false, std::memory_order_relaxed);
}

Instructions detail::adopt_encoded(std::shared_ptr<const EncodedInstructions> encoded) noexcept {
  Instructions out;
  out.encoded_ = std::move(encoded);
  return out;
}

Result<void> Instructions::resolve_jumps() {
  auto needs_target = [](const Instruction& ins) {
    return !ins.reference().empty() &&
           (ins.is_branch() || ins.is_long_jump() || ins.is_pseudo_call() || ins.is_func_load());
  };
  // Most programs without calls or symbolic jumps have nothing to resolve: no slot table then.
  if (std::none_of(list().begin(), list().end(), needs_target)) return {};
  edit();
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
