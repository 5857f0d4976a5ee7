// SHA-1 and SHA-256 following FIPS 180-4.
#include <algorithm>
#include <cstring>

#include "ebpf/asm/tag.hpp"

namespace ebpf::insn {

namespace {

constexpr std::uint32_t rotl(std::uint32_t x, int n) noexcept { return x << n | x >> (32 - n); }
constexpr std::uint32_t rotr(std::uint32_t x, int n) noexcept { return x >> n | x << (32 - n); }

std::uint32_t be32(const std::uint8_t* p) noexcept {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

void put_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

// Shared Merkle-Damgard buffering: feed bytes, call block() per 64 bytes.
template <class Block>
void absorb(Block&& block, std::uint8_t* buf, std::size_t& used, std::uint64_t& length, std::span<const std::byte> data) {
  auto p = reinterpret_cast<const std::uint8_t*>(data.data());
  std::size_t n = data.size();
  length += n;
  if (used > 0) {
    std::size_t take = std::min(n, 64 - used);
    std::memcpy(buf + used, p, take);
    used += take;
    p += take;
    n -= take;
    if (used < 64) return;
    block(buf);
    used = 0;
  }
  while (n >= 64) {
    block(p);
    p += 64;
    n -= 64;
  }
  std::memcpy(buf, p, n);
  used = n;
}

// Appends the 0x80 terminator, zero padding and the bit length.
template <class Block>
void pad(Block&& block, std::uint8_t* buf, std::size_t& used, std::uint64_t length) {
  std::uint64_t bits = length * 8;
  buf[used++] = 0x80;
  if (used > 56) {
    std::memset(buf + used, 0, 64 - used);
    block(buf);
    used = 0;
  }
  std::memset(buf + used, 0, 56 - used);
  for (int i = 0; i < 8; ++i) buf[56 + i] = static_cast<std::uint8_t>(bits >> (56 - 8 * i));
  block(buf);
  used = 0;
}

constexpr std::uint32_t kSha256K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

}  // namespace

Sha1::Sha1() noexcept : h_{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0}, buf_{} {}

void Sha1::block(const std::uint8_t* p) noexcept {
  std::uint32_t w[80];
  for (int t = 0; t < 16; ++t) w[t] = be32(p + 4 * t);
  for (int t = 16; t < 80; ++t) w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
  std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4];
  for (int t = 0; t < 80; ++t) {
    std::uint32_t f, k;
    if (t < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (t < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (t < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6;
    }
    std::uint32_t tmp = rotl(a, 5) + f + e + k + w[t];
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = tmp;
  }
  h_[0] += a;
  h_[1] += b;
  h_[2] += c;
  h_[3] += d;
  h_[4] += e;
}

void Sha1::update(std::span<const std::byte> data) noexcept {
  absorb([this](const std::uint8_t* p) { block(p); }, buf_, used_, length_, data);
}

std::array<std::uint8_t, 20> Sha1::finish() noexcept {
  pad([this](const std::uint8_t* p) { block(p); }, buf_, used_, length_);
  std::array<std::uint8_t, 20> out{};
  for (int i = 0; i < 5; ++i) put_be32(out.data() + 4 * i, h_[i]);
  return out;
}

Sha256::Sha256() noexcept
    : h_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}, buf_{} {}

void Sha256::block(const std::uint8_t* p) noexcept {
  std::uint32_t w[64];
  for (int t = 0; t < 16; ++t) w[t] = be32(p + 4 * t);
  for (int t = 16; t < 64; ++t) {
    std::uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    std::uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
  for (int t = 0; t < 64; ++t) {
    std::uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    std::uint32_t ch = (e & f) ^ (~e & g);
    std::uint32_t t1 = h + S1 + ch + kSha256K[t] + w[t];
    std::uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    std::uint32_t t2 = S0 + maj;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h_[0] += a;
  h_[1] += b;
  h_[2] += c;
  h_[3] += d;
  h_[4] += e;
  h_[5] += f;
  h_[6] += g;
  h_[7] += h;
}

void Sha256::update(std::span<const std::byte> data) noexcept {
  absorb([this](const std::uint8_t* p) { block(p); }, buf_, used_, length_, data);
}

std::array<std::uint8_t, 32> Sha256::finish() noexcept {
  pad([this](const std::uint8_t* p) { block(p); }, buf_, used_, length_);
  std::array<std::uint8_t, 32> out{};
  for (int i = 0; i < 8; ++i) put_be32(out.data() + 4 * i, h_[i]);
  return out;
}

std::array<std::uint8_t, 20> sha1(std::span<const std::byte> data) noexcept {
  Sha1 h;
  h.update(data);
  return h.finish();
}

std::array<std::uint8_t, 32> sha256(std::span<const std::byte> data) noexcept {
  Sha256 h;
  h.update(data);
  return h.finish();
}

}  // namespace ebpf::insn
