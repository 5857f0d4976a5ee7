// Loading BTF into the kernel, kernel BTF objects by id, and the BTF features the kernel has (from ebpf::features).
#include "ebpf/btf/handle.hpp"

#include <vector>

#include "btf/impl.hpp"
#include "ebpf/btf/builder.hpp"
#include "ebpf/features/features.hpp"
#include "ebpf/sys/bpf.hpp"

namespace ebpf::btf {

Result<Handle> Handle::load(std::span<const std::byte> blob) {
  if (blob.size() > 0xffffffffull) return fail(errc::invalid_argument, "load btf: blob too large");
  sys::BtfLoadAttr attr{.btf = blob.data(), .btf_size = static_cast<std::uint32_t>(blob.size())};
  auto r = sys::btf_load(attr);
  if (r) return Handle(std::move(*r));
  Error first = r.error();
  // Retry with a log buffer, growing it while the kernel says it is too small.
  std::vector<char> log(std::size_t{64} << 10);
  for (int attempt = 0; attempt < 6; ++attempt) {
    sys::BtfLoadAttr la{.btf = blob.data(), .btf_log_buf = log.data(), .btf_size = static_cast<std::uint32_t>(blob.size()),
                        .btf_log_size = static_cast<std::uint32_t>(log.size()), .btf_log_level = 1};
    auto r2 = sys::btf_load(la);
    if (r2) return Handle(std::move(*r2));  // succeeded the second time (transient failure)
    if (r2.error().sys_errno() == ENOSPC && log.size() < (std::size_t{16} << 20)) {
      log.resize(log.size() * 4);
      continue;
    }
    std::string text(log.data(), strnlen(log.data(), log.size()));
    Error e = r2.error().with_context("load btf");
    return unexpected(std::move(e).with_verifier_log(std::move(text)));
  }
  return unexpected(first.with_context("load btf"));
}

Result<Handle> Handle::from_id(std::uint32_t id) {
  EBPF_TRY_CTX(sys::Fd fd, sys::get_fd_by_id(sys::ObjectKind::btf, id), "btf id " + std::to_string(id));
  return Handle(std::move(fd));
}

Result<Handle> Handle::clone() const {
  EBPF_TRY(sys::Fd fd, fd_.dup());
  return Handle(std::move(fd));
}

Result<HandleInfo> Handle::info() const {
  char name[64] = {};
  sys::BtfInfo bi{.name = name, .name_len = sizeof name};
  EBPF_TRY_CTX(std::uint32_t n, sys::obj_get_info_by_fd(fd_.get(), &bi, sizeof bi), "btf info");
  (void)n;
  HandleInfo out;
  out.id = bi.id;
  out.size = bi.btf_size;
  out.name.assign(name, strnlen(name, sizeof name));
  out.kernel_btf = bi.kernel_btf != 0;
  return out;
}

Result<Spec> Handle::spec() const {
  EBPF_TRY(HandleInfo hi, info());
  std::vector<std::byte> blob(hi.size);
  char name[64] = {};
  sys::BtfInfo bi{.btf = blob.data(), .btf_size = hi.size, .name = name, .name_len = sizeof name};
  EBPF_TRY_CTX(std::uint32_t n, sys::obj_get_info_by_fd(fd_.get(), &bi, sizeof bi), "btf info");
  (void)n;
  if (bi.btf_size > blob.size()) return fail(errc::malformed, "btf info: blob grew while reading it");
  blob.resize(bi.btf_size);
  if (hi.kernel_btf && hi.name != "vmlinux") {
    EBPF_TRY(Spec base, kernel());
    return Spec::parse(std::move(blob), &base);
  }
  return Spec::parse(std::move(blob));
}

Result<std::uint32_t> next_id(std::uint32_t start_id) { return sys::get_next_id(sys::ObjectKind::btf, start_id); }

// ---- Feature probes ----

namespace {
// A BTF kind counts as missing unless the probe says the kernel has it ("could not tell" included: the blob is
// then sanitised, which every kernel accepts).
bool has(features::Feature f) {
  auto r = features::have_bpf_feature(f);
  return r && *r;
}
}  // namespace

Features probe_features() {
  using features::Feature;
  Features f;
  f.func = has(Feature::btf_func);
  f.func_linkage = f.func && has(Feature::btf_func_global);
  f.datasec = has(Feature::btf_datasec);
  f.float_ = has(Feature::btf_float);
  f.decl_tag = has(Feature::btf_decl_tag);
  f.type_tag = has(Feature::btf_type_tag);
  f.enum64 = has(Feature::btf_enum64);
  return f;
}

const Features& kernel_features() {
  static const Features cached = probe_features();
  return cached;
}

}  // namespace ebpf::btf
