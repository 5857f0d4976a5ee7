// The bpf() syscall's attribute and info structs, defined by the project so that ebpfpp does not depend on
// the host's (often older) <linux/bpf.h>. Layouts follow the kernel UAPI of Linux 6.18; each struct ends
// at the last field ebpfpp uses, and is passed with its own size (the kernel zero-extends shorter attrs
// and refuses non-zero bytes it does not know).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ebpf::sys {

inline constexpr std::size_t kObjNameLen = 16;

enum class Cmd : int {
  map_create = 0,
  map_lookup_elem = 1,
  map_update_elem = 2,
  map_delete_elem = 3,
  map_get_next_key = 4,
  prog_load = 5,
  obj_pin = 6,
  obj_get = 7,
  prog_attach = 8,
  prog_detach = 9,
  prog_test_run = 10,
  prog_get_next_id = 11,
  map_get_next_id = 12,
  prog_get_fd_by_id = 13,
  map_get_fd_by_id = 14,
  obj_get_info_by_fd = 15,
  prog_query = 16,
  raw_tracepoint_open = 17,
  btf_load = 18,
  btf_get_fd_by_id = 19,
  task_fd_query = 20,
  map_lookup_and_delete_elem = 21,
  map_freeze = 22,
  btf_get_next_id = 23,
  map_lookup_batch = 24,
  map_lookup_and_delete_batch = 25,
  map_update_batch = 26,
  map_delete_batch = 27,
  link_create = 28,
  link_update = 29,
  link_get_fd_by_id = 30,
  link_get_next_id = 31,
  enable_stats = 32,
  iter_create = 33,
  link_detach = 34,
  prog_bind_map = 35,
  token_create = 36,
};

// Name of a command for error messages ("BPF_MAP_CREATE").
const char* to_string(Cmd cmd) noexcept;

// A user-space pointer as the kernel ABI wants it: 64 bits regardless of the host.
struct alignas(8) Ptr {
  std::uint64_t value = 0;
  constexpr Ptr() noexcept = default;
  Ptr(const void* p) noexcept : value(reinterpret_cast<std::uintptr_t>(p)) {}  // NOLINT: implicit by design
};
static_assert(sizeof(Ptr) == 8);

struct MapCreateAttr {
  std::uint32_t map_type = 0;
  std::uint32_t key_size = 0;
  std::uint32_t value_size = 0;
  std::uint32_t max_entries = 0;
  std::uint32_t map_flags = 0;
  std::uint32_t inner_map_fd = 0;
  std::uint32_t numa_node = 0;
  char map_name[kObjNameLen] = {};
  std::uint32_t map_ifindex = 0;
  std::uint32_t btf_fd = 0;
  std::uint32_t btf_key_type_id = 0;
  std::uint32_t btf_value_type_id = 0;
  std::uint32_t btf_vmlinux_value_type_id = 0;
  std::uint64_t map_extra = 0;
  std::int32_t value_type_btf_obj_fd = 0;
  std::int32_t map_token_fd = 0;
};
static_assert(offsetof(MapCreateAttr, map_extra) == 64 && sizeof(MapCreateAttr) == 80);

struct MapElemAttr {
  std::uint32_t map_fd = 0;
  std::uint32_t pad0 = 0;
  Ptr key;
  Ptr value;  // or next_key
  std::uint64_t flags = 0;
};
static_assert(sizeof(MapElemAttr) == 32);

struct MapBatchAttr {
  Ptr in_batch;
  Ptr out_batch;
  Ptr keys;
  Ptr values;
  std::uint32_t count = 0;
  std::uint32_t map_fd = 0;
  std::uint64_t elem_flags = 0;
  std::uint64_t flags = 0;
};
static_assert(sizeof(MapBatchAttr) == 56);

