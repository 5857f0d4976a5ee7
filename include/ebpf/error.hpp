// Errors are values: every fallible call returns ebpf::Result<T>.
//
// An Error carries
//   * a library code (ebpf::errc) that callers test with is(),
//   * the errno the kernel returned, if any (is(std::errc::...) tests it),
//   * a message built from context as the error travels up ("program xdp: map counts: ...").
//
// Errors made on hot paths (a lookup miss, the end of an iteration) use a static message and
// allocate nothing. Context, dynamic messages and verifier logs live in a shared, immutable
// detail block that is only allocated on the cold path.
#pragma once

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "ebpf/detail/expected.hpp"

namespace ebpf {

struct VerifierReport;  // ebpf/verifier_report.hpp

// Library error codes. Codes that correspond to an errno also record that errno, so a key miss
// is both errc::key_not_exist and std::errc::no_such_file_or_directory (ENOENT).
enum class errc : std::uint8_t {
  ok = 0,
  sys,                 // a plain errno from the kernel or libc; see Error::sys_errno()
  key_not_exist,       // ENOENT from a map operation
  key_exist,           // EEXIST from a map update with BPF_NOEXIST
  not_supported,       // the running kernel lacks a feature (found by probing)
  map_incompatible,    // a map (pinned or replacement) differs from its spec
  iteration_aborted,   // map iteration restarted too often under concurrent deletes
  verifier_rejected,   // the verifier refused a program; see Error::verifier_log()
  bad_relocation,      // a relocation could not be applied (ELF or CO-RE)
  invalid_argument,    // the caller passed something unusable (sizes, names, ...)
  malformed,           // untrusted input (ELF, BTF, instructions) is not well formed
  not_found,           // a named object (map, program, type, variable) does not exist
  closed,              // the object's file descriptor was closed
  map_full,            // E2BIG from a map update
};

// Lower-case name of a library code, e.g. "key_not_exist".
std::string_view to_string(errc code) noexcept;

class Error {
 public:
  // A hot-path error: code, optional errno and a string literal. Never allocates.
  constexpr Error(errc code, int sys_errno, const char* static_message) noexcept
      : code_(code), errno_(sys_errno), static_message_(static_message) {}

  // An errno error with a static description of the failed operation, e.g. ("map lookup", ENOENT).
  // The library code is derived from errno where one applies to any call (ENOTSUPP etc.);
  // callers that know better (map operations) pass their own code through the other constructor.
  static Error from_errno(int sys_errno, const char* static_message) noexcept;

  // A cold-path error with a formatted message.
  static Error make(errc code, std::string message, int sys_errno = 0);

  // Prepend context: "map counts" + "key does not exist" -> "map counts: key does not exist".
  [[nodiscard]] Error with_context(std::string_view context) const&;
  [[nodiscard]] Error with_context(std::string_view context) &&;

  // Attach a verifier log (whole log kept; message() shows its tail).
  [[nodiscard]] Error with_verifier_log(std::string log) &&;
  // Attach the parsed form of the verifier log (kept through with_context; message() is unchanged).
  [[nodiscard]] Error with_verifier_report(std::shared_ptr<const VerifierReport> report) &&;

  [[nodiscard]] errc code() const noexcept { return code_; }
  [[nodiscard]] int sys_errno() const noexcept { return errno_; }
  [[nodiscard]] bool is(errc code) const noexcept { return code_ == code; }
  [[nodiscard]] bool is(std::errc e) const noexcept { return errno_ != 0 && errno_ == static_cast<int>(e); }

  // The full message including context, and for errno errors the strerror text.
  [[nodiscard]] std::string message() const;
  // Whole verifier log if one was attached, else empty.
  [[nodiscard]] std::string_view verifier_log() const noexcept;
  // The verifier's refusal explained at its source line (include ebpf/verifier_report.hpp); null if the error
  // is not a verifier refusal with a log.
  [[nodiscard]] const VerifierReport* verifier_report() const noexcept;

 private:
  struct Detail {
    std::string message;       // context chain + base message
    std::string verifier_log;  // may be empty
    std::shared_ptr<const VerifierReport> verifier_report;  // may be null
  };

  Error(errc code, int sys_errno, std::shared_ptr<const Detail> detail) noexcept
      : code_(code), errno_(sys_errno), detail_(std::move(detail)) {}

  [[nodiscard]] std::string base_message() const;

  errc code_ = errc::ok;
  int errno_ = 0;
  const char* static_message_ = nullptr;
  std::shared_ptr<const Detail> detail_;
};

template <class T>
using Result = expected<T, Error>;  // std::expected where the standard library has it

// Shorthand for returning an error from a function returning Result<T>.
inline unexpected<Error> fail(Error e) { return unexpected<Error>(std::move(e)); }
inline unexpected<Error> fail(errc code, std::string message, int sys_errno = 0) {
  return unexpected<Error>(Error::make(code, std::move(message), sys_errno));
}

}  // namespace ebpf

// EBPF_TRY(auto x, expr): evaluate expr (a Result); on error return it from the enclosing function,
// else bind the value. EBPF_TRY_VOID(expr) for Result<void>.
#define EBPF_DETAIL_CAT2(a, b) a##b
#define EBPF_DETAIL_CAT(a, b) EBPF_DETAIL_CAT2(a, b)
#define EBPF_TRY(decl, expr)                                                              \
  auto EBPF_DETAIL_CAT(ebpf_try_, __LINE__) = (expr);                                     \
  if (!EBPF_DETAIL_CAT(ebpf_try_, __LINE__))                                              \
    return ::ebpf::unexpected(std::move(EBPF_DETAIL_CAT(ebpf_try_, __LINE__)).error());      \
  decl = std::move(*EBPF_DETAIL_CAT(ebpf_try_, __LINE__))
#define EBPF_TRY_VOID(expr)                                                               \
  do {                                                                                    \
    auto ebpf_try_void_ = (expr);                                                         \
    if (!ebpf_try_void_) return ::ebpf::unexpected(std::move(ebpf_try_void_).error());       \
  } while (0)
// Same, adding context to the error on the way out.
#define EBPF_TRY_CTX(decl, expr, ctx)                                                     \
  auto EBPF_DETAIL_CAT(ebpf_try_, __LINE__) = (expr);                                     \
  if (!EBPF_DETAIL_CAT(ebpf_try_, __LINE__))                                              \
    return ::ebpf::unexpected(std::move(EBPF_DETAIL_CAT(ebpf_try_, __LINE__)).error().with_context(ctx)); \
  decl = std::move(*EBPF_DETAIL_CAT(ebpf_try_, __LINE__))
