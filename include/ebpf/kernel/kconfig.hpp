// The running kernel's build configuration (CONFIG_* values), as `.kconfig` externs need them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ebpf/error.hpp"

namespace ebpf::kernel {

// A parsed kernel config. Values are stored as written: "y", "m", a number, or a quoted string.
class KernelConfig {
 public:
  // Reads /proc/config.gz, falling back to /boot/config-$(uname -r). Cached for the process.
  static Result<const KernelConfig*> running();
  // Parses the text of a config file ("CONFIG_FOO=y" lines; "# CONFIG_BAR is not set" means n).
  static Result<KernelConfig> parse(std::string_view text);
  // Reads a config file, gzip-compressed when its name ends in .gz.
  static Result<KernelConfig> read_file(const std::string& path);

  // Raw value of a CONFIG_ name (with or without the "CONFIG_" prefix); nullopt when unset.
  [[nodiscard]] std::optional<std::string_view> raw(std::string_view name) const;

  enum class Tristate : std::uint8_t { no = 0, yes = 1, module = 2 };
  // y/m/n; unset is no. Fails for values that are not tristate.
  [[nodiscard]] Result<Tristate> tristate(std::string_view name) const;
  // Decimal or 0x-hex integer.
  [[nodiscard]] Result<std::int64_t> integer(std::string_view name) const;
  // Unquoted, unescaped string value.
  [[nodiscard]] Result<std::string> string(std::string_view name) const;

  [[nodiscard]] std::size_t size() const noexcept { return values_.size(); }

 private:
  std::unordered_map<std::string, std::string> values_;  // key without CONFIG_ prefix
};

}  // namespace ebpf::kernel
