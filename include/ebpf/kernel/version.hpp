// The running kernel's version, as LINUX_KERNEL_VERSION and kprobe programs' kern_version want it.
#pragma once

#include <cstdint>
#include <string_view>

#include "ebpf/error.hpp"

namespace ebpf::kernel {

struct Version {
  std::uint32_t major = 0, minor = 0, patch = 0;
  // KERNEL_VERSION(a, b, c) = (a << 16) + (b << 8) + min(c, 255).
  [[nodiscard]] constexpr std::uint32_t code() const noexcept {
    return (major << 16) + (minor << 8) + (patch > 255 ? 255 : patch);
  }
  friend constexpr auto operator<=>(const Version&, const Version&) = default;
};

// Parses a release string such as "6.18.44-fc-v769" or "5.15.0-91-generic".
Result<Version> parse_version(std::string_view release);
// The running kernel's version (uname), cached.
Result<Version> running_version();

}  // namespace ebpf::kernel
