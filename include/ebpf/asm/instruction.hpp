// One logical eBPF instruction and sequences of them, with decoding from and encoding to the
// 8-byte slot format in either byte order.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ebpf/asm/metadata.hpp"
#include "ebpf/asm/opcode.hpp"
#include "ebpf/asm/register.hpp"
#include "ebpf/error.hpp"

namespace ebpf::insn {

// Size of one encoded instruction slot.
inline constexpr std::size_t kSlotSize = 8;

// A logical instruction. A lddw (64-bit immediate load) is ONE Instruction whose 64-bit constant
// occupies two slots; every other instruction takes one slot and keeps its 32-bit immediate
// sign-extended in `constant`.
struct Instruction {
  OpCode opcode{};
  Register dst = Register::r0;
  Register src = Register::r0;  // or a PseudoSource / CallSource value
  std::int16_t offset = 0;
  std::int64_t constant = 0;
  Metadata metadata;

  // Number of 8-byte slots: 2 for lddw, else 1.
  [[nodiscard]] constexpr std::size_t slots() const noexcept { return opcode.is_load_imm64() ? 2 : 1; }
  // Encoded size in bytes.
  [[nodiscard]] constexpr std::size_t width() const noexcept { return slots() * kSlotSize; }

  [[nodiscard]] constexpr bool is_load_imm64() const noexcept { return opcode.is_load_imm64(); }
  [[nodiscard]] constexpr std::uint8_t src_raw() const noexcept { return static_cast<std::uint8_t>(src); }
  [[nodiscard]] constexpr std::uint8_t dst_raw() const noexcept { return static_cast<std::uint8_t>(dst); }
  // For lddw: the meaning of the constant.
  [[nodiscard]] constexpr PseudoSource pseudo_source() const noexcept {
    return static_cast<PseudoSource>(src_raw());
  }
  // lddw of a map pointer or map value address (by fd or by fd_array index).
  [[nodiscard]] constexpr bool is_map_load() const noexcept {
    if (!is_load_imm64()) return false;
    auto p = pseudo_source();
    return p == PseudoSource::map_fd || p == PseudoSource::map_value || p == PseudoSource::map_idx ||
           p == PseudoSource::map_idx_value;
  }
  [[nodiscard]] constexpr bool is_call() const noexcept { return opcode.raw() == 0x85; }
  [[nodiscard]] constexpr bool is_helper_call() const noexcept {
    return is_call() && src_raw() == static_cast<std::uint8_t>(CallSource::helper);
  }
  [[nodiscard]] constexpr bool is_pseudo_call() const noexcept {
    return is_call() && src_raw() == static_cast<std::uint8_t>(CallSource::pseudo);
  }
  [[nodiscard]] constexpr bool is_kfunc_call() const noexcept {
    return is_call() && src_raw() == static_cast<std::uint8_t>(CallSource::kfunc);
  }
  [[nodiscard]] constexpr bool is_exit() const noexcept { return opcode.raw() == 0x95; }
  // A jump with a relative target in `offset` (JMP ja and conditionals, JMP32 conditionals).
  [[nodiscard]] constexpr bool is_branch() const noexcept {
    if (!opcode.is_jump()) return false;
    auto op = opcode.jump_op();
    if (op == JumpOp::call || op == JumpOp::exit) return false;
    return !(op == JumpOp::ja && opcode.cls() == Class::jmp32);
  }
  // JMP32|JA: goto with a 32-bit relative target in the immediate.
  [[nodiscard]] constexpr bool is_long_jump() const noexcept { return opcode.raw() == 0x06; }
  // lddw of a function address (callback), constant = relative target.
  [[nodiscard]] constexpr bool is_func_load() const noexcept {
    return is_load_imm64() && pseudo_source() == PseudoSource::func;
  }

  // Relative jump distance in slots for branches, long jumps and pseudo calls; nullopt otherwise.
  [[nodiscard]] std::optional<std::int64_t> jump_distance() const noexcept;

