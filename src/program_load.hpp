// One BPF_PROG_LOAD made ready ahead of its syscall (internal).
#pragma once

#include <string>

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

 private:
  const LoadRequest* req_ = nullptr;
  sys::ProgLoadAttr attr_{};
  char license_[64] = {};
  std::string license_long_;  // a license too long for license_
  std::string name_;
  ProgramType type_ = ProgramType::unspec;
};

}  // namespace ebpf::detail
