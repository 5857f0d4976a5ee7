#include "ebpf/sys/bpf.hpp"

#include "ebpf/sys/perf_event.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cstring>

namespace ebpf::sys {

namespace detail {
FaultHook g_fault_hook = nullptr;
void* g_fault_context = nullptr;

int run_fault_hook(Cmd cmd) noexcept { return g_fault_hook ? g_fault_hook(cmd, g_fault_context) : 0; }
}  // namespace detail

void set_fault_hook(FaultHook hook, void* context) noexcept {
  detail::g_fault_context = context;
  detail::g_fault_hook = hook;
}

const char* to_string(Cmd cmd) noexcept {
  switch (cmd) {
    case Cmd::map_create: return "BPF_MAP_CREATE";
    case Cmd::map_lookup_elem: return "BPF_MAP_LOOKUP_ELEM";
    case Cmd::map_update_elem: return "BPF_MAP_UPDATE_ELEM";
    case Cmd::map_delete_elem: return "BPF_MAP_DELETE_ELEM";
    case Cmd::map_get_next_key: return "BPF_MAP_GET_NEXT_KEY";
    case Cmd::prog_load: return "BPF_PROG_LOAD";
    case Cmd::obj_pin: return "BPF_OBJ_PIN";
    case Cmd::obj_get: return "BPF_OBJ_GET";
    case Cmd::prog_attach: return "BPF_PROG_ATTACH";
    case Cmd::prog_detach: return "BPF_PROG_DETACH";
    case Cmd::prog_test_run: return "BPF_PROG_TEST_RUN";
    case Cmd::prog_get_next_id: return "BPF_PROG_GET_NEXT_ID";
    case Cmd::map_get_next_id: return "BPF_MAP_GET_NEXT_ID";
    case Cmd::prog_get_fd_by_id: return "BPF_PROG_GET_FD_BY_ID";
    case Cmd::map_get_fd_by_id: return "BPF_MAP_GET_FD_BY_ID";
    case Cmd::obj_get_info_by_fd: return "BPF_OBJ_GET_INFO_BY_FD";
    case Cmd::prog_query: return "BPF_PROG_QUERY";
    case Cmd::raw_tracepoint_open: return "BPF_RAW_TRACEPOINT_OPEN";
    case Cmd::btf_load: return "BPF_BTF_LOAD";
    case Cmd::btf_get_fd_by_id: return "BPF_BTF_GET_FD_BY_ID";
    case Cmd::task_fd_query: return "BPF_TASK_FD_QUERY";
    case Cmd::map_lookup_and_delete_elem: return "BPF_MAP_LOOKUP_AND_DELETE_ELEM";
    case Cmd::map_freeze: return "BPF_MAP_FREEZE";
    case Cmd::btf_get_next_id: return "BPF_BTF_GET_NEXT_ID";
    case Cmd::map_lookup_batch: return "BPF_MAP_LOOKUP_BATCH";
    case Cmd::map_lookup_and_delete_batch: return "BPF_MAP_LOOKUP_AND_DELETE_BATCH";
    case Cmd::map_update_batch: return "BPF_MAP_UPDATE_BATCH";
    case Cmd::map_delete_batch: return "BPF_MAP_DELETE_BATCH";
    case Cmd::link_create: return "BPF_LINK_CREATE";
    case Cmd::link_update: return "BPF_LINK_UPDATE";
    case Cmd::link_get_fd_by_id: return "BPF_LINK_GET_FD_BY_ID";
    case Cmd::link_get_next_id: return "BPF_LINK_GET_NEXT_ID";
    case Cmd::enable_stats: return "BPF_ENABLE_STATS";
    case Cmd::iter_create: return "BPF_ITER_CREATE";
    case Cmd::link_detach: return "BPF_LINK_DETACH";
    case Cmd::prog_bind_map: return "BPF_PROG_BIND_MAP";
    case Cmd::token_create: return "BPF_TOKEN_CREATE";
  }
  if (cmd == kCmdPerfEventOpen) return "perf_event_open";
  if (cmd == kCmdPerfIoctl) return "perf ioctl";
  return "BPF_UNKNOWN";
}

Result<Fd> fd_result(long r, const char* what) {
  if (r < 0) return unexpected(Error::from_errno(static_cast<int>(-r), what));
  Fd fd(static_cast<int>(r));
  if (fd.get() == 0) {
    // Keep fd 0 free: attrs use 0 for "no fd".
    auto moved = fd.dup();
    if (!moved) return unexpected(std::move(moved).error());
    return std::move(*moved);
  }
  return fd;
}

Result<Fd> map_create(MapCreateAttr& attr) { return bpf_fd(Cmd::map_create, attr, "create map"); }

Result<Fd> prog_load(ProgLoadAttr& attr) {
  // The verifier returns EAGAIN when it was interrupted by a signal; retrying is what the kernel expects.
  constexpr int kMaxAttempts = 5;
  long r = 0;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    do {
      r = raw(Cmd::prog_load, &attr, sizeof attr);
    } while (r == -EINTR);
    if (r != -EAGAIN) break;
  }
  return fd_result(r, "load program");
}

