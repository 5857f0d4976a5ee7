// Kernel features the loader needs: names, cache, and the probes that are not BTF blobs.
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <vector>

#include "probe.hpp"

namespace ebpf::features {

namespace detail {

Support probe_btf_feature(Feature f);
Support probe_func_line_info(Feature f);

namespace {
bool has_effective_capability(unsigned cap) {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &hdr, data) != 0) return false;
  return (data[cap / 32].effective & (1u << (cap % 32))) != 0;
}
constexpr unsigned kCapBpf = 39;  // CAP_BPF, newer than some <linux/capability.h>
}  // namespace

bool has_all_bpf_capabilities() { return has_effective_capability(CAP_SYS_ADMIN); }

bool has_bpf_capability() { return has_effective_capability(kCapBpf) || has_effective_capability(CAP_SYS_ADMIN); }

}  // namespace detail

using namespace detail;

namespace {

struct FeatureInfo {
  std::string_view name;
  std::string_view min_kernel;
};

constexpr std::array<FeatureInfo, kFeatureCount> kFeatures = {{
    {"btf", "4.18"},
    {"btf_func", "5.0"},
    {"btf_func_global", "5.6"},
    {"btf_datasec", "5.2"},
    {"btf_float", "5.13"},
    {"btf_decl_tag", "5.16"},
    {"btf_type_tag", "5.17"},
    {"btf_enum64", "6.0"},
    {"btf_func_info", "5.0"},
    {"btf_line_info", "5.0"},
    {"object_name", "4.15"},
    {"object_name_dot", "5.2"},
    {"global_data", "5.2"},
    {"bpf_to_bpf_calls", "4.16"},
    {"log_true_size", "6.4"},
    {"large_insn_limit", "5.2"},
    {"bounded_loops", "5.3"},
    {"v2_isa", "4.14"},
    {"v3_isa", "5.1"},
    {"v4_isa", "6.6"},
    {"mmapable_maps", "5.5"},
    {"map_mutability", "5.2"},
    {"inner_map_flag", "5.10"},
    {"no_prealloc", "4.6"},
    {"nested_maps", "4.12"},
    {"batch_api", "5.6"},
    {"ringbuf_mmap", "5.8"},
    {"arena", "6.9"},
    {"perf_link", "5.15"},
    {"kprobe_multi_link", "5.18 with CONFIG_FPROBE"},
    {"uprobe_multi_link", "6.6 with CONFIG_UPROBES"},
    {"tcx_link", "6.6"},
    {"netkit_link", "6.7 with CONFIG_NETKIT"},
    {"token", "6.9"},
    {"kprobe_events", "CONFIG_KPROBE_EVENTS"},
    {"uprobe_events", "CONFIG_UPROBE_EVENTS"},
}};

constexpr sys::MapCreateAttr kArray{.map_type = 2, .key_size = 4, .value_size = 4, .max_entries = 1};

// A map-create probe: EINVAL means the kernel refuses the attribute it tests.
Support map_answer(int err, Feature f) {
  if (err == 0) return yes();
  if (err == EINVAL || err == E2BIG) return no();
  return cannot_tell(err, to_string(f));
}

// A program-load probe on socket_filter: EINVAL/E2BIG means the kernel refuses what it tests.
Support load_answer(std::span<const RawInsn> insns, Feature f, std::span<char> log = {}) {
  LoadOutcome out = try_load(LoadSpec{}, insns, log);
  if (out.err == 0) return yes();
  if (out.err == EINVAL || out.err == E2BIG || out.err == EACCES) {
    // The verifier refusing the program. Unprivileged callers get a stricter verifier (no loops, no calls, ...):
    // only a refusal to a caller with CAP_BPF says the kernel lacks the feature.
    if (!has_bpf_capability()) return cannot_tell(out.err, to_string(f));
    return no();
  }
  return cannot_tell(out.err, to_string(f));
}

Support probe_named_map(const char* name, Feature f) {
  sys::MapCreateAttr a = kArray;
  std::strncpy(a.map_name, name, sizeof a.map_name - 1);
  return map_answer(try_create_map(a), f);
}

Support probe_global_data() {
  sys::MapCreateAttr a = kArray;
  auto map = sys::map_create(a);
  if (!map) return cannot_tell(map.error().sys_errno(), "global_data: create map");
  const RawInsn insns[] = {
      make_insn(0x18, 1, 2, 0, map->get()),  // r1 = &map value + 0 (ld_imm64, BPF_PSEUDO_MAP_VALUE)
      make_insn(0, 0, 0, 0, 0),
      make_insn(0x62, 1, 0, 0, 42),  // *(u32 *)(r1 + 0) = 42
      mov64_imm(0, 0),
      exit_insn(),
  };
  return load_answer(insns, Feature::global_data);
}

Support probe_log_true_size() {
  const RawInsn insns[] = {mov64_imm(0, 0), exit_insn()};
  std::array<char, 256> log{};
  LoadOutcome out = try_load(LoadSpec{}, insns, log);
  if (out.err != 0) return cannot_tell(out.err, "log_true_size");
  // Older kernels leave the output field as it was (zero).
  return out.log_true_size != 0;
}

Support probe_large_insn_limit() {
  // One more than the old 4096-instruction limit.
  std::vector<RawInsn> insns(4097, mov64_imm(0, 0));
  insns.back() = exit_insn();
  return load_answer(insns, Feature::large_insn_limit);
}

Support probe_nested_maps() {
  sys::MapCreateAttr ia = kArray;
  auto inner = sys::map_create(ia);
  if (!inner) return cannot_tell(inner.error().sys_errno(), "nested_maps: create inner map");
  sys::MapCreateAttr outer = kArray;
  outer.map_type = static_cast<std::uint32_t>(MapType::array_of_maps);
  outer.inner_map_fd = static_cast<std::uint32_t>(inner->get());
  return map_answer(try_create_map(outer), Feature::nested_maps);
}

Support probe_batch_api() {
  sys::MapCreateAttr a{.map_type = 1, .key_size = 4, .value_size = 4, .max_entries = 4};
  auto fd = sys::map_create(a);
  if (!fd) return cannot_tell(fd.error().sys_errno(), "batch_api: create map");
  std::uint32_t keys[2] = {1, 2}, values[2] = {3, 4};
  sys::MapBatchAttr b{.keys = keys, .values = values, .count = 2, .map_fd = static_cast<std::uint32_t>(fd->get())};
  const long rc = sys::raw(sys::Cmd::map_update_batch, &b, sizeof b);
  if (rc >= 0) return yes();
  if (rc == -EINVAL || rc == -ENOTSUP) return no();
  return cannot_tell(static_cast<int>(-rc), "batch_api");
}

Support probe_ringbuf_mmap() {
  const auto page = static_cast<std::uint32_t>(::sysconf(_SC_PAGESIZE));
  sys::MapCreateAttr ra{.map_type = static_cast<std::uint32_t>(MapType::ringbuf), .max_entries = page};
  auto fd = sys::map_create(ra);
  if (!fd) {
    if (fd.error().sys_errno() == EINVAL) return no();
    return cannot_tell(fd.error().sys_errno(), "ringbuf_mmap: create ring buffer");
  }
  void* p = ::mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd->get(), 0);
  if (p == MAP_FAILED) {
    const int e = errno;
    if (e == ENODEV || e == EINVAL) return no();
    return cannot_tell(e, "ringbuf_mmap");
  }
  ::munmap(p, page);
  return yes();
}

