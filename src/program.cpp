#include "ebpf/program.hpp"
#include "program_load.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "ebpf/sys/bpf.hpp"

namespace ebpf {

namespace {

constexpr std::uint32_t kMinLogSize = 64 * 1024;
constexpr std::uint32_t kMaxLogSize = 0xffffffffu >> 2;
// XDP_PACKET_HEADROOM + NET_IP_ALIGN: the most the kernel may grow packet data in a test run.
constexpr std::size_t kOutputPad = 256 + 2;
// The value CO-RE poisons unsatisfiable relocations with; the verifier prints it back.
constexpr std::uint32_t kCoreBadRelocationSentinel = 0xbad2310;
// ebpfpp's poison base for calls to kfuncs that could not be resolved (weak kfuncs).
constexpr std::uint32_t kKfuncCallPoisonBase = 0xdedc0de;

std::uint32_t clamp_log_size(std::uint64_t size) {
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(size, kMinLogSize, kMaxLogSize));
}

std::string_view log_text(const std::vector<char>& buf) {
  if (buf.empty()) return {};
  return {buf.data(), ::strnlen(buf.data(), buf.size())};
}

// The poisoned CO-RE relocation the verifier reached: the log line before "invalid func unknown#..." reads
// "<slot>: (85) call unknown#195896080".
std::string reached_relocation(std::string_view log, std::string_view marker, const LoadRequest& req) {
  if (req.poisoned_relocations.empty()) return {};
  const std::size_t at = log.rfind(marker);
  if (at != std::string_view::npos && at >= 2) {
    std::size_t line = log.rfind('\n', at - 2);
    line = line == std::string_view::npos ? 0 : line + 1;
    std::uint32_t slot = 0;
    std::size_t i = line;
    while (i < at && log[i] >= '0' && log[i] <= '9') slot = slot * 10 + static_cast<std::uint32_t>(log[i++] - '0');
    if (i > line && i < at && log[i] == ':')
      for (const auto& p : req.poisoned_relocations)
        if (p.slot == slot) return p.description;
  }
  if (req.poisoned_relocations.size() == 1) return req.poisoned_relocations.front().description;
  return {};
}

// Classifies a failed load from errno and the tail of the verifier log, as cilium/ebpf's heuristics do.
Error load_error(int err, const std::vector<char>& log_buf, const LoadRequest& req) {
  const std::string_view log = log_text(log_buf);
  const std::string_view tail = log.substr(log.size() > 256 ? log.size() - 256 : 0);
  char core_call[64], core_load[64], kfunc_call[64];
  std::snprintf(core_call, sizeof core_call, "invalid func unknown#%u\n", kCoreBadRelocationSentinel);
  std::snprintf(core_load, sizeof core_load, "(18) r10 = 0x%x\n", kCoreBadRelocationSentinel);
  std::snprintf(kfunc_call, sizeof kfunc_call, "invalid func unknown#%u\n", kKfuncCallPoisonBase);

  errc code = err == EACCES || err == EINVAL ? errc::verifier_rejected : errc::sys;
  std::string msg = "load program";
  if (err == 524 || err == EOPNOTSUPP) code = errc::not_supported;
  if (err == EPERM && log.empty()) {
    msg += " (MEMLOCK may be too low, or the program type needs privileges this process lacks)";
  } else if (err == EFAULT) {
    msg += " (hit a verifier bug: increase log_size_start to fit the log and check dmesg)";
  } else if (err == EINVAL && tail.find(core_call) != std::string_view::npos) {
    code = errc::bad_relocation;
    msg += ": bad CO-RE relocation";
    if (std::string which = reached_relocation(log, core_call, req); !which.empty()) msg += ": " + which;
  } else if (err == EINVAL && tail.find(kfunc_call) != std::string_view::npos) {
    code = errc::not_found;
    msg += ": unknown kfunc";
  } else if (err == EACCES && tail.find(core_load) != std::string_view::npos) {
    code = errc::bad_relocation;
    msg += ": bad CO-RE relocation";
  } else if ((err == EINVAL || err == EPERM) && req.has_function_references && log.empty()) {
    msg += " (the kernel may not support bpf-to-bpf calls)";
  }
  char buf[128];
  msg += ": ";
  msg += err == 524 ? "operation not supported (ENOTSUPP)" : strerror_r(err, buf, sizeof buf);
  Error e = Error::make(code, std::move(msg), err);
  if (!log.empty()) e = std::move(e).with_verifier_log(std::string(log));
  return e;
}

Result<ProgramInfo> read_info(int fd) {
  sys::ProgInfo raw;
  EBPF_TRY_VOID(sys::obj_get_info_by_fd(fd, &raw, sizeof raw));
  ProgramInfo info;
  std::vector<std::uint32_t> map_ids(raw.nr_map_ids);
  if (!map_ids.empty()) {
    // Second call for the variable-length part.
    sys::ProgInfo again;
    again.nr_map_ids = static_cast<std::uint32_t>(map_ids.size());
    again.map_ids = map_ids.data();
    EBPF_TRY_VOID(sys::obj_get_info_by_fd(fd, &again, sizeof again));
    map_ids.resize(std::min<std::size_t>(map_ids.size(), again.nr_map_ids));
  }
  info.id = raw.id;
  info.type = static_cast<ProgramType>(raw.type);
  info.name.assign(raw.name, ::strnlen(raw.name, sizeof raw.name));
  std::memcpy(info.tag.data(), raw.tag, 8);
  info.map_ids = std::move(map_ids);
  info.btf_id = raw.btf_id;
  info.xlated_size = raw.xlated_prog_len;
  info.jited_size = raw.jited_prog_len;
  info.load_time_ns = raw.load_time;
  info.created_by_uid = raw.created_by_uid;
  info.run_time_ns = raw.run_time_ns;
  info.run_count = raw.run_cnt;
  info.recursion_misses = raw.recursion_misses;
  info.verified_insns = raw.verified_insns;
  info.gpl_compatible = (raw.gpl_compatible & 1u) != 0;
  return info;
}

}  // namespace