Result<Fd> btf_load(BtfLoadAttr& attr) { return bpf_fd(Cmd::btf_load, attr, "load BTF"); }

Result<void> obj_pin(int fd, const char* path) {
  ObjPinAttr attr{.pathname = path, .bpf_fd = static_cast<std::uint32_t>(fd)};
  EBPF_TRY_VOID(bpf(Cmd::obj_pin, attr, "pin object"));
  return {};
}

Result<Fd> obj_get(const char* path, std::uint32_t file_flags) {
  ObjPinAttr attr{.pathname = path, .file_flags = file_flags};
  return bpf_fd(Cmd::obj_get, attr, "get pinned object");
}

Result<void> prog_test_run(ProgTestRunAttr& attr) {
  long r = raw(Cmd::prog_test_run, &attr, sizeof attr);
  if (r < 0) return unexpected(Error::from_errno(static_cast<int>(-r), "test run program"));
  return {};
}

Result<void> map_freeze(int map_fd) {
  MapFreezeAttr attr{.map_fd = static_cast<std::uint32_t>(map_fd)};
  EBPF_TRY_VOID(bpf(Cmd::map_freeze, attr, "freeze map"));
  return {};
}

Result<void> prog_bind_map(int prog_fd, int map_fd) {
  ProgBindMapAttr attr{.prog_fd = static_cast<std::uint32_t>(prog_fd), .map_fd = static_cast<std::uint32_t>(map_fd)};
  EBPF_TRY_VOID(bpf(Cmd::prog_bind_map, attr, "bind map to program"));
  return {};
}

Result<std::uint32_t> obj_get_info_by_fd(int fd, void* info, std::uint32_t size) {
  InfoByFdAttr attr{.bpf_fd = static_cast<std::uint32_t>(fd), .info_len = size, .info = info};
  EBPF_TRY_VOID(bpf(Cmd::obj_get_info_by_fd, attr, "get object info"));
  return attr.info_len;
}

Result<std::uint32_t> get_next_id(ObjectKind kind, std::uint32_t start_id) {
  GetIdAttr attr{.id = start_id};
  Cmd cmd = Cmd::prog_get_next_id;
  switch (kind) {
    case ObjectKind::program: cmd = Cmd::prog_get_next_id; break;
    case ObjectKind::map: cmd = Cmd::map_get_next_id; break;
    case ObjectKind::btf: cmd = Cmd::btf_get_next_id; break;
    case ObjectKind::link: cmd = Cmd::link_get_next_id; break;
  }
  long r;
  do {
    r = raw(cmd, &attr, sizeof attr);
  } while (r == -EINTR);
  if (r == -ENOENT) return unexpected(Error(errc::not_found, ENOENT, "get next id: no more objects"));
  if (r < 0) return unexpected(Error::from_errno(static_cast<int>(-r), "get next id"));
  return attr.next_id;
}

Result<Fd> get_fd_by_id(ObjectKind kind, std::uint32_t id, std::uint32_t open_flags) {
  GetIdAttr attr{.id = id, .open_flags = open_flags};
  switch (kind) {
    case ObjectKind::program: return bpf_fd(Cmd::prog_get_fd_by_id, attr, "get program fd by id");
    case ObjectKind::map: return bpf_fd(Cmd::map_get_fd_by_id, attr, "get map fd by id");
    case ObjectKind::btf: return bpf_fd(Cmd::btf_get_fd_by_id, attr, "get BTF fd by id");
    case ObjectKind::link: return bpf_fd(Cmd::link_get_fd_by_id, attr, "get link fd by id");
  }
  return unexpected(Error(errc::invalid_argument, EINVAL, "get fd by id: unknown object kind"));
}

// ---- names ----

namespace {
bool probe_name(const char* name) {
  MapCreateAttr attr{.map_type = 2 /* array */, .key_size = 4, .value_size = 4, .max_entries = 1};
  std::strncpy(attr.map_name, name, kObjNameLen - 1);
  auto fd = map_create(attr);
  return fd.has_value();
}

bool valid_name_char(char c, bool allow_dot) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         (allow_dot && c == '.');
}
}  // namespace

bool object_names_allow_dot() {
  // Function-local static: thread-safe, probed once per process.
  static const bool allowed = probe_name(".test");
  return allowed;
}

std::string sanitize_name(std::string_view name, char replacement) {
  const bool dot = object_names_allow_dot();
  std::string out(name);
  for (char& c : out)
    if (!valid_name_char(c, dot)) c = replacement;
  return out;
}

std::string_view ObjName::view() const noexcept { return {bytes, ::strnlen(bytes, kObjNameLen)}; }

ObjName object_name(std::string_view name) {
  ObjName out;
  const bool dot = name.find('.') != std::string_view::npos && object_names_allow_dot();
  const std::size_t n = std::min(name.size(), kObjNameLen - 1);
  for (std::size_t i = 0; i < n; ++i) out.bytes[i] = valid_name_char(name[i], dot) ? name[i] : '_';
  return out;
}

}  // namespace ebpf::sys

namespace ebpf::sys {
Result<void> remove_pin(const char* path) {
  if (::unlink(path) != 0) return unexpected(Error::from_errno(errno, "remove pin"));
  return {};
}
}  // namespace ebpf::sys
