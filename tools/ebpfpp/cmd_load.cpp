// `ebpfpp load OBJECT [--pin DIR] [--program NAME ...] [--btf FILE]`: loads a collection (or only the named
// programs and what they need) into the kernel and prints what loaded with ids and tags. Exit status 0 only if
// everything asked for loaded; on failure the error carries the verifier log's tail.
//
// With --pin DIR, maps declared with pinning by name are pinned (or reused) under DIR, and every loaded
// program and map is pinned as DIR/<name> so it outlives the command. With --btf FILE (raw BTF, or an object
// with a .BTF section), CO-RE relocations target that BTF instead of the running kernel's.
#include <cstdio>
#include <filesystem>
#include <string>

#include "command.hpp"
#include "ebpf/btf/core.hpp"
#include "ebpf/collection.hpp"

namespace ebpfpp_cli {
namespace {

std::string pin_name(std::string_view name) {
  std::string s(name);
  for (char& c : s)
    if (c == '/') c = '_';
  return s;
}

int run_load(Args args) {
  ArgScanner scan(args, {}, {"--pin", "--program", "--btf"});
  if (!scan.ok()) return usage_error("load", scan.error());
  if (scan.positional().size() != 1) return usage_error("load", "expects exactly one OBJECT");
  const std::string object(scan.positional()[0]);
  auto spec = ebpf::load_collection_spec(object);
  if (!spec) return report(spec.error());

  ebpf::CollectionOptions opts;
  const auto pin = scan.option("--pin");
  if (pin) opts.maps.pin_path = std::string(*pin);
  if (auto btf = scan.option("--btf")) {
    auto target = ebpf::btf::load_target_file(std::string(*btf));
    if (!target) return report(target.error());
    opts.programs.kernel_types = std::make_shared<const ebpf::btf::Spec>(std::move(*target));
  }

  std::map<std::string, ebpf::Map, std::less<>> maps;
  std::map<std::string, ebpf::Program, std::less<>> programs;
  const auto wanted = scan.options("--program");
  if (wanted.empty()) {
    auto coll = ebpf::Collection::load(*spec, opts);
    if (!coll) return report(coll.error().with_context(object));
    std::vector<std::string> names;
    for (const auto& [name, _] : coll->maps()) names.push_back(name);
    for (const auto& name : names) maps.emplace(name, std::move(*coll->detach_map(name)));
    names.clear();
    for (const auto& [name, _] : coll->programs()) names.push_back(name);
    for (const auto& name : names) programs.emplace(name, std::move(*coll->detach_program(name)));
  } else {
    ebpf::LoadOnlyRequest req;
    for (auto w : wanted) req.programs.emplace_back(w);
    auto objs = ebpf::load_only(*spec, req, opts);
    if (!objs) return report(objs.error().with_context(object));
    programs = std::move(objs->programs);
  }

  for (auto& [name, prog] : programs) {
    auto info = prog.info();
    if (!info) return report(info.error());
    std::printf("program %-24s %-12s id %-6u tag %s\n", name.c_str(), std::string(ebpf::to_string(prog.type())).c_str(),
                info->id, info->tag_string().c_str());
    if (pin) {
      const std::string path = std::string(*pin) + "/" + pin_name(name);
      if (auto r = prog.pin(path); !r) return report(r.error());
      std::printf("  pinned at %s\n", path.c_str());
    }
  }
  for (auto& [name, map] : maps) {
    auto info = map.info();
    if (!info) return report(info.error());
    std::printf("map     %-24s %-12s id %-6u\n", name.c_str(), std::string(ebpf::to_string(map.type())).c_str(), info->id);
    if (pin && !map.is_pinned()) {
      const std::string path = std::string(*pin) + "/" + pin_name(name);
      if (auto r = map.pin(path); !r) return report(r.error());
      std::printf("  pinned at %s\n", path.c_str());
    }
  }
  return 0;
}

const Registration reg{{"load", "load OBJECT [--pin DIR] [--program NAME ...] [--btf FILE]",
                        "load a collection (or only some programs) into the kernel", &run_load}};

}  // namespace
}  // namespace ebpfpp_cli