std::string ProgramInfo::tag_string() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (auto b : tag) {
    s += kHex[b >> 4];
    s += kHex[b & 0xf];
  }
  return s;
}

Result<Program> Program::load(const LoadRequest& req, const ProgramOptions& options) {
  detail::ProgramLoad load;
  EBPF_TRY_VOID(load.prepare(req));
  return load.run(options);
}

namespace detail {

Result<void> ProgramLoad::prepare(const LoadRequest& req) {
  // Only built on error paths.
  auto ctx = [&req] { return req.name.empty() ? std::string("program") : "program " + std::string(req.name); };
  if (req.instructions.empty()) return fail(errc::invalid_argument, ctx() + ": instructions cannot be empty");
  if (req.instructions.size() % 8 != 0)
    return fail(errc::invalid_argument, ctx() + ": instruction bytes are not a multiple of 8");
  if (req.type == ProgramType::unspec)
    return fail(errc::invalid_argument, ctx() + ": can't load a program of unspecified type");
  req_ = &req;
  name_ = std::string(req.name);
  type_ = req.type;
  section_name_ = std::string(req.section_name);
  attach_to_ = std::string(req.attach_to);
  attach_type_ = req.attach_type;
  // The kernel wants a NUL-terminated license: licenses are short, the object holds a copy (a string otherwise).
  const char* license = license_;
  if (req.license.size() < sizeof license_) {
    std::memcpy(license_, req.license.data(), req.license.size());
    license_[req.license.size()] = '\0';
  } else {
    license_long_ = std::string(req.license);
    license = license_long_.c_str();
  }
  sys::ProgLoadAttr& attr = attr_;
  attr = sys::ProgLoadAttr{};
  attr.prog_type = static_cast<std::uint32_t>(req.type);
  attr.insn_cnt = static_cast<std::uint32_t>(req.instructions.size() / 8);
  attr.insns = req.instructions.data();
  attr.license = license;
  attr.kern_version = req.kernel_version;
  attr.prog_flags = req.flags;
  attr.expected_attach_type = kernel_value(req.attach_type);
  auto name = sys::object_name(req.name);
  std::memcpy(attr.prog_name, name.bytes, sizeof attr.prog_name);
  if (req.btf_fd >= 0) {
    attr.prog_btf_fd = static_cast<std::uint32_t>(req.btf_fd);
    if (!req.func_info.empty() && req.func_info_rec_size) {
      attr.func_info_rec_size = req.func_info_rec_size;
      attr.func_info = req.func_info.data();
      attr.func_info_cnt = static_cast<std::uint32_t>(req.func_info.size() / req.func_info_rec_size);
    }
    if (!req.line_info.empty() && req.line_info_rec_size) {
      attr.line_info_rec_size = req.line_info_rec_size;
      attr.line_info = req.line_info.data();
      attr.line_info_cnt = static_cast<std::uint32_t>(req.line_info.size() / req.line_info_rec_size);
    }
  }
  attr.attach_btf_id = req.attach_btf_id;
  if (req.attach_fd >= 0) attr.attach_prog_fd = static_cast<std::uint32_t>(req.attach_fd);
  if (!req.fd_array.empty()) attr.fd_array = req.fd_array.data();
  return {};
}

Result<sys::Fd> ProgramLoad::first_attempt() {
  attr_.log_true_size = 0;
  return sys::prog_load(attr_);
}

Program ProgramLoad::make(sys::Fd fd) {
  Program prog(std::move(fd), std::move(name_), type_);
  prog.section_name_ = std::move(section_name_);
  prog.attach_to_ = std::move(attach_to_);
  prog.attach_type_ = attach_type_;
  return prog;
}

Program ProgramLoad::adopt(sys::Fd fd) { return make(std::move(fd)); }

Result<Program> ProgramLoad::run(const ProgramOptions& options) { return finish(options, 0); }

Result<Program> ProgramLoad::finish(const ProgramOptions& options, int first_errno) {
  sys::ProgLoadAttr& attr = attr_;
  std::uint32_t log_size = clamp_log_size(options.log_size_start);
  std::vector<char> log_buf;
  if (!options.log_disabled && options.log_level != 0) {
    log_buf.assign(log_size, 0);
    attr.log_level = options.log_level;
    attr.log_size = log_size;
    attr.log_buf = log_buf.data();
  }

  int err = 0;
  for (bool first = true;; first = false) {
    if (first && first_errno != 0) {
      err = first_errno;  // the bare first attempt, made by the caller
    } else {
      attr.log_true_size = 0;
      auto fd = sys::prog_load(attr);
      if (fd) {
        Program prog = make(std::move(*fd));
        if (!log_buf.empty()) prog.verifier_log_ = std::string(log_text(log_buf));
        return prog;
      }
      err = fd.error().sys_errno();
    }
    if (options.log_disabled) break;
    // The buffer was large enough for the whole log.
    if (attr.log_true_size != 0 && attr.log_size >= attr.log_true_size) break;
    // Logging was on and the failure is not about the log's size: the log explains it.
    if (attr.log_size != 0 && err != ENOSPC) break;
    if (attr.log_level == 0) attr.log_level = log_level::branch;
    if (attr.log_true_size != 0) {
      log_size = attr.log_true_size;
    } else if (attr.log_size != 0) {
      log_size = clamp_log_size(std::uint64_t{log_size} * 2);
      if (log_size == attr.log_size) break;  // at the cap
    }
    log_buf.assign(log_size, 0);
    attr.log_size = log_size;
    attr.log_buf = log_buf.data();
  }
  const LoadRequest& req = *req_;
  const std::string ctx = req.name.empty() ? std::string("program") : "program " + std::string(req.name);
  return ebpf::unexpected(load_error(err, log_buf, req).with_context(ctx));
}

}  // namespace detail

