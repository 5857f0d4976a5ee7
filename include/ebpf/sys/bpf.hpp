// The only place in ebpfpp that issues the bpf() syscall.
//
// Two levels:
//   * raw(): the syscall itself, returning the kernel's result or -errno, never allocating. Hot paths
//     (map element operations) use the inline element wrappers below, which return 0 or an errno.
//   * bpf() / bpf_fd(): the same with errno turned into ebpf::Error (static message, no allocation),
//     and EINTR retried where the command is idempotent.
//
// Tests can inject failures: set_fault_hook() installs a function that is asked before every call and
// may return an errno to fail that call with (used to check that no error path leaks a descriptor).
#pragma once

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ebpf/error.hpp"
#include "ebpf/sys/attr.hpp"
#include "ebpf/sys/fd.hpp"

namespace ebpf::sys {

// Returns 0 to let the call through, or an errno to fail it with.
using FaultHook = int (*)(Cmd cmd, void* context);

namespace detail {
extern FaultHook g_fault_hook;
extern void* g_fault_context;
int run_fault_hook(Cmd cmd) noexcept;
}  // namespace detail

// Installs (or with nullptr removes) the fault hook. Not thread-safe; for tests.
void set_fault_hook(FaultHook hook, void* context = nullptr) noexcept;

// The syscall. Returns the kernel's non-negative result or -errno.
inline long raw(Cmd cmd, void* attr, std::size_t size) noexcept {
  if (detail::g_fault_hook != nullptr) [[unlikely]] {
    if (int e = detail::run_fault_hook(cmd); e != 0) return -e;
  }
  long r = ::syscall(SYS_bpf, static_cast<int>(cmd), attr, static_cast<unsigned>(size));
  return r < 0 ? -errno : r;
}

// bpf() with EINTR retried; errors carry `what` as their static message.
template <class Attr>
Result<int> bpf(Cmd cmd, Attr& attr, const char* what) noexcept {
  for (;;) {
    long r = raw(cmd, &attr, sizeof(Attr));
    if (r >= 0) return static_cast<int>(r);
    if (r == -EINTR) continue;
    return unexpected(Error::from_errno(static_cast<int>(-r), what));
  }
}

// For commands that return a new file descriptor. The fd is close-on-exec (the kernel sets O_CLOEXEC on
// every bpf fd). A result of 0 is moved to a higher number: 0 means "no fd" in many attrs.
Result<Fd> fd_result(long r, const char* what);

template <class Attr>
Result<Fd> bpf_fd(Cmd cmd, Attr& attr, const char* what) noexcept {
  for (;;) {
    long r = raw(cmd, &attr, sizeof(Attr));
    if (r == -EINTR) continue;
    return fd_result(r, what);
  }
}

// ---- Map element operations: the hot path. Return 0 or an errno; no allocation, no Error. ----

inline int map_lookup_elem(int map_fd, const void* key, void* value, std::uint64_t flags = 0) noexcept {
  MapElemAttr attr{.map_fd = static_cast<std::uint32_t>(map_fd), .key = key, .value = value, .flags = flags};
  long r = raw(Cmd::map_lookup_elem, &attr, sizeof attr);
  return r < 0 ? static_cast<int>(-r) : 0;
}
inline int map_update_elem(int map_fd, const void* key, const void* value, std::uint64_t flags) noexcept {
  MapElemAttr attr{.map_fd = static_cast<std::uint32_t>(map_fd), .key = key, .value = value, .flags = flags};
  long r = raw(Cmd::map_update_elem, &attr, sizeof attr);
  return r < 0 ? static_cast<int>(-r) : 0;
}
inline int map_delete_elem(int map_fd, const void* key, std::uint64_t flags = 0) noexcept {
  MapElemAttr attr{.map_fd = static_cast<std::uint32_t>(map_fd), .key = key, .value = {}, .flags = flags};
  long r = raw(Cmd::map_delete_elem, &attr, sizeof attr);
  return r < 0 ? static_cast<int>(-r) : 0;
}
inline int map_lookup_and_delete_elem(int map_fd, const void* key, void* value, std::uint64_t flags = 0) noexcept {
  MapElemAttr attr{.map_fd = static_cast<std::uint32_t>(map_fd), .key = key, .value = value, .flags = flags};
  long r = raw(Cmd::map_lookup_and_delete_elem, &attr, sizeof attr);
  return r < 0 ? static_cast<int>(-r) : 0;
}
// key may be null to get the first key.
inline int map_get_next_key(int map_fd, const void* key, void* next_key) noexcept {
  MapElemAttr attr{.map_fd = static_cast<std::uint32_t>(map_fd), .key = key, .value = next_key};
  long r = raw(Cmd::map_get_next_key, &attr, sizeof attr);
  return r < 0 ? static_cast<int>(-r) : 0;
}

// ---- Typed wrappers for the other commands. ----

Result<Fd> map_create(MapCreateAttr& attr);
// Retries EAGAIN (the verifier was interrupted) a bounded number of times.
Result<Fd> prog_load(ProgLoadAttr& attr);
Result<Fd> btf_load(BtfLoadAttr& attr);
Result<void> obj_pin(int fd, const char* path);
Result<Fd> obj_get(const char* path, std::uint32_t file_flags);
Result<void> prog_test_run(ProgTestRunAttr& attr);
Result<void> map_freeze(int map_fd);
Result<void> prog_bind_map(int prog_fd, int map_fd);

// Object info. `info` is filled up to `size` bytes; returns the size the kernel wrote.
Result<std::uint32_t> obj_get_info_by_fd(int fd, void* info, std::uint32_t size);

enum class ObjectKind { program, map, btf, link };
// Next id after `start_id`; errc::not_found at the end.
Result<std::uint32_t> get_next_id(ObjectKind kind, std::uint32_t start_id);
// A new fd for the object with `id`.
Result<Fd> get_fd_by_id(ObjectKind kind, std::uint32_t id, std::uint32_t open_flags = 0);

// ---- Object names. ----

// A name as the kernel accepts it (BPF_OBJ_NAME_LEN - 1 characters, characters the kernel refuses replaced
// by '_'). Whether '.' is allowed depends on the kernel and is probed once.
struct ObjName {
  char bytes[kObjNameLen] = {};
  [[nodiscard]] std::string_view view() const noexcept;
};
ObjName object_name(std::string_view name);

// The whole name with every character the running kernel refuses in object names replaced by
// `replacement` (no truncation), as cilium/ebpf's SanitizeName.
std::string sanitize_name(std::string_view name, char replacement = '_');

// Whether the running kernel accepts '.' in object names (probed once, cached).
bool object_names_allow_dot();

}  // namespace ebpf::sys

namespace ebpf::sys {
// Removes a pin (unlink of a bpffs path).
Result<void> remove_pin(const char* path);
}  // namespace ebpf::sys