  // Metadata shortcuts.
  [[nodiscard]] std::string_view symbol() const noexcept { return metadata.symbol(); }
  [[nodiscard]] std::string_view reference() const noexcept { return metadata.reference(); }
  Instruction& with_symbol(std::string name) & {
    metadata.set_symbol(std::move(name));
    return *this;
  }
  Instruction&& with_symbol(std::string name) && {
    metadata.set_symbol(std::move(name));
    return std::move(*this);
  }
  Instruction& with_reference(std::string name) & {
    metadata.set_reference(std::move(name));
    return *this;
  }
  Instruction&& with_reference(std::string name) && {
    metadata.set_reference(std::move(name));
    return std::move(*this);
  }

  // Encodes into out (width() bytes). Fails (invalid_argument) if a register does not fit four bits or
  // a non-lddw constant does not fit 32 bits (signed or unsigned).
  Result<void> encode(std::span<std::byte> out, std::endian order) const noexcept;

  // Same encoding and metadata.
  friend bool operator==(const Instruction& a, const Instruction& b) noexcept;
};

// One instruction with its position: index in the sequence and offset in slots.
struct PositionedInstruction {
  std::size_t index;
  std::size_t slot;
  const Instruction& instruction;
};

// Metadata records of an encoded sequence (see EncodedInstructions), by slot counted from the sequence's start.
struct SlotReference {
  std::uint32_t slot = 0;
  std::string_view name;
};
// The kernel's bpf_func_info and bpf_line_info records, with the instruction offset in slots: a program's records
// are handed to the kernel as they are.
struct SlotFuncInfo {
  std::uint32_t slot = 0;
  std::uint32_t type_id = 0;  // BTF_KIND_FUNC
};
struct SlotLine {
  std::uint32_t slot = 0;
  std::uint32_t file_name_off = 0;  // into EncodedInstructions::strings
  std::uint32_t line_off = 0;
  std::uint32_t line_col = 0;  // line number << 10 | column
  [[nodiscard]] constexpr std::uint32_t line_number() const noexcept { return line_col >> 10; }
  [[nodiscard]] constexpr std::uint32_t column() const noexcept { return line_col & 0x3ff; }
};
static_assert(sizeof(SlotFuncInfo) == 8 && sizeof(SlotLine) == 16);

// A sequence as a loader read it: encoded bytes, plus the metadata its decoded instructions carry. Loaders hand
// sequences out in this form (Instructions::encoded()) so that programs nobody reads or edits are never decoded:
// loading one copies its bytes and patches the few slots its references name. Every list is in slot order, at
// most one record per slot and list, each at the start of an instruction; the bytes decode without error (the
// loader checked). The views stay valid for as long as the Instructions holding this object exist.
struct EncodedInstructions {
  std::span<const std::byte> bytes;
  std::endian order = std::endian::native;
  std::string_view symbol;                     // the first instruction's; empty for none
  std::span<const SlotReference> references;   // maps, data sections (lddw)
  std::span<const SlotFuncInfo> func_infos;
  std::span<const SlotLine> lines;             // source lines (Metadata::source)
  // The string table the lines' offsets point into (a BTF string section: it ends with a NUL, every offset is
  // inside it).
  std::string_view strings;