Result<Program> Program::from_fd(sys::Fd fd) {
  auto info = read_info(fd.get());
  if (!info) return unexpected(std::move(info).error().with_context("program from fd"));
  return Program(std::move(fd), info->name, info->type);
}

Result<Program> Program::from_id(std::uint32_t id) {
  EBPF_TRY_CTX(sys::Fd fd, sys::get_fd_by_id(sys::ObjectKind::program, id), "program id " + std::to_string(id));
  return from_fd(std::move(fd));
}

Result<Program> Program::load_pinned(const std::string& path, std::uint32_t file_flags) {
  EBPF_TRY_CTX(sys::Fd fd, sys::obj_get(path.c_str(), file_flags), "load pinned program " + path);
  auto prog = from_fd(std::move(fd));
  if (prog) prog->pinned_path_ = path;
  return prog;
}

Result<std::uint32_t> Program::next_id(std::uint32_t id) { return sys::get_next_id(sys::ObjectKind::program, id); }

Result<RunResult> Program::run(const RunOptions& opts) const {
  if (!fd_.valid()) return unexpected(Error(errc::closed, EBADF, "run program: program is closed"));
  RunResult result;
  std::span<std::byte> out = opts.data_out;
  if (out.empty() && !opts.data.empty()) {
    result.data_out.resize(opts.data.size() + kOutputPad);
    out = result.data_out;
  }
  sys::ProgTestRunAttr attr;
  attr.prog_fd = static_cast<std::uint32_t>(fd_.get());
  attr.data_size_in = static_cast<std::uint32_t>(opts.data.size());
  attr.data_in = opts.data.data();
  attr.data_size_out = static_cast<std::uint32_t>(out.size());
  attr.data_out = out.data();
  attr.ctx_size_in = static_cast<std::uint32_t>(opts.context.size());
  attr.ctx_in = opts.context.data();
  attr.ctx_size_out = static_cast<std::uint32_t>(opts.context_out.size());
  attr.ctx_out = opts.context_out.data();
  attr.repeat = opts.repeat;
  attr.flags = opts.flags;
  attr.cpu = opts.cpu;
  for (;;) {
    auto r = sys::prog_test_run(attr);
    if (r) break;
    if (r.error().sys_errno() == EINTR) {
      // Older kernels check for signals before checking whether enough runs happened, so a single run
      // may report EINTR after running: count it as done.
      if (attr.repeat <= 1) break;
      continue;
    }
    if (r.error().is(errc::not_supported))
      return fail(errc::not_supported,
                  "run program " + name_ + ": the kernel can't test-run programs of type " +
                      std::string(to_string(type_)),
                  r.error().sys_errno());
    return unexpected(std::move(r).error().with_context("run program " + name_));
  }
  result.retval = attr.retval;
  result.duration = std::chrono::nanoseconds(attr.duration);
  result.data_out_size = std::min<std::size_t>(attr.data_size_out, out.size());
  if (!result.data_out.empty()) result.data_out.resize(result.data_out_size);
  result.context_out_size = attr.ctx_size_out;
  return result;
}

