// `ebpfpp load OBJECT [--pin DIR] [--program NAME ...] [--btf FILE] [--json]`: loads a collection (or only the
// named programs and what they need) into the kernel and prints what loaded with ids and tags. Exit status 0 only
// if everything asked for loaded; a load the verifier refuses is reported at its source line, followed by the
// verifier's last lines about the refused instruction.
//
// With --json: {"programs": [{"name", "type", "id", "tag", "pinned": path | null}],
// "maps": [{"name", "type", "id", "pinned": path | null}]}; on failure {"error": "...", "verifier": {...} | null}
// (see load_failure.hpp).
//
// With --pin DIR, maps declared with pinning by name are pinned (or reused) under DIR, and every loaded
// program and map is pinned as DIR/<name> so it outlives the command. With --btf FILE (raw BTF, or an object
// with a .BTF section), CO-RE relocations target that BTF instead of the running kernel's.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "command.hpp"
#include "ebpf/btf/core.hpp"
#include "ebpf/collection.hpp"
#include "json_writer.hpp"
#include "load_failure.hpp"

namespace ebpfpp_cli {
namespace {

// bpffs refuses names with dots (".rodata" is pinned as "_rodata") and slashes.
std::string pin_name(std::string_view name) {
  std::string s(name);
  for (char& c : s)
    if (c == '/' || c == '.') c = '_';
  return s;
}

int run_load(Args args) {
  ArgScanner scan(args, {"--json"}, {"--pin", "--program", "--btf"});
  if (!scan.ok()) return usage_error("load", scan.error());
  if (scan.positional().size() != 1) return usage_error("load", "expects exactly one OBJECT");
  const bool json = scan.flag("--json");
  auto fail_with = [json](const ebpf::Error& e) { return report_load_failure(e, json); };
  const std::string object(scan.positional()[0]);
  auto spec = ebpf::load_collection_spec(object);
  if (!spec) return fail_with(spec.error());

  ebpf::CollectionOptions opts;
  const auto pin = scan.option("--pin");
  if (pin) opts.maps.pin_path = std::string(*pin);
  if (auto btf = scan.option("--btf")) {
    auto target = ebpf::btf::load_target_file(std::string(*btf));
    if (!target) return fail_with(target.error());
    opts.programs.kernel_types = std::make_shared<const ebpf::btf::Spec>(std::move(*target));
  }

  std::map<std::string, ebpf::Map, std::less<>> maps;
  std::map<std::string, ebpf::Program, std::less<>> programs;
  const auto wanted = scan.options("--program");
  if (wanted.empty()) {
    auto coll = ebpf::Collection::load(*spec, opts);
    if (!coll) return fail_with(coll.error().with_context(object));
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
    if (!objs) return fail_with(objs.error().with_context(object));
    programs = std::move(objs->programs);
  }

  // Pins this command made: removed again if a later step fails, so that a failed load leaves nothing behind.
  std::vector<std::string> pinned;
  auto undo = [&](const ebpf::Error& e) {
    for (const auto& path : pinned) std::filesystem::remove(path);
    return fail_with(e);
  };
  JsonWriter w;
  w.begin_object().key("programs").begin_array();
  for (auto& [name, prog] : programs) {
    auto info = prog.info();
    if (!info) return undo(info.error());
    std::string path;
    if (pin) {
      path = std::string(*pin) + "/" + pin_name(name);
      if (auto r = prog.pin(path); !r) return undo(r.error());
      pinned.push_back(path);
    }
    const std::string type(ebpf::to_string(prog.type()));
    if (json) {
      w.begin_object().key("name").value(name).key("type").value(type).key("id").value(std::uint64_t{info->id});
      w.key("tag").value(info->tag_string()).key("pinned");
      path.empty() ? w.null() : w.value(path);
      w.end_object();
      continue;
    }
    std::printf("program %-24s %-12s id %-6u tag %s\n", name.c_str(), type.c_str(), info->id, info->tag_string().c_str());
    if (!path.empty()) std::printf("  pinned at %s\n", path.c_str());
  }
  w.end_array().key("maps").begin_array();
  for (auto& [name, map] : maps) {
    auto info = map.info();
    if (!info) return undo(info.error());
    std::string path;
    if (pin && !map.is_pinned()) {
      path = std::string(*pin) + "/" + pin_name(name);
      if (auto r = map.pin(path); !r) return undo(r.error());
      pinned.push_back(path);
    }
    const std::string type(ebpf::to_string(map.type()));
    if (json) {
      w.begin_object().key("name").value(name).key("type").value(type).key("id").value(std::uint64_t{info->id});
      w.key("pinned");
      if (!path.empty())
        w.value(path);
      else if (map.is_pinned())
        w.value(map.pinned_path());
      else
        w.null();
      w.end_object();
      continue;
    }
    std::printf("map     %-24s %-12s id %-6u\n", name.c_str(), type.c_str(), info->id);
    if (!path.empty()) std::printf("  pinned at %s\n", path.c_str());
  }
  w.end_array().end_object();
  if (json) std::printf("%s\n", w.str().c_str());
  return 0;
}

const Registration reg{{"load", "load OBJECT [--pin DIR] [--program NAME ...] [--btf FILE] [--json]",
                        "load a collection (or only some programs) into the kernel", &run_load}};

}  // namespace
}  // namespace ebpfpp_cli
