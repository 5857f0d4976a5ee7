#include "ebpf/kernel/kconfig.hpp"

#include <sys/utsname.h>
#include <zlib.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

namespace ebpf::kernel {

namespace {

constexpr std::size_t kMaxConfigSize = 64u << 20;  // refuse absurd files

std::string_view strip_prefix(std::string_view name) {
  if (name.starts_with("CONFIG_")) name.remove_prefix(7);
  return name;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

Result<std::string> read_gzip(const std::string& path) {
  gzFile f = ::gzopen(path.c_str(), "rb");
  if (f == nullptr) return unexpected(Error::make(errc::sys, "open " + path, errno ? errno : ENOENT));
  std::string out;
  char buf[1 << 16];
  for (;;) {
    int n = ::gzread(f, buf, sizeof buf);
    if (n < 0) {
      ::gzclose(f);
      return fail(errc::malformed, "read " + path + ": corrupt gzip data");
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > kMaxConfigSize) {
      ::gzclose(f);
      return fail(errc::malformed, "read " + path + ": config larger than 64 MiB");
    }
  }
  ::gzclose(f);
  return out;
}

Result<std::string> read_plain(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected(Error::make(errc::sys, "open " + path, ENOENT));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<KernelConfig> KernelConfig::parse(std::string_view text) {
  KernelConfig cfg;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    std::size_t eol = text.find('\n');
    std::string_view line = trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty()) continue;
    if (line.front() == '#') {
      // "# CONFIG_FOO is not set"
      constexpr std::string_view kNotSet = " is not set";
      std::string_view body = trim(line.substr(1));
      if (body.starts_with("CONFIG_") && body.ends_with(kNotSet)) {
        // insert_or_assign with a built string: assigning a literal trips g++ 12's false -Wrestrict at -O3.
        cfg.values_.insert_or_assign(std::string(strip_prefix(body.substr(0, body.size() - kNotSet.size()))),
                                     std::string(1, 'n'));
      }
      continue;
    }
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos || !line.starts_with("CONFIG_"))
      return fail(errc::malformed, "kernel config line " + std::to_string(line_no) + ": expected CONFIG_NAME=value");
    cfg.values_.insert_or_assign(std::string(strip_prefix(line.substr(0, eq))), std::string(line.substr(eq + 1)));
  }
  return cfg;
}

Result<KernelConfig> KernelConfig::read_file(const std::string& path) {
  auto text = path.ends_with(".gz") ? read_gzip(path) : read_plain(path);
  if (!text) return unexpected(std::move(text).error());
  auto cfg = parse(*text);
  if (!cfg) return unexpected(std::move(cfg).error().with_context(path));
  return cfg;
}

Result<const KernelConfig*> KernelConfig::running() {
  static std::once_flag once;
  static std::unique_ptr<KernelConfig> cached;
  static std::optional<Error> error;
  std::call_once(once, [] {
    auto cfg = read_file("/proc/config.gz");
    if (!cfg) {
      struct utsname u {};
      ::uname(&u);
      cfg = read_file(std::string("/boot/config-") + u.release);
    }
    if (cfg) {
      cached = std::make_unique<KernelConfig>(std::move(*cfg));
    } else {
      error = std::move(cfg).error().with_context("kernel config (tried /proc/config.gz and /boot/config-$(uname -r))");
    }
  });
  if (error) return unexpected(*error);
  return cached.get();
}

std::optional<std::string_view> KernelConfig::raw(std::string_view name) const {
  auto it = values_.find(std::string(strip_prefix(name)));
  if (it == values_.end()) return std::nullopt;
  return std::string_view(it->second);
}

Result<KernelConfig::Tristate> KernelConfig::tristate(std::string_view name) const {
  auto v = raw(name);
  if (!v || *v == "n") return Tristate::no;
  if (*v == "y") return Tristate::yes;
  if (*v == "m") return Tristate::module;
  return fail(errc::invalid_argument, "kernel config " + std::string(name) + ": value " + std::string(*v) +
                                          " is not a tristate");
}

Result<std::int64_t> KernelConfig::integer(std::string_view name) const {
  auto v = raw(name);
  if (!v) return fail(errc::not_found, "kernel config " + std::string(name) + " is not set");
  std::string_view s = *v;
  bool neg = false;
  if (s.starts_with('-')) {
    neg = true;
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.starts_with("0x") || s.starts_with("0X")) {
    base = 16;
    s.remove_prefix(2);
  }
  std::uint64_t value = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty())
    return fail(errc::invalid_argument,
                "kernel config " + std::string(name) + ": value " + std::string(*v) + " is not an integer");
  return neg ? -static_cast<std::int64_t>(value) : static_cast<std::int64_t>(value);
}

Result<std::string> KernelConfig::string(std::string_view name) const {
  auto v = raw(name);
  if (!v) return fail(errc::not_found, "kernel config " + std::string(name) + " is not set");
  std::string_view s = *v;
  if (s.size() < 2 || s.front() != '"' || s.back() != '"')
    return fail(errc::invalid_argument, "kernel config " + std::string(name) + ": value is not a quoted string");
  s = s.substr(1, s.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

}  // namespace ebpf::kernel
