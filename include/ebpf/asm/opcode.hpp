// The eBPF opcode byte and its parts (instruction class, size, mode, ALU/jump operation, source).
//
// An opcode is kept as the raw byte; the accessors interpret it according to its class. Encodings follow
// the kernel's instruction-set document (Documentation/bpf/standardization/instruction-set.rst).
#pragma once

#include <cstdint>
#include <string_view>

namespace ebpf::insn {

// Low three bits of every opcode.
enum class Class : std::uint8_t {
  ld = 0x00,     // non-standard loads: lddw, legacy packet access (LD_ABS, LD_IND)
  ldx = 0x01,    // load from memory into a register
  st = 0x02,     // store an immediate to memory
  stx = 0x03,    // store a register to memory, atomics
  alu = 0x04,    // 32-bit arithmetic
  jmp = 0x05,    // 64-bit compares and jumps, call, exit
  jmp32 = 0x06,  // 32-bit compares and jumps
  alu64 = 0x07,  // 64-bit arithmetic
};

// Memory access size (load/store classes), bits 3-4.
enum class Size : std::uint8_t {
  w = 0x00,   // 4 bytes
  h = 0x08,   // 2 bytes
  b = 0x10,   // 1 byte
  dw = 0x18,  // 8 bytes
};

// Memory access mode (load/store classes), bits 5-7.
enum class Mode : std::uint8_t {
  imm = 0x00,     // lddw (64-bit immediate)
  abs = 0x20,     // legacy packet access, absolute offset
  ind = 0x40,     // legacy packet access, register offset
  mem = 0x60,     // ordinary load/store
  memsx = 0x80,   // sign-extending load
  atomic = 0xc0,  // atomic read-modify-write (stx only)
};

// Operand source (ALU and jump classes), bit 3. For ALU `end`, k means "to little endian" and x "to big
// endian".
enum class Source : std::uint8_t {
  k = 0x00,  // the 32-bit immediate
  x = 0x08,  // the source register
};

// Arithmetic operations (ALU and ALU64 classes), bits 4-7.
enum class AluOp : std::uint8_t {
  add = 0x00,
  sub = 0x10,
  mul = 0x20,
  div = 0x30,  // offset 1: signed division (sdiv)
  bit_or = 0x40,
  bit_and = 0x50,
  lsh = 0x60,
  rsh = 0x70,
  neg = 0x80,
  mod = 0x90,  // offset 1: signed modulo (smod)
  bit_xor = 0xa0,
  mov = 0xb0,  // offset 8/16/32: sign-extending move (movsx)
  arsh = 0xc0,
  end = 0xd0,  // byte swap; ALU64 with source k: unconditional bswap
};

// Jump operations (JMP and JMP32 classes), bits 4-7.
enum class JumpOp : std::uint8_t {
  ja = 0x00,  // JMP: goto +offset; JMP32: gotol +imm
  jeq = 0x10,
  jgt = 0x20,
  jge = 0x30,
  jset = 0x40,
  jne = 0x50,
  jsgt = 0x60,
  jsge = 0x70,
  call = 0x80,  // JMP only
  exit = 0x90,  // JMP only
  jlt = 0xa0,
  jle = 0xb0,
  jslt = 0xc0,
  jsle = 0xd0,
};

// Atomic operations: the immediate of an STX|ATOMIC instruction.
enum class AtomicOp : std::uint32_t {
  add = 0x00,
  bit_or = 0x40,
  bit_and = 0x50,
  bit_xor = 0xa0,
  fetch_add = 0x01,
  fetch_or = 0x41,
  fetch_and = 0x51,
  fetch_xor = 0xa1,
  xchg = 0xe1,
  cmpxchg = 0xf1,
  load_acquire = 0x100,
  store_release = 0x110,
};
inline constexpr std::uint32_t kAtomicFetch = 0x01;

// Values of the src register field of a lddw instruction: what the 64-bit immediate means.
enum class PseudoSource : std::uint8_t {
  none = 0,           // a plain 64-bit constant
  map_fd = 1,         // imm: a map fd; the register receives the map pointer
  map_value = 2,      // imm: a map fd, next imm: offset into its value
  btf_id = 3,         // imm: a BTF id of a kernel variable (ksym)
  func = 4,           // imm: instruction offset of a function (callback pointer)
  map_idx = 5,        // imm: index into fd_array
  map_idx_value = 6,  // imm: index into fd_array, next imm: offset into its value
};

// Values of the src register field of a call instruction.
enum class CallSource : std::uint8_t {
  helper = 0,  // imm: helper function id
  pseudo = 1,  // bpf-to-bpf call, imm: relative instruction offset - 1
  kfunc = 2,   // imm: BTF id of a kernel function
};

class OpCode {
 public:
  constexpr OpCode() noexcept = default;
  constexpr explicit OpCode(std::uint8_t raw) noexcept : raw_(raw) {}
  constexpr OpCode(Class c, AluOp op, Source s) noexcept
      : raw_(static_cast<std::uint8_t>(static_cast<unsigned>(c) | static_cast<unsigned>(op) | static_cast<unsigned>(s))) {}
  constexpr OpCode(Class c, JumpOp op, Source s) noexcept
      : raw_(static_cast<std::uint8_t>(static_cast<unsigned>(c) | static_cast<unsigned>(op) | static_cast<unsigned>(s))) {}
  constexpr OpCode(Class c, Mode m, Size s) noexcept
      : raw_(static_cast<std::uint8_t>(static_cast<unsigned>(c) | static_cast<unsigned>(m) | static_cast<unsigned>(s))) {}

