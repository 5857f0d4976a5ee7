#include "ebpf/error.hpp"

#include <cstring>

namespace ebpf {

namespace {
// ENOTSUPP is kernel-internal (524) but leaks to user space from bpf().
constexpr int kENOTSUPP = 524;
constexpr std::size_t kVerifierTailLines = 8;

std::string_view log_tail(std::string_view log) {
  while (!log.empty() && (log.back() == '\n' || log.back() == '\0')) log.remove_suffix(1);
  std::size_t pos = log.size();
  for (std::size_t lines = 0; pos > 0 && lines < kVerifierTailLines;) {
    --pos;
    if (log[pos] == '\n') {
      ++lines;
      if (lines == kVerifierTailLines) {
        ++pos;
        break;
      }
    }
  }
  return log.substr(pos);
}
}  // namespace

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::ok: return "ok";
    case errc::sys: return "sys";
    case errc::key_not_exist: return "key_not_exist";
    case errc::key_exist: return "key_exist";
    case errc::not_supported: return "not_supported";
    case errc::map_incompatible: return "map_incompatible";
    case errc::iteration_aborted: return "iteration_aborted";
    case errc::verifier_rejected: return "verifier_rejected";
    case errc::bad_relocation: return "bad_relocation";
    case errc::invalid_argument: return "invalid_argument";
    case errc::malformed: return "malformed";
    case errc::not_found: return "not_found";
    case errc::closed: return "closed";
    case errc::map_full: return "map_full";
  }
  return "unknown";
}

Error Error::from_errno(int sys_errno, const char* static_message) noexcept {
  errc code = errc::sys;
  if (sys_errno == kENOTSUPP || sys_errno == EOPNOTSUPP) code = errc::not_supported;
  return Error(code, sys_errno, static_message);
}

Error Error::make(errc code, std::string message, int sys_errno) {
  return Error(code, sys_errno, std::make_shared<const Detail>(Detail{std::move(message), {}, {}}));
}

std::string Error::base_message() const {
  if (detail_) return detail_->message;
  std::string msg = static_message_ ? static_message_ : std::string(to_string(code_));
  if (errno_ != 0) {
    msg += ": ";
    if (errno_ == kENOTSUPP) {
      msg += "operation not supported (ENOTSUPP)";
    } else {
      char buf[128];
      // GNU strerror_r returns the message pointer.
      msg += strerror_r(errno_, buf, sizeof buf);
    }
  }
  return msg;
}

Error Error::with_context(std::string_view context) const& {
  Error copy = *this;
  return std::move(copy).with_context(context);
}

Error Error::with_context(std::string_view context) && {
  std::string msg;
  msg.reserve(context.size() + 64);
  msg.append(context);
  msg += ": ";
  msg += base_message();
  auto detail = std::make_shared<Detail>();
  detail->message = std::move(msg);
  if (detail_) {
    detail->verifier_log = detail_->verifier_log;
    detail->verifier_report = detail_->verifier_report;
  }
  return Error(code_, errno_, std::shared_ptr<const Detail>(std::move(detail)));
}

Error Error::with_verifier_log(std::string log) && {
  auto detail = std::make_shared<Detail>();
  detail->message = base_message();
  detail->verifier_log = std::move(log);
  if (detail_) detail->verifier_report = detail_->verifier_report;
  return Error(code_, errno_, std::shared_ptr<const Detail>(std::move(detail)));
}

Error Error::with_verifier_report(std::shared_ptr<const VerifierReport> report) && {
  auto detail = std::make_shared<Detail>();
  detail->message = base_message();
  if (detail_) detail->verifier_log = detail_->verifier_log;
  detail->verifier_report = std::move(report);
  return Error(code_, errno_, std::shared_ptr<const Detail>(std::move(detail)));
}

std::string Error::message() const {
  std::string msg = base_message();
  if (detail_ && !detail_->verifier_log.empty()) {
    msg += "\nverifier log (tail):\n";
    msg += log_tail(detail_->verifier_log);
  }
  return msg;
}

std::string_view Error::verifier_log() const noexcept {
  return detail_ ? std::string_view(detail_->verifier_log) : std::string_view();
}

const VerifierReport* Error::verifier_report() const noexcept {
  return detail_ ? detail_->verifier_report.get() : nullptr;
}

}  // namespace ebpf