Result<std::chrono::nanoseconds> Program::benchmark(std::span<const std::byte> data, std::uint32_t repeat) const {
  RunOptions opts{.data = data, .repeat = repeat};
  EBPF_TRY(RunResult r, run(opts));
  return r.duration;
}

Result<ProgramInfo> Program::info() const {
  if (!fd_.valid()) return unexpected(Error(errc::closed, EBADF, "program info: program is closed"));
  auto info = read_info(fd_.get());
  if (!info) return unexpected(std::move(info).error().with_context("program " + name_));
  return info;
}

Result<void> Program::pin(const std::string& path) {
  if (!fd_.valid()) return unexpected(Error(errc::closed, EBADF, "pin program: program is closed"));
  if (path == pinned_path_) return {};
  auto r = sys::obj_pin(fd_.get(), path.c_str());
  if (!r) return unexpected(std::move(r).error().with_context("program " + name_ + ": pin to " + path));
  if (!pinned_path_.empty()) (void)sys::remove_pin(pinned_path_.c_str());
  pinned_path_ = path;
  return {};
}

Result<void> Program::unpin() {
  if (pinned_path_.empty()) return {};
  auto r = sys::remove_pin(pinned_path_.c_str());
  if (!r && !r.error().is(std::errc::no_such_file_or_directory))
    return unexpected(std::move(r).error().with_context("program " + name_ + ": unpin " + pinned_path_));
  pinned_path_.clear();
  return {};
}

Result<Program> Program::clone() const {
  if (!fd_.valid()) return unexpected(Error(errc::closed, EBADF, "clone program: program is closed"));
  EBPF_TRY(sys::Fd fd, fd_.dup());
  Program copy(std::move(fd), name_, type_);
  copy.pinned_path_ = pinned_path_;
  copy.verifier_log_ = verifier_log_;
  copy.section_name_ = section_name_;
  copy.attach_to_ = attach_to_;
  copy.attach_type_ = attach_type_;
  return copy;
}

Result<void> Program::bind_map(int map_fd) const {
  auto r = sys::prog_bind_map(fd_.get(), map_fd);
  if (!r) return unexpected(std::move(r).error().with_context("program " + name_));
  return {};
}

}  // namespace ebpf
