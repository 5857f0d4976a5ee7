// `ebpfpp attach OBJECT PROGRAM... [--pin DIR] [--target ARG] [--duration SECONDS]`: loads OBJECT and attaches the
// named programs where their sections say (Program::attach), printing one line per link with its kernel id.
//
// --target ARG gives what a section cannot name (a uprobe's "path:symbol", an XDP interface, a cgroup path); given
// as "PROGRAM=ARG" it applies to that program only, otherwise to every program. Without --pin the links live as
// long as the command: until SIGINT/SIGTERM, or --duration seconds. With --pin DIR every link is pinned as
// DIR/<program> and outlives the command (which then exits at once unless --duration is given). Attaching is
// all or nothing: if one program fails, those attached before it are detached.
#include <signal.h>
#include <time.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "command.hpp"
#include "ebpf/collection.hpp"
#include "ebpf/link/link.hpp"

namespace ebpfpp_cli {
namespace {

// The --target for `program`: "NAME=ARG" forms first, then a bare ARG.
std::string_view target_for(const std::vector<std::string_view>& targets, std::string_view program) {
  std::string_view bare;
  for (auto t : targets) {
    auto eq = t.find('=');
    if (eq != std::string_view::npos && t.substr(0, eq) == program) return t.substr(eq + 1);
    if (eq == std::string_view::npos || t.substr(0, eq).find_first_of("/:") != std::string_view::npos) bare = t;
  }
  return bare;
}

// Waits for SIGINT / SIGTERM, or `seconds` (< 0: forever). The signals are blocked by the caller.
void wait_for_signal(const sigset_t& set, double seconds) {
  if (seconds < 0) {
    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }
    return;
  }
  timespec ts{static_cast<time_t>(seconds), static_cast<long>((seconds - static_cast<double>(static_cast<time_t>(seconds))) * 1e9)};
  while (sigtimedwait(&set, nullptr, &ts) < 0 && errno == EINTR) {
  }
}

int run_attach(Args args) {
  ArgScanner scan(args, {}, {"--pin", "--target", "--duration"});
  if (!scan.ok()) return usage_error("attach", scan.error());
  if (scan.positional().size() < 2) return usage_error("attach", "expects an OBJECT and at least one PROGRAM");
  double duration = -1;
  if (auto d = scan.option("--duration")) {
    auto [p, ec] = std::from_chars(d->data(), d->data() + d->size(), duration);
    if (ec != std::errc{} || p != d->data() + d->size() || duration < 0)
      return usage_error("attach", "--duration wants a number of seconds");
  }
  const auto pin = scan.option("--pin");
  const auto targets = scan.options("--target");

  // Block the signals before anything is attached: a SIGINT then always reaches the wait, and the links are
  // detached by the destructors on the way out.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  const std::string object(scan.positional()[0]);
  auto spec = ebpf::load_collection_spec(object);
  if (!spec) return report(spec.error());
  auto coll = ebpf::Collection::load(*spec);
  if (!coll) return report(coll.error().with_context(object));

  std::vector<ebpf::Link> links;
  std::vector<std::string> pinned;
  auto undo = [&pinned](const ebpf::Error& e) {
    for (const auto& p : pinned) std::filesystem::remove(p);
    return report(e);
  };
  for (std::size_t i = 1; i < scan.positional().size(); ++i) {
    const std::string_view name = scan.positional()[i];
    auto prog = coll->program(name);
    if (!prog) return undo(prog.error().with_context(object));
    auto l = (*prog)->attach(target_for(targets, name));
    if (!l) return undo(l.error());
    std::uint32_t id = 0;
    if (auto info = l->info()) id = info->id;
    std::string kind(l->attachment()->kind());
    std::printf("link %-6u program %-24s %s (%s)\n", id, std::string(name).c_str(), (*prog)->section_name().c_str(),
                kind.c_str());
    if (pin) {
      std::string path(*pin);
      path += '/';
      path += name;
      if (auto r = l->pin(path); !r) return undo(r.error());
      pinned.push_back(path);
      std::printf("  pinned at %s\n", path.c_str());
    }
    links.push_back(std::move(*l));
  }
  std::fflush(stdout);
  if (pin && duration < 0) return 0;  // pinned: the links outlive the command
  wait_for_signal(set, duration);
  links.clear();
  std::printf("detached\n");
  return 0;
}

const Registration reg{{"attach", "attach OBJECT PROGRAM... [--pin DIR] [--target [PROGRAM=]ARG] [--duration SECONDS]",
                        "attach programs where their sections say; detach on exit or SIGINT", run_attach}};

}  // namespace
}  // namespace ebpfpp_cli
