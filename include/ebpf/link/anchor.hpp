// Where a program goes in a multi-program (bpf_mprog) list: tcx and netkit hooks (Linux 6.6 / 6.7) and, since
// Linux 6.16, cgroup hooks. Each list has a revision that every change increments; attaching with an
// expected revision fails with ESTALE if the list changed since it was read.
#pragma once

#include <cstdint>

#include "ebpf/link/link.hpp"
#include "ebpf/program.hpp"

namespace ebpf::link {

// Attach flags of the multi-program (bpf_mprog) hooks.
namespace mprog_flags {
inline constexpr std::uint32_t replace = 1u << 2;  // BPF_F_REPLACE
inline constexpr std::uint32_t before = 1u << 3;   // BPF_F_BEFORE
inline constexpr std::uint32_t after = 1u << 4;    // BPF_F_AFTER
inline constexpr std::uint32_t id = 1u << 5;       // BPF_F_ID: the relative object is given by id
inline constexpr std::uint32_t link = 1u << 13;    // BPF_F_LINK: the relative object is a link
}  // namespace mprog_flags

// Where a program goes in a tcx, netkit or cgroup list. Default: appended (the kernel's default, like last()).
class Anchor {
 public:
  constexpr Anchor() noexcept = default;
  static constexpr Anchor first() noexcept { return Anchor(mprog_flags::before, 0); }
  static constexpr Anchor last() noexcept { return Anchor(mprog_flags::after, 0); }
  // Relative to an attached program or link, by fd (which must stay open until the attach returns).
  static Anchor before(const Program& p) noexcept { return Anchor(mprog_flags::before, static_cast<std::uint32_t>(p.fd())); }
  static Anchor after(const Program& p) noexcept { return Anchor(mprog_flags::after, static_cast<std::uint32_t>(p.fd())); }
  static Anchor before(const Link& l) noexcept;
  static Anchor after(const Link& l) noexcept;
  // Relative to a program or link id (as `ebpfpp link list` or bpftool show them).
  static constexpr Anchor before_program_id(std::uint32_t id) noexcept { return Anchor(mprog_flags::before | mprog_flags::id, id); }
  static constexpr Anchor after_program_id(std::uint32_t id) noexcept { return Anchor(mprog_flags::after | mprog_flags::id, id); }
  static constexpr Anchor before_link_id(std::uint32_t id) noexcept {
    return Anchor(mprog_flags::before | mprog_flags::id | mprog_flags::link, id);
  }
  static constexpr Anchor after_link_id(std::uint32_t id) noexcept {
    return Anchor(mprog_flags::after | mprog_flags::id | mprog_flags::link, id);
  }

  [[nodiscard]] constexpr std::uint32_t flags() const noexcept { return flags_; }
  [[nodiscard]] constexpr std::uint32_t relative() const noexcept { return relative_; }

 private:
  constexpr Anchor(std::uint32_t flags, std::uint32_t relative) noexcept : flags_(flags), relative_(relative) {}
  std::uint32_t flags_ = 0;
  std::uint32_t relative_ = 0;  // fd or id
};

}  // namespace ebpf::link
