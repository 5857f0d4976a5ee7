// BPF iterators (BPF_TRACE_ITER programs, "iter/<target>" sections): an Iter is the link; open() makes a
// readable stream of what the program prints with bpf_seq_printf / bpf_seq_write, one full walk per open.
//
//   auto it = ebpf::link::Iter::attach(prog);                     // iter/task
//   auto text = it->read_all();                                    // the program's output to EOF
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "ebpf/error.hpp"
#include "ebpf/link/link.hpp"

namespace ebpf {
class Map;
}

namespace ebpf::link {

struct IterOptions {
  const Map* map = nullptr;  // map iterators (bpf_map_elem, bpf_sk_storage_map, sockmap): the map to walk
  int cgroup_fd = -1;        // cgroup iterators: the cgroup to start at
  std::uint32_t cgroup_order = 0;  // enum bpf_cgroup_iter_order
  std::uint32_t tid = 0;     // task iterators: only this thread (Linux 6.1), or
  std::uint32_t pid = 0;     // only this process's threads
};

// One walk of an iterator: read() until it returns 0.
class IterStream {
 public:
  explicit IterStream(sys::Fd fd) noexcept : fd_(std::move(fd)) {}
  // Up to buf.size() bytes; 0 at the end. EAGAIN-free: the kernel produces as it is read.
  Result<std::size_t> read(std::span<std::byte> buf);
  // Everything to EOF.
  Result<std::string> read_all();
  [[nodiscard]] int fd() const noexcept { return fd_.get(); }

 private:
  sys::Fd fd_;
};

class Iter {
 public:
  // BPF_LINK_CREATE with BPF_TRACE_ITER (Linux 5.8; map iterators 5.9, task filters 6.1).
  static Result<Iter> attach(const Program& program, const IterOptions& options = {});

  // A new walk (BPF_ITER_CREATE).
  Result<IterStream> open() const;
  // open() and read to EOF.
  Result<std::string> read_all() const;

  [[nodiscard]] Link& link() noexcept { return link_; }
  [[nodiscard]] const Link& link() const noexcept { return link_; }
  // Gives up the iterator as a plain Link (e.g. to pin it: reading the pin walks it too).
  [[nodiscard]] Link release() noexcept { return std::move(link_); }

 private:
  explicit Iter(Link l) noexcept : link_(std::move(l)) {}
  Link link_;
};

// Iter::attach as a Link (what auto-attach returns for iter/ sections).
Result<Link> attach_iter(const Program& program, const IterOptions& options = {});

}  // namespace ebpf::link
