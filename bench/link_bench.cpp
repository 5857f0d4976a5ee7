// Attaching and detaching, ebpfpp against libbpf, with the same object loaded once by each library:
//
//   LinkAttach/tracepoint/*  syscalls/sys_enter_getpid: tracefs event id, perf_event_open, perf link; then close
//   LinkAttach/uprobe/*      a function of this binary by symbol (ELF symbol lookup each time), perf link; close
#include <benchmark/benchmark.h>
#include <bpf/libbpf.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cstdarg>
#include <filesystem>
#include <optional>
#include <string>

#include "ebpf/collection.hpp"
#include "ebpf/link/tracing.hpp"
#include "ebpf/link/uprobe.hpp"

extern "C" __attribute__((noinline, used)) int ebpfpp_bench_uprobe_target(int x) {
  asm volatile("" ::: "memory");
  return x + 1;
}

namespace {

const std::string kObject = std::string(EBPFPP_TEST_BPF_DIR) + "/link_tracing.bpfel.o";

int quiet(enum libbpf_print_level, const char*, va_list) { return 0; }

void ensure_tracefs() {
  struct statfs st {};
  if (::statfs("/sys/kernel/tracing", &st) == 0 && st.f_type == 0x74726163) return;
  ::mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr);
}

std::string self_exe() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

struct EbpfppObject {
  std::optional<ebpf::Collection> coll;
  std::string error;
  EbpfppObject() {
    ensure_tracefs();
    auto spec = ebpf::load_collection_spec(kObject);
    if (!spec) {
      error = spec.error().message();
      return;
    }
    auto c = ebpf::Collection::load(*spec);
    if (!c) {
      error = c.error().message();
      return;
    }
    coll.emplace(std::move(*c));
  }
};

struct LibbpfObject {
  bpf_object* obj = nullptr;
  LibbpfObject() {
    ensure_tracefs();
    libbpf_set_print(quiet);
    obj = bpf_object__open_file(kObject.c_str(), nullptr);
    if (libbpf_get_error(obj)) {
      obj = nullptr;
      return;
    }
    if (bpf_object__load(obj) != 0) {
      bpf_object__close(obj);
      obj = nullptr;
    }
  }
  ~LibbpfObject() {
    if (obj) bpf_object__close(obj);
  }
};

void tracepoint_ebpfpp(benchmark::State& state) {
  EbpfppObject o;
  if (!o.coll) return state.SkipWithError(o.error.c_str());
  const ebpf::Program& p = **o.coll->program("on_getpid");
  for (auto _ : state) {
    auto l = ebpf::link::attach_tracepoint(p, {.category = "syscalls", .name = "sys_enter_getpid"});
    if (!l) return state.SkipWithError(l.error().message().c_str());
  }
}

void tracepoint_libbpf(benchmark::State& state) {
  LibbpfObject o;
  if (!o.obj) return state.SkipWithError("libbpf could not load the object");
  bpf_program* p = bpf_object__find_program_by_name(o.obj, "on_getpid");
  for (auto _ : state) {
    bpf_link* l = bpf_program__attach_tracepoint(p, "syscalls", "sys_enter_getpid");
    if (libbpf_get_error(l)) return state.SkipWithError("bpf_program__attach_tracepoint failed");
    bpf_link__destroy(l);
  }
}

void uprobe_ebpfpp(benchmark::State& state) {
  EbpfppObject o;
  if (!o.coll) return state.SkipWithError(o.error.c_str());
  const ebpf::Program& p = **o.coll->program("on_uprobe");
  const std::string exe = self_exe();
  for (auto _ : state) {
    auto l = ebpf::link::attach_uprobe(p, {.path = exe, .symbol = "ebpfpp_bench_uprobe_target"});
    if (!l) return state.SkipWithError(l.error().message().c_str());
  }
}

void uprobe_libbpf(benchmark::State& state) {
  LibbpfObject o;
  if (!o.obj) return state.SkipWithError("libbpf could not load the object");
  bpf_program* p = bpf_object__find_program_by_name(o.obj, "on_uprobe");
  const std::string exe = self_exe();
  LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = "ebpfpp_bench_uprobe_target");
  for (auto _ : state) {
    bpf_link* l = bpf_program__attach_uprobe_opts(p, -1, exe.c_str(), 0, &opts);
    if (libbpf_get_error(l)) return state.SkipWithError("bpf_program__attach_uprobe_opts failed");
    bpf_link__destroy(l);
  }
}

BENCHMARK(tracepoint_ebpfpp)->Name("LinkAttach/tracepoint/ebpfpp")->Unit(benchmark::kMicrosecond);
BENCHMARK(tracepoint_libbpf)->Name("LinkAttach/tracepoint/libbpf")->Unit(benchmark::kMicrosecond);
BENCHMARK(uprobe_ebpfpp)->Name("LinkAttach/uprobe/ebpfpp")->Unit(benchmark::kMicrosecond);
BENCHMARK(uprobe_libbpf)->Name("LinkAttach/uprobe/libbpf")->Unit(benchmark::kMicrosecond);

}  // namespace
