// Subcommand registry of the ebpfpp tool. Each cmd_*.cpp defines one command and registers it with a
// namespace-scope `const Registration`.
#pragma once

#include <cstdio>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ebpf/error.hpp"

namespace ebpfpp_cli {

// Arguments after the subcommand name.
using Args = std::span<const std::string_view>;

struct Command {
  std::string_view name;
  std::string_view synopsis;  // "inspect OBJECT [--json]"
  std::string_view summary;   // one line
  int (*run)(Args args);
};

std::vector<Command>& commands();

struct Registration {
  explicit Registration(Command c) { commands().push_back(c); }
};

// Prints "ebpfpp: <message>" to stderr and returns exit code 1.
int report(const ebpf::Error& error);
int usage_error(std::string_view command, std::string_view message);

// Minimal option scanning shared by commands: flags ("--json"), options with a value ("--pin DIR" or
// "--pin=DIR", repeatable) and positional arguments, in any order.
class ArgScanner {
 public:
  ArgScanner(Args args, std::vector<std::string_view> flags, std::vector<std::string_view> options);
  [[nodiscard]] bool ok() const { return error_.empty(); }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] bool flag(std::string_view name) const;
  [[nodiscard]] std::optional<std::string_view> option(std::string_view name) const;  // last given
  [[nodiscard]] std::vector<std::string_view> options(std::string_view name) const;   // all given
  [[nodiscard]] const std::vector<std::string_view>& positional() const { return positional_; }

 private:
  std::vector<std::string_view> flags_seen_;
  std::vector<std::pair<std::string_view, std::string_view>> options_seen_;
  std::vector<std::string_view> positional_;
  std::string error_;
};

}  // namespace ebpfpp_cli
