// Helpers for the map tests: a hand-built BTF blob, a trivial program, a private bpffs, vmlinux BTF lookup.
#pragma once

#include <sys/mount.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ebpf/map_spec.hpp"
#include "ebpf/sys/bpf.hpp"
#include "support/kernel_test.hpp"

namespace ebpf::test {

// Type ids in tiny_btf().
inline constexpr std::uint32_t kBtfInt = 1;       // int (signed, 32 bits)
inline constexpr std::uint32_t kBtfSpinLock = 2;  // struct bpf_spin_lock { int val; }
inline constexpr std::uint32_t kBtfLocked = 3;    // struct locked { struct bpf_spin_lock lock; int val; } (8 bytes)

// A BTF blob built by hand: enough for int keys/values, local storage values and a spin-locked value.
inline std::vector<std::byte> tiny_btf() {
  const std::string strings = std::string("\0int\0bpf_spin_lock\0val\0locked\0lock\0", 35);
  auto off = [&](std::string_view name) {
    return static_cast<std::uint32_t>(strings.find(std::string(name) + '\0', 1));
  };
  std::vector<std::uint32_t> types = {
      // [1] INT "int" size 4, signed, 32 bits
      off("int"), 1u << 24, 4, (1u << 24) | 32,
      // [2] STRUCT "bpf_spin_lock" size 4 { val: int @0 }
      off("bpf_spin_lock"), (4u << 24) | 1, 4, off("val"), kBtfInt, 0,
      // [3] STRUCT "locked" size 8 { lock: bpf_spin_lock @0, val: int @32 bits }
      off("locked"), (4u << 24) | 2, 8, off("lock"), kBtfSpinLock, 0, off("val"), kBtfInt, 32};
  const std::uint32_t type_len = static_cast<std::uint32_t>(types.size() * 4);
  struct Header {
    std::uint16_t magic = 0xeB9F;
    std::uint8_t version = 1;
    std::uint8_t flags = 0;
    std::uint32_t hdr_len = 24;
    std::uint32_t type_off = 0;
    std::uint32_t type_len = 0;
    std::uint32_t str_off = 0;
    std::uint32_t str_len = 0;
  } h;
  h.type_len = type_len;
  h.str_off = type_len;
  h.str_len = static_cast<std::uint32_t>(strings.size());
  std::vector<std::byte> blob(sizeof h + type_len + strings.size());
  std::memcpy(blob.data(), &h, sizeof h);
  std::memcpy(blob.data() + sizeof h, types.data(), type_len);
  std::memcpy(blob.data() + sizeof h + type_len, strings.data(), strings.size());
  return blob;
}

inline sys::Fd load_tiny_btf() {
  auto blob = tiny_btf();
  sys::BtfLoadAttr attr{.btf = blob.data(), .btf_size = static_cast<std::uint32_t>(blob.size())};
  auto fd = sys::btf_load(attr);
  if (!fd) {
    ADD_FAILURE() << fd.error().message();
    return sys::Fd();
  }
  return std::move(*fd);
}

// socket_filter "r0 = 0; exit".
inline sys::Fd load_trivial_program() {
  const std::uint64_t insns[2] = {0x00000000000000b7ull, 0x0000000000000095ull};
  sys::ProgLoadAttr attr{.prog_type = 1, .insn_cnt = 2, .insns = insns, .license = "GPL"};
  auto fd = sys::prog_load(attr);
  if (!fd) {
    ADD_FAILURE() << fd.error().message();
    return sys::Fd();
  }
  return std::move(*fd);
}

// A private bpffs, mounted on a fresh temporary directory and removed at the end.
class Bpffs {
 public:
  Bpffs() {
    char tmpl[] = "/tmp/ebpfpp-bpffs-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return;
    dir_ = tmpl;
    if (::mount("bpf", dir_.c_str(), "bpf", 0, nullptr) != 0) {
      error_ = std::strerror(errno);
      ::rmdir(dir_.c_str());
      dir_.clear();
    }
  }
  ~Bpffs() {
    if (!dir_.empty()) {
      ::umount2(dir_.c_str(), MNT_DETACH);
      ::rmdir(dir_.c_str());
    }
  }
  Bpffs(const Bpffs&) = delete;
  Bpffs& operator=(const Bpffs&) = delete;
  [[nodiscard]] bool ok() const { return !dir_.empty(); }
  [[nodiscard]] const std::string& dir() const { return dir_; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  std::string dir_;
  std::string error_;
};

// Id and size of a named struct in /sys/kernel/btf/vmlinux (a minimal walk over the type section).
struct VmlinuxType {
  std::uint32_t id = 0;
  std::uint32_t size = 0;
};
inline std::optional<VmlinuxType> find_vmlinux_struct(std::string_view name) {
  std::ifstream in("/sys/kernel/btf/vmlinux", std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto u32 = [&](std::size_t off) {
    std::uint32_t v = 0;
    if (off + 4 <= data.size()) std::memcpy(&v, data.data() + off, 4);
    return v;
  };
  if (data.size() < 24) return std::nullopt;
  const std::size_t hdr = u32(4), type_off = hdr + u32(8), type_end = type_off + u32(12), str_off = hdr + u32(16);
  std::size_t pos = type_off;
  for (std::uint32_t id = 1; pos + 12 <= type_end && pos + 12 <= data.size(); ++id) {
    const std::uint32_t name_off = u32(pos), info = u32(pos + 4), size = u32(pos + 8);
    const std::uint32_t kind = (info >> 24) & 0x1f, vlen = info & 0xffff;
    if (kind == 4 && str_off + name_off < data.size() && std::string_view(data.data() + str_off + name_off) == name)
      return VmlinuxType{id, size};
    pos += 12;
    switch (kind) {
      case 1: case 14: case 17: pos += 4; break;             // int, var, decl_tag
      case 3: pos += 12; break;                               // array
      case 4: case 5: case 15: case 19: pos += 12 * vlen; break;  // struct, union, datasec, enum64
      case 6: case 13: pos += 8 * vlen; break;                // enum, func_proto
      default: break;
    }
  }
  return std::nullopt;
}

}  // namespace ebpf::test

namespace ebpf::test {
// MapSpec is not an aggregate (it deep-copies its inner map): build one field by field.
inline MapSpec make_spec(MapType type, std::uint32_t key_size, std::uint32_t value_size, std::uint32_t max_entries,
                         std::uint32_t flags = 0, std::string name = "test") {
  MapSpec s;
  s.name = std::move(name);
  s.type = type;
  s.key_size = key_size;
  s.value_size = value_size;
  s.max_entries = max_entries;
  s.flags = flags;
  return s;
}
}  // namespace ebpf::test