struct ProgLoadAttr {
  std::uint32_t prog_type = 0;
  std::uint32_t insn_cnt = 0;
  Ptr insns;
  Ptr license;
  std::uint32_t log_level = 0;
  std::uint32_t log_size = 0;
  Ptr log_buf;
  std::uint32_t kern_version = 0;
  std::uint32_t prog_flags = 0;
  char prog_name[kObjNameLen] = {};
  std::uint32_t prog_ifindex = 0;
  std::uint32_t expected_attach_type = 0;
  std::uint32_t prog_btf_fd = 0;
  std::uint32_t func_info_rec_size = 0;
  Ptr func_info;
  std::uint32_t func_info_cnt = 0;
  std::uint32_t line_info_rec_size = 0;
  Ptr line_info;
  std::uint32_t line_info_cnt = 0;
  std::uint32_t attach_btf_id = 0;
  std::uint32_t attach_prog_fd = 0;  // or attach_btf_obj_fd
  std::uint32_t core_relo_cnt = 0;
  Ptr fd_array;
  Ptr core_relos;
  std::uint32_t core_relo_rec_size = 0;
  std::uint32_t log_true_size = 0;  // out: the size the whole log needs (5.2+... 6.4+)
  std::int32_t prog_token_fd = 0;
  std::uint32_t fd_array_cnt = 0;
};
static_assert(offsetof(ProgLoadAttr, log_true_size) == 140 && sizeof(ProgLoadAttr) == 152);

struct ObjPinAttr {
  Ptr pathname;
  std::uint32_t bpf_fd = 0;
  std::uint32_t file_flags = 0;
  std::int32_t path_fd = 0;
  std::uint32_t pad0 = 0;
};
static_assert(sizeof(ObjPinAttr) == 24);

struct ProgAttachAttr {
  std::uint32_t target_fd = 0;  // or target_ifindex
  std::uint32_t attach_bpf_fd = 0;
  std::uint32_t attach_type = 0;
  std::uint32_t attach_flags = 0;
  std::uint32_t replace_bpf_fd = 0;
  std::uint32_t relative_fd = 0;  // or relative_id
  std::uint64_t expected_revision = 0;
};
static_assert(sizeof(ProgAttachAttr) == 32);

struct ProgTestRunAttr {
  std::uint32_t prog_fd = 0;
  std::uint32_t retval = 0;
  std::uint32_t data_size_in = 0;
  std::uint32_t data_size_out = 0;
  Ptr data_in;
  Ptr data_out;
  std::uint32_t repeat = 0;
  std::uint32_t duration = 0;
  std::uint32_t ctx_size_in = 0;
  std::uint32_t ctx_size_out = 0;
  Ptr ctx_in;
  Ptr ctx_out;
  std::uint32_t flags = 0;
  std::uint32_t cpu = 0;
  std::uint32_t batch_size = 0;
  std::uint32_t pad0 = 0;
};
static_assert(sizeof(ProgTestRunAttr) == 80);

struct GetIdAttr {
  std::uint32_t id = 0;  // start_id, prog_id, map_id, btf_id or link_id
  std::uint32_t next_id = 0;
  std::uint32_t open_flags = 0;
  std::uint32_t fd_by_id_token_fd = 0;
};
static_assert(sizeof(GetIdAttr) == 16);

struct InfoByFdAttr {
  std::uint32_t bpf_fd = 0;
  std::uint32_t info_len = 0;
  Ptr info;
};
static_assert(sizeof(InfoByFdAttr) == 16);

struct ProgQueryAttr {
  std::uint32_t target_fd = 0;  // or target_ifindex
  std::uint32_t attach_type = 0;
  std::uint32_t query_flags = 0;
  std::uint32_t attach_flags = 0;
  Ptr prog_ids;
  std::uint32_t prog_cnt = 0;  // or count
  std::uint32_t pad0 = 0;
  Ptr prog_attach_flags;
  Ptr link_ids;
  Ptr link_attach_flags;
  std::uint64_t revision = 0;
};
static_assert(sizeof(ProgQueryAttr) == 64);

struct RawTracepointOpenAttr {
  Ptr name;
  std::uint32_t prog_fd = 0;
  std::uint32_t pad0 = 0;
  std::uint64_t cookie = 0;
};

struct BtfLoadAttr {
  Ptr btf;
  Ptr btf_log_buf;
  std::uint32_t btf_size = 0;
  std::uint32_t btf_log_size = 0;
  std::uint32_t btf_log_level = 0;
  std::uint32_t btf_log_true_size = 0;
  std::uint32_t btf_flags = 0;
  std::int32_t btf_token_fd = 0;
};
static_assert(sizeof(BtfLoadAttr) == 40);

struct MapFreezeAttr {
  std::uint32_t map_fd = 0;
};

struct EnableStatsAttr {
  std::uint32_t type = 0;
};

struct IterCreateAttr {
  std::uint32_t link_fd = 0;
  std::uint32_t flags = 0;
};

struct LinkDetachAttr {
  std::uint32_t link_fd = 0;
};

struct ProgBindMapAttr {
  std::uint32_t prog_fd = 0;
  std::uint32_t map_fd = 0;
  std::uint32_t flags = 0;
};

