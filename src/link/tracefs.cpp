#include "tracefs.hpp"

#include <fcntl.h>
#include <linux/perf_event.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <mutex>
#include <utility>
#include <vector>

#include "ebpf/kernel/version.hpp"
#include "ebpf/program.hpp"
#include "ebpf/sys/link.hpp"
#include "ebpf/sys/perf_event.hpp"

namespace ebpf::link::detail {
namespace {

constexpr long kTracefsMagic = 0x74726163;  // TRACEFS_MAGIC
constexpr long kDebugfsMagic = 0x64626720;  // DEBUGFS_MAGIC

bool is_tracefs(const char* path) {
  struct statfs st {};
  if (::statfs(path, &st) != 0) return false;
  // /sys/kernel/debug/tracing is tracefs automounted under debugfs; an unmounted directory is sysfs/debugfs.
  return st.f_type == kTracefsMagic;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

template <class T>
Result<T> parse_number(std::string_view text, const std::string& what) {
  T v{};
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p == text.data()) return fail(errc::malformed, what + ": not a number: " + std::string(text));
  return v;
}

}  // namespace

Result<std::string> read_text_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unexpected(Error::from_errno(errno, "open").with_context(path));
  sys::Fd owner(fd);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return unexpected(Error::from_errno(errno, "read").with_context(path));
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

Result<std::string> tracefs_root() {
  static std::mutex mu;
  static std::string found;
  std::lock_guard lock(mu);
  if (!found.empty() && is_tracefs(found.c_str())) return found;
  for (const char* p : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
    if (is_tracefs(p)) {
      found = p;
      return found;
    }
  }
  (void)kDebugfsMagic;
  return fail(errc::not_supported,
              "tracefs is not mounted at /sys/kernel/tracing nor at /sys/kernel/debug/tracing "
              "(mount -t tracefs nodev /sys/kernel/tracing)");
}

Result<std::uint64_t> trace_event_id(std::string_view category, std::string_view name) {
  EBPF_TRY(std::string root, tracefs_root());
  std::string path = root;
  path += "/events/";
  path += category;
  path += '/';
  path += name;
  path += "/id";
  auto text = read_text_file(path);
  if (!text) {
    if (text.error().is(std::errc::no_such_file_or_directory))
      return fail(errc::not_found, "no trace event " + std::string(category) + "/" + std::string(name) + " (" + path + ")");
    return unexpected(std::move(text).error());
  }
  return parse_number<std::uint64_t>(trim(std::move(*text)), path);
}

namespace {
Result<std::uint32_t> read_pmu_type(const char* pmu) {
  std::string path = "/sys/bus/event_source/devices/";
  path += pmu;
  path += "/type";
  auto text = read_text_file(path);
  if (!text) {
    if (text.error().is(std::errc::no_such_file_or_directory)) {
      std::string m = "kernel has no ";
      m += pmu;
      m += " perf PMU (";
      m += path;
      m += " is missing";
      m += std::string_view(pmu) == "kprobe" ? ": built without CONFIG_KPROBES?)" : ")";
      return fail(errc::not_supported, std::move(m));
    }
    return unexpected(std::move(text).error());
  }
  return parse_number<std::uint32_t>(trim(std::move(*text)), path);
}
}  // namespace

Result<std::uint32_t> pmu_type(const char* pmu) {
  // PMU types are fixed while the kernel runs: read each once (a failure is not cached).
  static std::mutex mu;
  static std::vector<std::pair<std::string, std::uint32_t>> known;
  {
    std::lock_guard lock(mu);
    for (const auto& [name, type] : known)
      if (name == pmu) return type;
  }
  EBPF_TRY(std::uint32_t type, read_pmu_type(pmu));
  std::lock_guard lock(mu);
  known.emplace_back(pmu, type);
  return type;
}

Result<std::uint32_t> pmu_retprobe_bit(const char* pmu) {
  std::string path = "/sys/bus/event_source/devices/";
  path += pmu;
  path += "/format/retprobe";
  EBPF_TRY(std::string text, read_text_file(path));
  text = trim(std::move(text));  // "config:0"
  const auto colon = text.find(':');
  if (colon == std::string::npos || text.substr(0, colon) != "config")
    return fail(errc::malformed, path + ": unexpected format " + text);
  return parse_number<std::uint32_t>(std::string_view(text).substr(colon + 1), path);
}

}  // namespace ebpf::link::detail

namespace ebpf::link {

namespace {
// Perf links (BPF_LINK_CREATE with BPF_PERF_EVENT) arrived in Linux 5.15. Decided from the kernel version, not
// from an EINVAL, which a program of the wrong type for the event would give as well.
bool have_perf_links() {
  static const bool yes = [] {
    auto v = kernel::running_version();
    return !v || v->code() >= ((5u << 16) | (15u << 8));
  }();
  return yes;
}
}  // namespace

Result<Link> attach_perf_event_fd(const Program& program, sys::Fd perf_fd, std::uint64_t cookie, bool legacy_ioctl) {
  if (!legacy_ioctl && have_perf_links()) {
    std::uint64_t tail[1] = {cookie};
    EBPF_TRY(sys::Fd fd, create_fd(program.fd(), perf_fd.get(), AttachType::perf_event, 0, std::as_bytes(std::span(tail))));
    return Link(std::make_unique<PerfLinkAttachment>(std::move(fd), std::move(perf_fd)));
  }
  if (cookie != 0)
    return fail(errc::not_supported, "bpf cookie on a perf event needs perf links (Linux 5.15)");
  EBPF_TRY_VOID(sys::perf_ioctl(perf_fd.get(), PERF_EVENT_IOC_SET_BPF, static_cast<unsigned long>(program.fd()),
                                "set bpf program on perf event"));
  EBPF_TRY_VOID(sys::perf_ioctl(perf_fd.get(), PERF_EVENT_IOC_ENABLE, 0, "enable perf event"));
  std::uint32_t id = 0;
  if (auto info = program.info()) id = info->id;
  return Link(std::make_unique<PerfEventAttachment>(std::move(perf_fd), id));
}

}  // namespace ebpf::link