  // The NUL-terminated string at `offset` of `strings`; empty if out of range.
  [[nodiscard]] std::string_view string_at(std::uint32_t offset) const noexcept {
    if (offset >= strings.size()) return {};
    const std::string_view rest = strings.substr(offset);
    return rest.substr(0, rest.find('\0'));
  }
};

class Instructions;
namespace detail {
// A sequence that decodes `encoded` on first access. For loaders, which guarantee what EncodedInstructions
// promises; `encoded` must not be null.
Instructions adopt_encoded(std::shared_ptr<const EncodedInstructions> encoded) noexcept;
// The width in bytes (8, or 16 for lddw) of the instruction at `p` (`avail` bytes left) if it decodes, else 0:
// Instructions::validate one instruction at a time, for loaders scanning bytes they keep encoded.
[[nodiscard]] std::size_t valid_width(const std::byte* p, std::size_t avail, std::endian order) noexcept;
}  // namespace detail

// A sequence of instructions: a vector of Instruction with encoding, decoding and slot bookkeeping.
//
// A sequence read by a loader may still be encoded (encoded() is not null): the first access through any member
// decodes it (reads from several threads at once are safe), and the first access through a non-const member
// (which may edit) also drops the encoded form.
class Instructions {
 public:
  using value_type = Instruction;
  using iterator = std::vector<Instruction>::iterator;
  using const_iterator = std::vector<Instruction>::const_iterator;

  Instructions() = default;
  Instructions(std::initializer_list<Instruction> list) : insns_(list) {}
  explicit Instructions(std::vector<Instruction> insns) noexcept : insns_(std::move(insns)) {}
  Instructions(const Instructions& o);
  Instructions(Instructions&& o) noexcept
      : insns_(std::move(o.insns_)), encoded_(std::move(o.encoded_)),
        decoded_(o.decoded_.exchange(false, std::memory_order_relaxed)) {}
  Instructions& operator=(const Instructions& o);
  Instructions& operator=(Instructions&& o) noexcept;
  ~Instructions() = default;

  // The encoded form this sequence was read from, while nothing has edited it; null for a sequence built in
  // memory or accessed through a non-const member since.
  [[nodiscard]] const EncodedInstructions* encoded() const noexcept { return encoded_.get(); }

  // Decodes an instruction stream. Fails with errc::malformed, naming the instruction index and byte
  // offset, for a length that is not a multiple of 8, an unknown opcode or atomic operation, a lddw
  // missing its second half or whose second half has a non-zero opcode, registers or offset.
  static Result<Instructions> decode(std::span<const std::byte> bytes, std::endian order);
  // Checks that `bytes` decode, failing exactly as decode() would, without storing anything; returns the number
  // of instructions. Does not allocate unless it fails.
  static Result<std::size_t> validate(std::span<const std::byte> bytes, std::endian order);

  // Encodes every instruction; out must hold size_in_slots() * 8 bytes. Does not allocate.
  Result<void> encode_into(std::span<std::byte> out, std::endian order) const noexcept;
  // Encodes into a new buffer.
  Result<std::vector<std::byte>> encode(std::endian order) const;

  // Total number of 8-byte slots (lddw counts two).
  [[nodiscard]] std::size_t size_in_slots() const noexcept;

  // Index of the instruction carrying symbol `name`, if any.
  [[nodiscard]] std::optional<std::size_t> find_symbol(std::string_view name) const;
  // Index of the instruction that starts at slot `slot`, if one does.
  [[nodiscard]] std::optional<std::size_t> index_of_slot(std::size_t slot) const;

  // Points every branch, long jump, pseudo call and function load whose reference names a symbol of
  // this sequence at that symbol (slot-relative offsets). References to symbols not defined here are
  // left alone; a branch target too far for a 16-bit offset fails with invalid_argument.
  Result<void> resolve_jumps();

  // Iteration with positions: for (auto [index, slot, insn] : insns.positioned()).
  class PositionedRange;
  [[nodiscard]] PositionedRange positioned() const;