// Loads a program for a link probe; the answer when it cannot.
Result<sys::Fd> link_program(ProgramType type, AttachType expected, Feature f, Support* answer) {
  const RawInsn insns[] = {mov64_imm(0, 0), exit_insn()};
  sys::ProgLoadAttr attr{};
  LoadSpec spec = load_spec_for(type);
  spec.expected_attach_type = kernel_value(expected);
  static constexpr char kLicense[] = "GPL";
  attr.prog_type = static_cast<std::uint32_t>(spec.type);
  attr.insn_cnt = 2;
  attr.insns = insns;
  attr.license = kLicense;
  attr.kern_version = spec.kern_version;
  attr.expected_attach_type = spec.expected_attach_type;
  auto fd = sys::prog_load(attr);
  if (!fd) {
    const int e = fd.error().sys_errno();
    *answer = e == EINVAL ? no() : cannot_tell(e, to_string(f));
    return unexpected(std::move(fd).error());
  }
  return fd;
}

// Link create with a type-specific tail; 0 or the errno.
template <class Tail>
int try_link(int prog_fd, std::uint32_t target, AttachType attach, const Tail& tail) {
  static_assert(sizeof(Tail) <= sizeof(sys::LinkCreateAttr::tail));
  sys::LinkCreateAttr attr{.prog_fd = static_cast<std::uint32_t>(prog_fd), .target_fd = target,
                           .attach_type = kernel_value(attach)};
  std::memcpy(attr.tail, &tail, sizeof tail);
  auto fd = sys::bpf_fd(sys::Cmd::link_create, attr, "create link");  // detached at once
  return fd ? 0 : fd.error().sys_errno();
}

// Interprets a link probe: `reached` is the errno a kernel that supports the link gives for the deliberately
// bad target (the link code ran), EINVAL/EOPNOTSUPP are kernels without it.
Support link_answer(int err, int reached, Feature f) {
  if (err == 0 || err == reached) return yes();
  if (err == EINVAL || err == EOPNOTSUPP || err == kENOTSUPP) return no();
  return cannot_tell(err, to_string(f));
}

