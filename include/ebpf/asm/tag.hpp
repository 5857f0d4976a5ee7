// Program tags: the 8-byte fingerprint the kernel reports for a loaded program (bpf_prog_info.tag,
// bpftool's "tag"), and the digests it is built from.
//
// The kernel hashes the instructions in host byte order with the immediates of lddw map references
// (src 1 = map fd, src 2 = map value) zeroed in both halves, so that a tag does not depend on fd numbers,
// and keeps the first 8 bytes of the digest. The digest changed: older kernels use SHA-1, newer ones
// (6.18 here) SHA-256, the digest that program signing also uses. Both are provided and the caller says
// which; a layer that talks to the kernel can find out by loading a trivial program once (see the
// KernelTag tests).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "ebpf/asm/instruction.hpp"

namespace ebpf::insn {

using Tag = std::array<std::uint8_t, 8>;

enum class TagHash { sha1, sha256 };

// The tag of `insns` as the kernel computes it. Fails only if an instruction cannot be encoded.
// Does not allocate.
Result<Tag> tag(const Instructions& insns, TagHash hash) noexcept;

// Lower-case hex, as bpftool prints it ("aa5520b1090cfeb6").
std::string to_hex(std::span<const std::uint8_t> bytes);

// Incremental SHA-1 (FIPS 180-4). Small and allocation-free; for tags, not for security.
class Sha1 {
 public:
  Sha1() noexcept;
  void update(std::span<const std::byte> data) noexcept;
  std::array<std::uint8_t, 20> finish() noexcept;

 private:
  void block(const std::uint8_t* p) noexcept;
  std::uint32_t h_[5];
  std::uint8_t buf_[64];
  std::size_t used_ = 0;
  std::uint64_t length_ = 0;
};

// Incremental SHA-256 (FIPS 180-4).
class Sha256 {
 public:
  Sha256() noexcept;
  void update(std::span<const std::byte> data) noexcept;
  std::array<std::uint8_t, 32> finish() noexcept;

 private:
  void block(const std::uint8_t* p) noexcept;
  std::uint32_t h_[8];
  std::uint8_t buf_[64];
  std::size_t used_ = 0;
  std::uint64_t length_ = 0;
};

std::array<std::uint8_t, 20> sha1(std::span<const std::byte> data) noexcept;
std::array<std::uint8_t, 32> sha256(std::span<const std::byte> data) noexcept;

}  // namespace ebpf::insn