  // Vector-like access.
  [[nodiscard]] std::size_t size() const { return list().size(); }
  [[nodiscard]] bool empty() const noexcept { return encoded_ != nullptr ? encoded_->bytes.empty() : insns_.empty(); }
  Instruction& operator[](std::size_t i) { return edit()[i]; }
  const Instruction& operator[](std::size_t i) const { return list()[i]; }
  Instruction& front() { return edit().front(); }
  const Instruction& front() const { return list().front(); }
  Instruction& back() { return edit().back(); }
  const Instruction& back() const { return list().back(); }
  iterator begin() { return edit().begin(); }
  iterator end() { return edit().end(); }
  const_iterator begin() const { return list().begin(); }
  const_iterator end() const { return list().end(); }
  void push_back(Instruction i) { edit().push_back(std::move(i)); }
  template <class... A>
  Instruction& emplace_back(A&&... a) {
    return edit().emplace_back(std::forward<A>(a)...);
  }
  void append(const Instructions& other) {
    const auto& from = other.list();
    edit().insert(insns_.end(), from.begin(), from.end());
  }
  iterator insert(const_iterator pos, Instruction i) { return edit().insert(pos, std::move(i)); }
  iterator insert(const_iterator pos, const_iterator first, const_iterator last) {
    return edit().insert(pos, first, last);
  }
  iterator erase(const_iterator pos) { return edit().erase(pos); }
  iterator erase(const_iterator first, const_iterator last) { return edit().erase(first, last); }
  void reserve(std::size_t n) { edit().reserve(n); }
  void clear() noexcept {
    encoded_.reset();
    decoded_.store(false, std::memory_order_relaxed);
    insns_.clear();
  }
  [[nodiscard]] const std::vector<Instruction>& vector() const { return list(); }
  [[nodiscard]] std::vector<Instruction>& vector() { return edit(); }

  // Equal instructions and metadata (whatever the form).
  friend bool operator==(const Instructions& a, const Instructions& b) { return a.list() == b.list(); }

 private:
  friend Instructions detail::adopt_encoded(std::shared_ptr<const EncodedInstructions> encoded) noexcept;
  // The decoded instructions, decoded now if need be.
  const std::vector<Instruction>& list() const {
    if (encoded_ != nullptr) [[unlikely]]
      decode_encoded();
    return insns_;
  }
  // The same, for editing: the encoded form no longer describes them.
  std::vector<Instruction>& edit() {
    if (encoded_ != nullptr) [[unlikely]]
      drop_encoded();
    return insns_;
  }
  void decode_encoded() const;
  void drop_encoded();

  // Decoded instructions: written once by decode_encoded while encoded_ is set (hence mutable).
  mutable std::vector<Instruction> insns_;
  std::shared_ptr<const EncodedInstructions> encoded_;
  mutable std::atomic<bool> decoded_{false};  // insns_ holds encoded_'s instructions
};

class Instructions::PositionedRange {
 public:
  class iterator {
   public:
    using value_type = PositionedInstruction;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(const Instruction* p, std::size_t index, std::size_t slot) noexcept
        : p_(p), index_(index), slot_(slot) {}
    PositionedInstruction operator*() const noexcept { return {index_, slot_, *p_}; }
    iterator& operator++() noexcept {
      slot_ += p_->slots();
      ++index_;
      ++p_;
      return *this;
    }
    iterator operator++(int) noexcept {
      auto t = *this;
      ++*this;
      return t;
    }
    friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.p_ == b.p_; }

   private:
    const Instruction* p_ = nullptr;
    std::size_t index_ = 0;
    std::size_t slot_ = 0;
  };

  explicit PositionedRange(std::span<const Instruction> insns) noexcept : insns_(insns) {}
  [[nodiscard]] iterator begin() const noexcept { return {insns_.data(), 0, 0}; }
  [[nodiscard]] iterator end() const noexcept { return {insns_.data() + insns_.size(), insns_.size(), 0}; }

 private:
  std::span<const Instruction> insns_;
};

inline Instructions::PositionedRange Instructions::positioned() const {
  return PositionedRange(std::span<const Instruction>(list()));
}

// Decodes a single instruction (one or two slots) at the start of `bytes`. Error messages name
// `index`/`byte_offset` as the position.
Result<Instruction> decode_one(std::span<const std::byte> bytes, std::endian order, std::size_t index = 0,
                               std::size_t byte_offset = 0);

}  // namespace ebpf::insn