Support probe_perf_link() {
  Support answer = no();
  auto prog = link_program(ProgramType::tracepoint, AttachType::perf_event, Feature::perf_link, &answer);
  if (!prog) return answer;
  struct {
    std::uint64_t bpf_cookie = 0;
  } tail;
  // No perf event behind fd -1: a kernel with perf links gets as far as looking it up.
  return link_answer(try_link(prog->get(), ~0u, AttachType::perf_event, tail), EBADF, Feature::perf_link);
}

Support probe_kprobe_multi() {
  Support answer = no();
  auto prog = link_program(ProgramType::kprobe, AttachType::trace_kprobe_multi, Feature::kprobe_multi_link, &answer);
  if (!prog) return answer;
  static const char* const kSyms[] = {"vprintk"};
  struct {
    std::uint32_t flags = 0;
    std::uint32_t cnt = 1;
    sys::Ptr syms{kSyms};
    sys::Ptr addrs;
    sys::Ptr cookies;
  } tail;
  // ESRCH: fprobe support present, symbol missing: the link type exists.
  return link_answer(try_link(prog->get(), 0, AttachType::trace_kprobe_multi, tail), ESRCH,
                     Feature::kprobe_multi_link);
}

Support probe_uprobe_multi() {
  Support answer = no();
  auto prog = link_program(ProgramType::kprobe, AttachType::trace_uprobe_multi, Feature::uprobe_multi_link, &answer);
  if (!prog) return answer;
  static const std::uint64_t kOffsets[] = {0};
  struct {
    sys::Ptr path{"/"};
    sys::Ptr offsets{kOffsets};
    sys::Ptr ref_ctr_offsets;
    sys::Ptr cookies;
    std::uint32_t cnt = 1;
    std::uint32_t flags = 0;
    std::uint32_t pid = 0;
    std::uint32_t pad = 0;  // the kernel refuses non-zero bytes past the last field it knows
  } tail;
  // "/" is not a regular file: a kernel with uprobe multi links says EBADF.
  return link_answer(try_link(prog->get(), 0, AttachType::trace_uprobe_multi, tail), EBADF,
                     Feature::uprobe_multi_link);
}

Support probe_device_link(AttachType attach, Feature f) {
  Support answer = no();
  auto prog = link_program(ProgramType::sched_cls, attach, f, &answer);
  if (!prog) return answer;
  struct {
    std::uint32_t relative_fd = 0;
    std::uint32_t pad = 0;
    std::uint64_t expected_revision = 0;
  } tail;
  // No device has ifindex 0xffffffff: a kernel with the link type looks for it and says ENODEV.
  return link_answer(try_link(prog->get(), ~0u, attach, tail), ENODEV, f);
}

Support probe_token() {
  struct {
    std::uint32_t flags = 0;
    std::uint32_t bpffs_fd = ~0u;
  } attr;
  const long r = sys::raw(sys::Cmd::token_create, &attr, sizeof attr);
  if (r >= 0) {
    ::close(static_cast<int>(r));
    return yes();
  }
  // fd -1 is not a BPF file system: a kernel with tokens says EBADF.
  return link_answer(static_cast<int>(-r), EBADF, Feature::token);
}

bool exists(const char* path) {
  struct stat st{};
  return ::stat(path, &st) == 0;
}

// kprobe/uprobe through perf_event_open: the PMU (4.17+) or the tracefs control file.
Support probe_events(const char* pmu, const char* tracefs_file, Feature f) {
  std::string path = "/sys/bus/event_source/devices/";
  path += pmu;
  path += "/type";
  if (exists(path.c_str())) return yes();
  for (const char* dir : {"/sys/kernel/tracing/", "/sys/kernel/debug/tracing/"}) {
    std::string p = dir;
    p += tracefs_file;
    if (exists(p.c_str())) return yes();
  }
  // With sysfs there and no PMU, the kernel was built without them.
  if (exists("/sys/bus/event_source/devices")) return no();
  return cannot_tell(0, std::string(to_string(f)) + ": sysfs is not mounted");
}

struct FeatureCache {
  std::mutex mutex;
  std::array<Answer, kFeatureCount> answers;
};
FeatureCache& feature_cache() {
  static FeatureCache c;
  return c;
}

}  // namespace

std::string_view to_string(Feature f) noexcept {
  const auto i = static_cast<std::size_t>(f);
  return i < kFeatures.size() ? kFeatures[i].name : std::string_view("unknown");
}

std::string_view minimum_kernel(Feature f) noexcept {
  const auto i = static_cast<std::size_t>(f);
  return i < kFeatures.size() ? kFeatures[i].min_kernel : std::string_view();
}

