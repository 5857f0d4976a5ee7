#include "ebpf/kernel/version.hpp"

#include <sys/utsname.h>

#include <charconv>
#include <string>

namespace ebpf::kernel {

Result<Version> parse_version(std::string_view release) {
  Version v;
  std::uint32_t* parts[] = {&v.major, &v.minor, &v.patch};
  const char* p = release.data();
  const char* end = release.data() + release.size();
  for (int i = 0; i < 3; ++i) {
    auto [next, ec] = std::from_chars(p, end, *parts[i]);
    if (ec != std::errc()) {
      if (i >= 2) break;  // "6.1" or "6.1-rc3": patch level optional
      return fail(errc::malformed, "kernel release " + std::string(release) + ": expected MAJOR.MINOR[.PATCH]");
    }
    p = next;
    if (p == end || *p != '.') break;
    ++p;
  }
  return v;
}

Result<Version> running_version() {
  static const Result<Version> cached = [] {
    struct utsname u {};
    if (::uname(&u) != 0) return Result<Version>(unexpected(Error::from_errno(errno, "uname")));
    return parse_version(u.release);
  }();
  return cached;
}

}  // namespace ebpf::kernel