  [[nodiscard]] constexpr std::uint8_t raw() const noexcept { return raw_; }
  [[nodiscard]] constexpr Class cls() const noexcept { return static_cast<Class>(raw_ & 0x07); }

  [[nodiscard]] constexpr bool is_alu() const noexcept { return cls() == Class::alu || cls() == Class::alu64; }
  [[nodiscard]] constexpr bool is_jump() const noexcept { return cls() == Class::jmp || cls() == Class::jmp32; }
  [[nodiscard]] constexpr bool is_load_store() const noexcept { return static_cast<unsigned>(cls()) <= 3; }

  // Meaningful for ALU classes.
  [[nodiscard]] constexpr AluOp alu_op() const noexcept { return static_cast<AluOp>(raw_ & 0xf0); }
  // Meaningful for jump classes.
  [[nodiscard]] constexpr JumpOp jump_op() const noexcept { return static_cast<JumpOp>(raw_ & 0xf0); }
  // Meaningful for ALU and jump classes.
  [[nodiscard]] constexpr Source source() const noexcept { return static_cast<Source>(raw_ & 0x08); }
  // Meaningful for load/store classes.
  [[nodiscard]] constexpr Size size() const noexcept { return static_cast<Size>(raw_ & 0x18); }
  [[nodiscard]] constexpr Mode mode() const noexcept { return static_cast<Mode>(raw_ & 0xe0); }

  // Bytes accessed by a load/store of this size.
  [[nodiscard]] constexpr unsigned size_bytes() const noexcept {
    switch (size()) {
      case Size::w: return 4;
      case Size::h: return 2;
      case Size::b: return 1;
      case Size::dw: return 8;
    }
    return 0;
  }

  // BPF_LD | BPF_IMM | BPF_DW: the only instruction taking two slots.
  [[nodiscard]] constexpr bool is_load_imm64() const noexcept { return raw_ == 0x18; }

  friend constexpr bool operator==(OpCode, OpCode) noexcept = default;

 private:
  std::uint8_t raw_ = 0;
};

// The lddw opcode.
inline constexpr OpCode kLoadImm64{0x18};

// Whether `op` is an opcode of the current instruction set. Atomic operations are further
// distinguished by their immediate (see valid_atomic()).
[[nodiscard]] bool is_known(OpCode op) noexcept;
// Whether `imm` names an atomic operation valid for an STX|ATOMIC instruction of `size`.
[[nodiscard]] bool valid_atomic(Size size, std::uint32_t imm) noexcept;

// Lower-case mnemonic-ish names for diagnostics ("alu64", "jsgt", ...).
std::string_view to_string(Class c) noexcept;
std::string_view to_string(AluOp op) noexcept;
std::string_view to_string(JumpOp op) noexcept;

}  // namespace ebpf::insn
