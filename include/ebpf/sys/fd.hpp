// RAII owner of a file descriptor. Move-only; duplication is explicit (dup()).
#pragma once

#include <utility>

#include "ebpf/error.hpp"

namespace ebpf::sys {

class Fd {
 public:
  constexpr Fd() noexcept = default;
  // Takes ownership of fd (must be >= 0 or -1 for "none").
  constexpr explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  constexpr Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) close_owned();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  // Moved-from and empty owners (most of those destroyed) cost no call.
  ~Fd() {
    if (fd_ >= 0) close_owned();
  }

  [[nodiscard]] constexpr int get() const noexcept { return fd_; }
  [[nodiscard]] constexpr bool valid() const noexcept { return fd_ >= 0; }
  constexpr explicit operator bool() const noexcept { return valid(); }

  // Gives up ownership.
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }
  // Closes the current fd (if any) and takes fd.
  void reset(int fd = -1) noexcept;

  // A new descriptor for the same file, close-on-exec (F_DUPFD_CLOEXEC).
  [[nodiscard]] Result<Fd> dup() const;

 private:
  void close_owned() noexcept;  // closes fd_ (>= 0)

  int fd_ = -1;
};

}  // namespace ebpf::sys
