// btf::Handle: BTF loaded into the kernel (BPF_BTF_LOAD), or a kernel BTF object opened by id.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "ebpf/btf/btf.hpp"
#include "ebpf/error.hpp"
#include "ebpf/sys/fd.hpp"

namespace ebpf::btf {

struct HandleInfo {
  std::uint32_t id = 0;
  std::uint32_t size = 0;  // bytes of the BTF blob
  std::string name;        // "vmlinux", a module name, or empty for user BTF
  bool kernel_btf = false;
};

class Handle {
 public:
  Handle() = default;

  // Loads a blob (as Builder::marshal makes). On failure the load is retried with a log buffer and the error
  // carries the kernel's log (Error::verifier_log()). Requires Linux 4.18.
  static Result<Handle> load(std::span<const std::byte> blob);
  // Opens the kernel BTF object with `id` (BPF_BTF_GET_FD_BY_ID). Requires Linux 4.18.
  static Result<Handle> from_id(std::uint32_t id);

  // BPF_OBJ_GET_INFO_BY_FD; the name and kernel_btf fields need Linux 5.11.
  [[nodiscard]] Result<HandleInfo> info() const;
  // The object's BTF blob read back from the kernel and parsed (split on kernel() for module BTF).
  [[nodiscard]] Result<Spec> spec() const;

  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  [[nodiscard]] bool valid() const noexcept { return fd_.get() >= 0; }
  [[nodiscard]] Result<Handle> clone() const;

 private:
  explicit Handle(sys::Fd fd) : fd_(std::move(fd)) {}
  sys::Fd fd_;
};

// Id of the next kernel BTF object after `start_id` (0 for the first); errc::not_found at the end.
// Requires Linux 5.4.
Result<std::uint32_t> next_id(std::uint32_t start_id);

}  // namespace ebpf::btf
