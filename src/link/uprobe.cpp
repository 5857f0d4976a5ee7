#include "ebpf/link/uprobe.hpp"

#include <fnmatch.h>
#include <linux/perf_event.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "ebpf/link/tracing.hpp"
#include "ebpf/program.hpp"
#include "ebpf/sys/perf_event.hpp"
#include "elf_image.hpp"
#include "tracefs.hpp"

namespace ebpf::link {
namespace {

std::string context(const Program& program, std::string_view what, std::string_view path, std::string_view symbol) {
  std::string c = "program ";
  c += program.name();
  c += ": attach ";
  c += what;
  c += ' ';
  c += path;
  if (!symbol.empty()) {
    c += ':';
    c += symbol;
  }
  return c;
}

Result<std::uint64_t> function_offset(const detail::ElfImage& img, std::string_view symbol) {
  // Versioned names ("malloc@GLIBC_2.2.5") match the bare dynamic symbol.
  const std::string_view bare = symbol.substr(0, symbol.find('@'));
  std::uint64_t address = 0;
  bool found = false, ambiguous = false;
  img.for_each_function([&](std::string_view name, std::uint64_t addr, std::uint64_t) {
    if (name != bare) return;
    if (found && addr != address) ambiguous = true;
    found = true;
    address = addr;
  });
  if (!found) return fail(errc::not_found, img.path() + ": no function symbol " + std::string(symbol));
  if (ambiguous) return fail(errc::invalid_argument, img.path() + ": symbol " + std::string(symbol) + " is ambiguous (several addresses)");
  auto off = img.file_offset(address, true);
  if (!off) return fail(errc::malformed, img.path() + ": symbol " + std::string(symbol) + " is in no executable segment");
  return *off;
}

bool exists(const std::string& p) { return ::access(p.c_str(), R_OK) == 0; }

}  // namespace

Result<std::string> resolve_binary_path(std::string_view name) {
  if (name.empty()) return fail(errc::invalid_argument, "empty binary path");
  if (name.find('/') != std::string_view::npos) return std::string(name);
  std::vector<std::string> dirs;
  auto add_list = [&dirs](const char* list) {
    if (list == nullptr) return;
    std::string_view rest = list;
    while (!rest.empty()) {
      auto colon = rest.find(':');
      if (colon != 0) dirs.emplace_back(rest.substr(0, colon));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  };
  if (name.find(".so") != std::string_view::npos) {
    add_list(std::getenv("LD_LIBRARY_PATH"));
    for (const char* d : {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
                          "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"})
      dirs.emplace_back(d);
  } else {
    add_list(std::getenv("PATH"));
  }
  for (const auto& d : dirs) {
    std::string p = d;
    p += '/';
    p += name;
    if (exists(p)) return p;
  }
  return fail(errc::not_found, "binary " + std::string(name) + " not found in the library or executable search path");
}

Result<std::uint64_t> symbol_file_offset(const std::string& path, std::string_view symbol) {
  EBPF_TRY(auto img, detail::ElfImage::open(path));
  return function_offset(img, symbol);
}

Result<std::uint64_t> address_to_file_offset(const std::string& path, std::uint64_t address) {
  EBPF_TRY(auto img, detail::ElfImage::open(path));
  auto off = img.file_offset(address, false);
  if (!off) return fail(errc::not_found, path + ": address " + std::to_string(address) + " is in no loaded segment");
  return *off;
}

Result<Link> attach_uprobe(const Program& program, const UprobeOptions& o) {
  const std::string ctx = context(program, o.retprobe ? "uretprobe" : "uprobe", o.path, o.symbol);
  if (!program.valid()) return fail(errc::closed, ctx + ": program is closed");
  EBPF_TRY_CTX(std::string path, resolve_binary_path(o.path), ctx);
  std::uint64_t offset = o.offset;
  if (!o.symbol.empty()) {
    EBPF_TRY_CTX(std::uint64_t sym, symbol_file_offset(path, o.symbol), ctx);
    offset += sym;
  }
  EBPF_TRY_CTX(std::uint32_t type, detail::pmu_type("uprobe"), ctx);
  perf_event_attr attr{};
  attr.type = type;
  attr.size = sizeof attr;
  if (o.retprobe) {
    EBPF_TRY_CTX(std::uint32_t bit, detail::pmu_retprobe_bit("uprobe"), ctx);
    attr.config |= std::uint64_t{1} << bit;
  }
  // format/ref_ctr_offset is config:32-63 on every kernel that has it (4.20+).
  if (o.ref_ctr_offset != 0) {
    if (o.ref_ctr_offset >> 32 != 0) return fail(errc::invalid_argument, ctx + ": ref_ctr_offset above 4 GiB");
    attr.config |= o.ref_ctr_offset << 32;
  }
  attr.config1 = reinterpret_cast<std::uintptr_t>(path.c_str());  // uprobe_path
  attr.config2 = offset;                                          // probe_offset
  const int pid = o.pid < 0 ? -1 : o.pid;
  auto perf = sys::perf_event_open(attr, pid, pid == -1 ? 0 : -1, -1, 0, "open uprobe perf event");
  if (!perf) return unexpected(std::move(perf).error().with_context(ctx));
  auto l = attach_perf_event_fd(program, std::move(*perf), o.cookie);
  if (!l) return unexpected(std::move(l).error().with_context(ctx));
  return l;
}

Result<Link> attach_uprobe_multi(const Program& program, const UprobeMultiOptions& o) {
  const std::string ctx = context(program, o.retprobe ? "uretprobe multi" : "uprobe multi", o.path, o.pattern);
  if (!program.valid()) return fail(errc::closed, ctx + ": program is closed");
  EBPF_TRY_CTX(std::string path, resolve_binary_path(o.path), ctx);
  std::vector<std::uint64_t> offsets = o.offsets;
  if (!o.symbols.empty() || !o.pattern.empty()) {
    if (!offsets.empty()) return fail(errc::invalid_argument, ctx + ": give symbols, a pattern or offsets");
    EBPF_TRY_CTX(auto img, detail::ElfImage::open(path), ctx);
    for (const auto& s : o.symbols) {
      EBPF_TRY_CTX(std::uint64_t off, function_offset(img, s), ctx);
      offsets.push_back(off);
    }
    if (!o.pattern.empty()) {
      const std::string pattern(o.pattern);
      std::vector<std::uint64_t> addrs;
      img.for_each_function([&](std::string_view name, std::uint64_t addr, std::uint64_t) {
        if (::fnmatch(pattern.c_str(), std::string(name).c_str(), 0) == 0) addrs.push_back(addr);
      });
      std::sort(addrs.begin(), addrs.end());
      addrs.erase(std::unique(addrs.begin(), addrs.end()), addrs.end());
      for (auto a : addrs)
        if (auto off = img.file_offset(a, true)) offsets.push_back(*off);
    }
  }
  if (offsets.empty()) return fail(errc::not_found, ctx + ": nothing to probe");
  if ((!o.cookies.empty() && o.cookies.size() != offsets.size()) ||
      (!o.ref_ctr_offsets.empty() && o.ref_ctr_offsets.size() != offsets.size()))
    return fail(errc::invalid_argument, ctx + ": cookies and ref_ctr_offsets need one entry per probe");
  struct {
    std::uint64_t path;
    std::uint64_t offsets;
    std::uint64_t ref_ctr_offsets;
    std::uint64_t cookies;
    std::uint32_t cnt;
    std::uint32_t flags;
    std::uint32_t pid;
    std::uint32_t pad;
  } tail{reinterpret_cast<std::uintptr_t>(path.c_str()), reinterpret_cast<std::uintptr_t>(offsets.data()),
         o.ref_ctr_offsets.empty() ? 0 : reinterpret_cast<std::uintptr_t>(o.ref_ctr_offsets.data()),
         o.cookies.empty() ? 0 : reinterpret_cast<std::uintptr_t>(o.cookies.data()),
         static_cast<std::uint32_t>(offsets.size()), o.retprobe ? 1u : 0u,
         static_cast<std::uint32_t>(o.pid < 0 ? 0 : o.pid), 0};
  auto fd = create_fd(program.fd(), 0, AttachType::trace_uprobe_multi, 0, std::as_bytes(std::span(&tail, 1)));
  if (!fd) {
    Error e = std::move(fd).error();
    if (e.is(std::errc::operation_not_supported) || e.sys_errno() == 524)
      return fail(errc::not_supported, ctx + ": kernel has no uprobe multi links (Linux 6.6): " + e.message(), e.sys_errno());
    return unexpected(std::move(e).with_context(ctx));
  }
  return Link(std::make_unique<FdAttachment>(std::move(*fd)));
}

}  // namespace ebpf::link
