// One BPF_PROG_LOAD made ready ahead of its syscall (internal).
#pragma once

#include <string>

#include "ebpf/sys/fd.hpp"

#include "ebpf/program.hpp"
#include "ebpf/sys/attr.hpp"

namespace ebpf::detail {

// prepare() copies what the syscall needs from a LoadRequest into the attributes (no syscall); run() loads the
// program with the verifier-log protocol. Program::load does both at once; a collection readies all its programs
// while their specs are still in cache, then runs them back to back (the verifier evicts everything between two
// loads). The attributes point into the object: it is neither copied nor moved. The request must outlive run()
// (a failure's error reads it).
class ProgramLoad {
 public:
  ProgramLoad() = default;
  ProgramLoad(const ProgramLoad&) = delete;
  ProgramLoad& operator=(const ProgramLoad&) = delete;

  Result<void> prepare(const LoadRequest& req);
  Result<Program> run(const ProgramOptions& options);

  // The first attempt alone, when it would carry no log (options.log_level 0): the fd, or the errno to hand to
  // finish(). Touches nothing but the attributes: a collection loads its programs back to back with it.
  [[nodiscard]] static bool first_attempt_is_bare(const ProgramOptions& options) noexcept {
    return options.log_disabled || options.log_level == 0;
  }
  Result<sys::Fd> first_attempt();
  // The program from the fd of a successful first attempt.
  Program adopt(sys::Fd fd);
  // After a failed first attempt (its errno): the rest of run()'s protocol (the retry with a log), then the error.
  Result<Program> finish(const ProgramOptions& options, int first_errno);

 private:
  const LoadRequest* req_ = nullptr;
  sys::ProgLoadAttr attr_{};
  char license_[64] = {};
  std::string license_long_;  // a license too long for license_
  std::string name_;
  ProgramType type_ = ProgramType::unspec;
  // Kept by the program for attach().
  std::string section_name_;
  std::string attach_to_;
  AttachType attach_type_ = AttachType::unspec;

  Program make(sys::Fd fd);
};

}  // namespace ebpf::detail