// The generic head of BPF_LINK_CREATE; per-link-type tails are appended by link code as a byte union.
struct LinkCreateAttr {
  std::uint32_t prog_fd = 0;  // or map_fd
  std::uint32_t target_fd = 0;  // or target_ifindex
  std::uint32_t attach_type = 0;
  std::uint32_t flags = 0;
  // Type-specific part (target_btf_id, perf_event, kprobe_multi, tracing, netfilter, tcx, uprobe_multi, ...).
  std::uint64_t tail[6] = {};
};
static_assert(sizeof(LinkCreateAttr) == 64);

struct LinkUpdateAttr {
  std::uint32_t link_fd = 0;
  std::uint32_t new_prog_fd = 0;  // or new_map_fd
  std::uint32_t flags = 0;
  std::uint32_t old_prog_fd = 0;  // or old_map_fd
};

// struct bpf_prog_info (fields up to attach_btf_id).
struct ProgInfo {
  std::uint32_t type = 0;
  std::uint32_t id = 0;
  std::uint8_t tag[8] = {};
  std::uint32_t jited_prog_len = 0;
  std::uint32_t xlated_prog_len = 0;
  Ptr jited_prog_insns;
  Ptr xlated_prog_insns;
  std::uint64_t load_time = 0;
  std::uint32_t created_by_uid = 0;
  std::uint32_t nr_map_ids = 0;
  Ptr map_ids;
  char name[kObjNameLen] = {};
  std::uint32_t ifindex = 0;
  std::uint32_t gpl_compatible = 0;  // bit 0
  std::uint64_t netns_dev = 0;
  std::uint64_t netns_ino = 0;
  std::uint32_t nr_jited_ksyms = 0;
  std::uint32_t nr_jited_func_lens = 0;
  Ptr jited_ksyms;
  Ptr jited_func_lens;
  std::uint32_t btf_id = 0;
  std::uint32_t func_info_rec_size = 0;
  Ptr func_info;
  std::uint32_t nr_func_info = 0;
  std::uint32_t nr_line_info = 0;
  Ptr line_info;
  Ptr jited_line_info;
  std::uint32_t nr_jited_line_info = 0;
  std::uint32_t line_info_rec_size = 0;
  std::uint32_t jited_line_info_rec_size = 0;
  std::uint32_t nr_prog_tags = 0;
  Ptr prog_tags;
  std::uint64_t run_time_ns = 0;
  std::uint64_t run_cnt = 0;
  std::uint64_t recursion_misses = 0;
  std::uint32_t verified_insns = 0;
  std::uint32_t attach_btf_obj_id = 0;
  std::uint32_t attach_btf_id = 0;
  std::uint32_t pad0 = 0;
};
static_assert(offsetof(ProgInfo, btf_id) == 128 && offsetof(ProgInfo, run_time_ns) == 192 && sizeof(ProgInfo) == 232);

// struct bpf_map_info.
struct MapInfo {
  std::uint32_t type = 0;
  std::uint32_t id = 0;
  std::uint32_t key_size = 0;
  std::uint32_t value_size = 0;
  std::uint32_t max_entries = 0;
  std::uint32_t map_flags = 0;
  char name[kObjNameLen] = {};
  std::uint32_t ifindex = 0;
  std::uint32_t btf_vmlinux_value_type_id = 0;
  std::uint64_t netns_dev = 0;
  std::uint64_t netns_ino = 0;
  std::uint32_t btf_id = 0;
  std::uint32_t btf_key_type_id = 0;
  std::uint32_t btf_value_type_id = 0;
  std::uint32_t btf_vmlinux_id = 0;
  std::uint64_t map_extra = 0;
};
static_assert(sizeof(MapInfo) == 88);

// struct bpf_btf_info.
struct BtfInfo {
  Ptr btf;
  std::uint32_t btf_size = 0;
  std::uint32_t id = 0;
  Ptr name;
  std::uint32_t name_len = 0;
  std::uint32_t kernel_btf = 0;
};
static_assert(sizeof(BtfInfo) == 32);

// struct bpf_link_info: head only; the per-type union follows as raw bytes.
struct LinkInfo {
  std::uint32_t type = 0;
  std::uint32_t id = 0;
  std::uint32_t prog_id = 0;
  std::uint32_t pad0 = 0;
  std::uint64_t tail[8] = {};
};

}  // namespace ebpf::sys