namespace uncached {

Support bpf_feature(Feature f) {
  switch (f) {
    case Feature::btf:
    case Feature::btf_func:
    case Feature::btf_func_global:
    case Feature::btf_datasec:
    case Feature::btf_float:
    case Feature::btf_decl_tag:
    case Feature::btf_type_tag:
    case Feature::btf_enum64: return probe_btf_feature(f);
    case Feature::btf_func_info:
    case Feature::btf_line_info: return probe_func_line_info(f);
    case Feature::object_name: return probe_named_map("ebpfpp_probe", f);
    case Feature::object_name_dot: return probe_named_map(".probe", f);
    case Feature::global_data: return probe_global_data();
    case Feature::bpf_to_bpf_calls: {
      const RawInsn insns[] = {call_insn(1, 1), exit_insn(), mov64_imm(0, 0), exit_insn()};
      return load_answer(insns, f);
    }
    case Feature::log_true_size: return probe_log_true_size();
    case Feature::large_insn_limit: return probe_large_insn_limit();
    case Feature::bounded_loops: {
      const RawInsn insns[] = {mov64_imm(0, 10), make_insn(0x17, 0, 0, 0, 1), make_insn(0x55, 0, 0, -2, 0),
                               exit_insn()};
      return load_answer(insns, f);
    }
    case Feature::v2_isa: {
      const RawInsn insns[] = {mov64_imm(0, 0), make_insn(0xa5, 0, 0, 1, 0), mov64_imm(0, 1), exit_insn()};
      return load_answer(insns, f);
    }
    case Feature::v3_isa: {
      const RawInsn insns[] = {mov64_imm(0, 0), make_insn(0xa6, 0, 0, 1, 0), mov64_imm(0, 1), exit_insn()};
      return load_answer(insns, f);
    }
    case Feature::v4_isa: {
      // r0 = (s8)r0: a sign-extending move, new in cpuv4.
      const RawInsn insns[] = {mov64_imm(0, 0), make_insn(0xbf, 0, 0, 8, 0), exit_insn()};
      return load_answer(insns, f);
    }
    case Feature::mmapable_maps: {
      sys::MapCreateAttr a = kArray;
      a.map_flags = map_flags::mmapable;
      return map_answer(try_create_map(a), f);
    }
    case Feature::map_mutability: {
      sys::MapCreateAttr a = kArray;
      a.map_flags = map_flags::rdonly_prog;
      return map_answer(try_create_map(a), f);
    }
    case Feature::inner_map_flag: {
      sys::MapCreateAttr a = kArray;
      a.map_flags = map_flags::inner_map;
      return map_answer(try_create_map(a), f);
    }
    case Feature::no_prealloc: {
      sys::MapCreateAttr a = kArray;
      a.map_type = static_cast<std::uint32_t>(MapType::hash);
      a.map_flags = map_flags::no_prealloc;
      return map_answer(try_create_map(a), f);
    }
    case Feature::nested_maps: return probe_nested_maps();
    case Feature::batch_api: return probe_batch_api();
    case Feature::ringbuf_mmap: return probe_ringbuf_mmap();
    case Feature::arena: return have_map_type(MapType::arena);
    case Feature::perf_link: return probe_perf_link();
    case Feature::kprobe_multi_link: return probe_kprobe_multi();
    case Feature::uprobe_multi_link: return probe_uprobe_multi();
    case Feature::tcx_link: return probe_device_link(AttachType::tcx_ingress, f);
    case Feature::netkit_link: return probe_device_link(AttachType::netkit_primary, f);
    case Feature::token: return probe_token();
    case Feature::kprobe_events: return probe_events("kprobe", "kprobe_events", f);
    case Feature::uprobe_events: return probe_events("uprobe", "uprobe_events", f);
  }
  return cannot_tell(0, "unknown feature");
}

}  // namespace uncached

Support have_bpf_feature(Feature f) {
  auto& c = feature_cache();
  const auto i = static_cast<std::size_t>(f);
  if (i >= c.answers.size()) return uncached::bpf_feature(f);
  if (f == Feature::arena) return have_map_type(MapType::arena);  // cached there
  return cached(c.answers[i], c.mutex, [&] { return uncached::bpf_feature(f); });
}

Result<void> require(Feature f) {
  auto r = have_bpf_feature(f);
  if (!r) return unexpected(std::move(r).error());
  if (*r) return {};
  std::string msg(to_string(f));
  msg += " not supported by the kernel (requires ";
  const std::string_view min = minimum_kernel(f);
  if (min.starts_with("CONFIG_")) {
    msg += min;
  } else {
    msg += "Linux ";
    msg += min;
  }
  msg += ")";
  return fail(errc::not_supported, std::move(msg));
}

}  // namespace ebpf::features
