#include <algorithm>
#include <cstdio>
#include <string_view>
#include <vector>

#include "command.hpp"

namespace ebpfpp_cli {

std::vector<Command>& commands() {
  static std::vector<Command> all;
  return all;
}

int report(const ebpf::Error& error) {
  std::fprintf(stderr, "ebpfpp: %s\n", error.message().c_str());
  return 1;
}

int usage_error(std::string_view command, std::string_view message) {
  std::fprintf(stderr, "ebpfpp %.*s: %.*s (see 'ebpfpp --help')\n", static_cast<int>(command.size()), command.data(),
               static_cast<int>(message.size()), message.data());
  return 2;
}

ArgScanner::ArgScanner(Args args, std::vector<std::string_view> flags, std::vector<std::string_view> options) {
  auto known = [](const std::vector<std::string_view>& list, std::string_view n) {
    return std::find(list.begin(), list.end(), n) != list.end();
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a.size() > 2 && a.starts_with("--")) {
      std::string_view name = a, value;
      bool has_value = false;
      if (auto eq = a.find('='); eq != std::string_view::npos) {
        name = a.substr(0, eq);
        value = a.substr(eq + 1);
        has_value = true;
      }
      if (known(flags, name) && !has_value) {
        flags_seen_.push_back(name);
      } else if (known(options, name)) {
        if (!has_value) {
          if (i + 1 >= args.size()) {
            error_ = "option " + std::string(name) + " needs a value";
            return;
          }
          value = args[++i];
        }
        options_seen_.emplace_back(name, value);
      } else {
        error_ = "unknown option " + std::string(a);
        return;
      }
    } else {
      positional_.push_back(a);
    }
  }
}

bool ArgScanner::flag(std::string_view name) const {
  return std::find(flags_seen_.begin(), flags_seen_.end(), name) != flags_seen_.end();
}

std::optional<std::string_view> ArgScanner::option(std::string_view name) const {
  std::optional<std::string_view> last;
  for (auto& [n, v] : options_seen_)
    if (n == name) last = v;
  return last;
}

std::vector<std::string_view> ArgScanner::options(std::string_view name) const {
  std::vector<std::string_view> all;
  for (auto& [n, v] : options_seen_)
    if (n == name) all.push_back(v);
  return all;
}

}  // namespace ebpfpp_cli

namespace {

void print_help() {
  std::printf(
      "ebpfpp %s - inspect, load and run eBPF objects\n\n"
      "usage: ebpfpp [--version] [--help] COMMAND [ARGS...]\n\ncommands:\n",
      EBPFPP_VERSION);
  auto cmds = ebpfpp_cli::commands();
  std::sort(cmds.begin(), cmds.end(), [](auto& a, auto& b) { return a.name < b.name; });
  for (auto& c : cmds)
    std::printf("  %-48.*s %.*s\n", static_cast<int>(c.synopsis.size()), c.synopsis.data(),
                static_cast<int>(c.summary.size()), c.summary.data());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_help();
    return 2;
  }
  if (args[0] == "--version" || args[0] == "version") {
    std::printf("ebpfpp %s\n", EBPFPP_VERSION);
    return 0;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help();
    return 0;
  }
  for (auto& c : ebpfpp_cli::commands()) {
    if (c.name == args[0]) return c.run(ebpfpp_cli::Args(args).subspan(1));
  }
  std::fprintf(stderr, "ebpfpp: unknown command '%.*s' (see 'ebpfpp --help')\n", static_cast<int>(args[0].size()),
               args[0].data());
  return 2;
}
