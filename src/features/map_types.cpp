// Map types: each decided by creating the smallest map of the type.
#include <unistd.h>

#include <array>
#include <string>

#include "probe.hpp"

namespace ebpf::features {

namespace detail {

int try_create_map(sys::MapCreateAttr attr) {
  auto fd = sys::map_create(attr);  // closed at once
  return fd ? 0 : fd.error().sys_errno();
}

}  // namespace detail

using namespace detail;

namespace {

constexpr std::uint32_t t(MapType m) { return static_cast<std::uint32_t>(m); }

// Attributes of the smallest valid map of `type`. Sets *extra_ok to an errno that also means "supported".
sys::MapCreateAttr smallest_map(MapType type, int* extra_ok) {
  sys::MapCreateAttr a{.map_type = t(type), .key_size = 4, .value_size = 4, .max_entries = 1};
  switch (type) {
    case MapType::lpm_trie:
      a.key_size = 8;  // prefix length + at least one byte of data
      a.map_flags = map_flags::no_prealloc;
      break;
    case MapType::stack_trace: a.value_size = 8; break;  // one u64 frame
    case MapType::cgroup_storage:
    case MapType::percpu_cgroup_storage:
      a.key_size = 16;  // struct bpf_cgroup_storage_key
      a.value_size = 8;
      a.max_entries = 0;
      break;
    case MapType::queue:
    case MapType::stack:
    case MapType::bloom_filter: a.key_size = 0; break;
    case MapType::sk_storage:
    case MapType::inode_storage:
    case MapType::task_storage:
    case MapType::cgrp_storage:
      a.max_entries = 0;
      a.map_flags = map_flags::no_prealloc;
      break;  // BTF key/value types added by the caller
    case MapType::ringbuf:
    case MapType::user_ringbuf:
      a.key_size = 0;
      a.value_size = 0;
      a.max_entries = static_cast<std::uint32_t>(::sysconf(_SC_PAGESIZE));
      break;
    case MapType::arena:
      a.key_size = 0;
      a.value_size = 0;
      a.map_flags = map_flags::mmapable;
      break;
    case MapType::struct_ops:
      // A kernel with struct_ops maps looks the value type up in vmlinux BTF and finds that id 1 is not a
      // struct_ops type: ENOTSUPP means the map type exists (as libbpf decides it).
      a.btf_vmlinux_value_type_id = 1;
      *extra_ok = kENOTSUPP;
      break;
    default: break;
  }
  return a;
}

bool needs_btf(MapType type) {
  return type == MapType::sk_storage || type == MapType::inode_storage || type == MapType::task_storage ||
         type == MapType::cgrp_storage;
}

std::string type_context(MapType type) {
  std::string s = "map type ";
  s += to_string(type);
  return s;
}

}  // namespace

namespace uncached {

Support map_type(MapType type) {
  if (type == MapType::unspec) return no();
  int extra_ok = 0;
  sys::MapCreateAttr attr = smallest_map(type, &extra_ok);
  sys::Fd btf, inner;
  if (needs_btf(type)) {
    int err = 0;
    btf = load_int_btf(&err);
    if (!btf.valid()) {
      // Local storage maps need BTF: without BTF_LOAD they do not exist either.
      if (err == EINVAL || err == E2BIG) return no();
      return cannot_tell(err, type_context(type) + ": load BTF");
    }
    attr.btf_fd = static_cast<std::uint32_t>(btf.get());
    attr.btf_key_type_id = 1;
    attr.btf_value_type_id = 1;
  }
  if (can_store_map(type)) {
    sys::MapCreateAttr ia{.map_type = t(MapType::array), .key_size = 4, .value_size = 4, .max_entries = 1};
    auto fd = sys::map_create(ia);
    if (!fd) return cannot_tell(fd.error().sys_errno(), type_context(type) + ": create inner map");
    inner = std::move(*fd);
    attr.inner_map_fd = static_cast<std::uint32_t>(inner.get());
  }
  const int err = try_create_map(attr);
  if (err == 0 || (extra_ok != 0 && err == extra_ok)) return yes();
  // EINVAL: the kernel does not know the type (or, for struct_ops, has no BTF to look the value up in).
  // EOPNOTSUPP/ENOTSUPP: the type exists but is configured out or the JIT cannot back it (arena).
  if (err == EINVAL || err == EOPNOTSUPP || err == kENOTSUPP) return no();
  if (err == EPERM || err == EACCES) {
    // Refused for lack of a privilege, or refused outright? A caller that may create a plain array (which
    // needs the same CAP_BPF on kernels that disable unprivileged bpf) and still gets EPERM for this type
    // and holds every capability bpf() asks for meets a kernel that will not create it for anyone, as some
    // VMs do with arena maps.
    const int control = try_create_map(
        sys::MapCreateAttr{.map_type = t(MapType::array), .key_size = 4, .value_size = 4, .max_entries = 1});
    if (control == 0 && has_all_bpf_capabilities()) return no();
    return cannot_tell(err, type_context(type));
  }
  return cannot_tell(err, type_context(type));
}

}  // namespace uncached

namespace {
struct MapCache {
  std::mutex mutex;
  std::array<Answer, 64> types;
};
MapCache& map_cache() {
  static MapCache c;
  return c;
}
}  // namespace

Support have_map_type(MapType type) {
  auto& c = map_cache();
  const auto i = static_cast<std::uint32_t>(type);
  if (i >= c.types.size()) return uncached::map_type(type);
  return cached(c.types[i], c.mutex, [&] { return uncached::map_type(type); });
}

}  // namespace ebpf::features
