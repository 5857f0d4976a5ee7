#include "ebpf/collection.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "ebpf/sys/bpf.hpp"
#include "map_internal.hpp"
#include "program_fixup.hpp"
#include "program_load.hpp"
#include "verifier_report_detail.hpp"

namespace ebpf {

// Loads maps and programs of one spec on demand, in the seeds' order, and owns them until they are handed
// out. If it is destroyed before commit(), every object it created is closed and every pin it created is
// removed: nothing half-loaded remains.
class CollectionLoader {
 public:
  CollectionLoader(const CollectionSpec& spec, const CollectionOptions& options) : spec_(spec), options_(options) {}
  CollectionLoader(const CollectionLoader&) = delete;
  CollectionLoader& operator=(const CollectionLoader&) = delete;
  ~CollectionLoader() {
    if (committed_) return;
    for (auto& [name, map] : maps_)
      if (new_pins_.contains(name)) (void)map.unpin();
  }

  Result<Map*> load_map(std::string_view name);
  Result<Program*> load_program(std::string_view name);
  // The same for a program of the spec already looked up.
  Result<Program*> load_program(const std::string& name, const ProgramSpec& ps);
  // Every program of the spec not loaded yet (those of unspecified type excepted).
  Result<void> load_all_programs();
  // Puts the static contents that name other objects (prog arrays, maps of maps), loading what they name.
  Result<void> populate_deferred();

  void commit() noexcept { committed_ = true; }
  std::map<std::string, Map, std::less<>>& maps() noexcept { return maps_; }
  std::map<std::string, Program, std::less<>>& programs() noexcept { return programs_; }

 private:
  Result<void> ensure_program_btf();
  Result<void> ensure_kconfig();
  // Loads what program `name` needs (maps, kconfig, BTF) and returns how to fix it up.
  Result<detail::FixupContext> fixup_context(const std::string& name, const ProgramSpec& ps);
  Result<int> resolve(const ObjectRef& ref, bool want_program);

  const CollectionSpec& spec_;
  const CollectionOptions& options_;
  std::map<std::string, Map, std::less<>> maps_;
  std::map<std::string, Program, std::less<>> programs_;
  std::set<std::string, std::less<>> new_pins_;
  std::vector<std::string> deferred_;  // maps whose contents reference other objects
  std::optional<detail::ProgramBtf> btf_;
  std::optional<detail::KconfigMap> kconfig_;
  Map kconfig_map_;
  std::set<std::string, std::less<>> loading_programs_;  // cycle guard for prog arrays naming programs
  std::vector<std::byte> scratch_;  // encoded instructions and BTF records of the program being loaded
  bool committed_ = false;
};

namespace {
// The kernel refuses BTF for maps holding fds, and a key type of 0 except for data-section arrays.
bool map_accepts_btf(const MapSpec& spec) {
  switch (spec.type) {
    case MapType::prog_array:
    case MapType::perf_event_array:
    case MapType::cgroup_array:
    case MapType::array_of_maps:
    case MapType::hash_of_maps:
      return false;
    default:
      break;
  }
  // A value type whose size is not the map's (ring buffers, arenas): the kernel would refuse the mismatch.
  if (!can_have_value_size(spec.type)) return false;
  if (spec.key_type == 0) return spec.type == MapType::array && spec.max_entries == 1;
  return true;
}

// Data sections holding variables are created BPF_F_MMAPABLE where the kernel allows it (Linux 5.5), as libbpf
// does: skeletons then read and write the variables through a mapping, without a syscall. Pinned sections are
// left as the spec says, so that their pins stay compatible.
bool wants_mmapable(const MapSpec& ms, const CollectionSpec& spec) {
  if (ms.type != MapType::array || ms.max_entries != 1 || ms.pinning != PinType::none || ms.name.empty() ||
      ms.name[0] != '.' || (ms.flags & map_flags::mmapable) != 0)
    return false;
  bool has_variables = std::any_of(spec.variables.begin(), spec.variables.end(),
                                   [&](const auto& v) { return v.second.section == ms.name; });
  return has_variables && spec.maps.contains(ms.name) && detail::have_mmapable_maps().has_value();
}

bool has_object_refs(const MapSpec& spec) {
  for (const auto& kv : spec.contents)
    if (std::holds_alternative<ObjectRef>(kv.value)) return true;
  return false;
}
}  // namespace

Result<Map*> CollectionLoader::load_map(std::string_view name) {
  if (auto it = maps_.find(name); it != maps_.end()) return &it->second;
  auto sit = spec_.maps.find(std::string(name));
  if (sit == spec_.maps.end()) return fail(errc::not_found, "map " + std::string(name) + ": not in the collection spec");
  const MapSpec& ms = sit->second;
  const std::string ctx = "map " + std::string(name);
  // The spec's .kconfig map is the one the kconfig externs are read from: filled from the running kernel.
  if (name == ".kconfig" && ms.contents.empty() && !options_.map_replacements.contains(name)) {
    EBPF_TRY_VOID(ensure_kconfig());
    if (auto it = maps_.find(name); it != maps_.end()) return &it->second;
  }

  if (auto rit = options_.map_replacements.find(name); rit != options_.map_replacements.end()) {
    if (rit->second == nullptr) return fail(errc::invalid_argument, ctx + ": replacement is null");
    auto ok = ms.compatible(*rit->second);
    if (!ok) return unexpected(std::move(ok).error().with_context(ctx + ": use replacement"));
    EBPF_TRY_CTX(Map copy, rit->second->clone(), ctx + ": clone replacement");
    return &maps_.emplace(std::string(name), std::move(copy)).first->second;
  }

  bool pin_existed = true;
  if (ms.pinning == PinType::by_name && !options_.maps.pin_path.empty()) {
    std::error_code ec;
    pin_existed = std::filesystem::exists(std::filesystem::path(options_.maps.pin_path) / ms.name, ec);
  }
  MapOptions mo = options_.maps;
  mo.resolve = {};  // object references are populated once programs exist
  if (ms.btf && ms.btf == spec_.btf && ms.value_type != 0 && map_accepts_btf(ms)) {
    // The object's BTF, loaded once for maps and programs (ids are preserved).
    auto r = ensure_program_btf();
    if (!r) return unexpected(std::move(r).error().with_context(ctx));
    if (btf_->handle.valid()) mo.btf = MapBtf{btf_->handle.fd(), ms.key_type, ms.value_type, 0};
  }
  MapSpec mmapable;
  const MapSpec* create = &ms;
  if (wants_mmapable(ms, spec_)) {
    mmapable = ms;
    mmapable.flags |= map_flags::mmapable;
    create = &mmapable;
  }
  auto m = Map::create(*create, mo);
  if (!m) return unexpected(std::move(m).error().with_context(ctx));
  Map* out = &maps_.emplace(std::string(name), std::move(*m)).first->second;
  if (!pin_existed && out->is_pinned()) new_pins_.emplace(name);
  if (has_object_refs(ms)) deferred_.emplace_back(name);
  return out;
}

Result<void> CollectionLoader::ensure_program_btf() {
  if (btf_) return {};
  std::vector<const ProgramSpec*> progs;
  progs.reserve(spec_.programs.size());
  for (const auto& [_, p] : spec_.programs) progs.push_back(&p);
  EBPF_TRY(auto b, detail::load_program_btf(spec_, progs));
  btf_ = std::move(b);
  return {};
}

Result<void> CollectionLoader::ensure_kconfig() {
  if (kconfig_) return {};
  detail::KconfigMap km;
  EBPF_TRY_CTX(auto value, detail::kconfig_value(spec_, km.offsets), "map .kconfig");
  if (!value.empty()) {
    MapSpec ms;
    ms.name = ".kconfig";
    ms.type = MapType::array;
    ms.key_size = 4;
    ms.value_size = static_cast<std::uint32_t>(value.size());
    ms.max_entries = 1;
    ms.flags = map_flags::rdonly_prog;  // frozen once populated
    ms.contents.push_back(MapKV{std::vector<std::byte>(4), std::move(value)});
    // The spec shows the map (the ELF loader sized it the same way); an edited spec that disagrees is refused
    // rather than silently creating something else.
    auto sit = spec_.maps.find(ms.name);
    const bool in_spec = sit != spec_.maps.end() && sit->second.contents.empty();
    if (in_spec && (sit->second.type != ms.type || sit->second.value_size != ms.value_size ||
                    sit->second.max_entries != ms.max_entries)) {
      std::string msg = "map .kconfig: spec ";  // appended: g++ 12 warns falsely on "lit" + temporary at -O3
      msg += sit->second.to_string();
      msg += " does not match the ";
      msg += std::to_string(ms.value_size);
      msg += "-byte value of the kconfig externs";
      return fail(errc::invalid_argument, msg);
    }
    if (in_spec) ms.flags = sit->second.flags;
    auto m = Map::create(ms);
    if (!m) return unexpected(std::move(m).error().with_context("map .kconfig"));
    if (in_spec) {
      Map& placed = maps_.emplace(ms.name, std::move(*m)).first->second;
      km.fd = placed.fd();
    } else {
      kconfig_map_ = std::move(*m);
      km.fd = kconfig_map_.fd();
    }
  }
  kconfig_ = std::move(km);
  return {};
}

Result<Program*> CollectionLoader::load_program(std::string_view name) {
  if (auto it = programs_.find(name); it != programs_.end()) return &it->second;
  auto sit = spec_.programs.find(std::string(name));
  if (sit == spec_.programs.end())
    return fail(errc::not_found, "program " + std::string(name) + ": not in the collection spec");
  return load_program(sit->first, sit->second);
}

Result<detail::FixupContext> CollectionLoader::fixup_context(const std::string& name, const ProgramSpec& ps) {
  // Only built on error paths.
  auto ctx = [&name] { return "program " + name; };
  if (ps.type == ProgramType::unspec)
    return fail(errc::invalid_argument, ctx() + ": section " + ps.section_name + ": cannot load a program of unspecified type");

  // Maps first: everything the program references, in order of first reference (loaded maps are skipped;
  // Collection::load has loaded all of them already).
  auto need = [&](std::string_view ref) -> Result<void> {
    if (ref.empty() || maps_.contains(ref)) return {};
    if (!spec_.maps.contains(std::string(ref))) return {};  // externs and the .kconfig section are resolved below
    auto m = load_map(ref);
    if (!m) return unexpected(std::move(m).error().with_context(ctx()));
    return {};
  };
  if (maps_.size() < spec_.maps.size()) {
    if (const insn::EncodedInstructions* enc = ps.instructions.encoded()) {
      for (const insn::SlotReference& r : enc->references) EBPF_TRY_VOID(need(r.name));  // all map loads
    } else {
      for (const auto& ins : ps.instructions) {
        if (maps_.size() >= spec_.maps.size()) break;
        if (ins.is_map_load()) EBPF_TRY_VOID(need(ins.reference()));
      }
    }
  }
  if (!kconfig_) {
    auto r = ensure_kconfig();
    if (!r) return unexpected(std::move(r).error().with_context(ctx()));
  }
  {
    auto r = ensure_program_btf();
    if (!r) return unexpected(std::move(r).error().with_context(ctx()));
  }

  detail::FixupContext fx;
  fx.map_fd = [this](std::string_view map) -> Result<int> {
    auto it = maps_.find(map);
    if (it == maps_.end()) return fail(errc::not_found, "reference to unknown map " + std::string(map));
    return it->second.fd();
  };
  fx.kconfig = kconfig_ ? &*kconfig_ : nullptr;
  fx.btf = btf_ ? &*btf_ : nullptr;
  fx.externs = &spec_.externs;
  fx.object_btf = spec_.btf.get();
  if (auto t = options_.attach_targets.find(name); t != options_.attach_targets.end()) fx.attach_target = t->second;
  fx.core_target = options_.programs.kernel_types.get();
  fx.core_module_targets = &options_.programs.kernel_module_types;
  return fx;
}

Result<Program*> CollectionLoader::load_program(const std::string& name, const ProgramSpec& ps) {
  if (auto it = programs_.find(name); it != programs_.end()) return &it->second;
  EBPF_TRY(auto fx, fixup_context(name, ps));
  scratch_.clear();
  auto prepared = detail::prepare_program(ps, fx, scratch_);
  if (!prepared) return unexpected(std::move(prepared).error().with_context("program " + name));
  auto prog = Program::load(prepared->request, options_.programs);
  if (!prog)
    return unexpected(detail::with_report(std::move(prog).error().with_context("section " + ps.section_name), &ps,
                                          prepared->poisoned_relocations));
  return &programs_.emplace_hint(programs_.end(), name, std::move(*prog))->second;
}

Result<void> CollectionLoader::load_all_programs() {
  // In three passes: every program is prepared (user space only, while the spec is still in the caches: the
  // verifier's work between two loads would evict it), then all are loaded back to back from one buffer, then
  // filed by name. A failure anywhere leaves nothing loaded (the programs loaded so far close on return).
  struct Pending {
    const std::string* name;
    const ProgramSpec* spec;
    detail::PreparedProgram prepared;
  };
  std::vector<Pending> pending;
  pending.reserve(spec_.programs.size());
  scratch_.clear();
  // Sized for the programs still encoded (their code and records are known without decoding); others may grow it.
  std::size_t scratch = 0;
  for (const auto& [name, ps] : spec_.programs)
    if (const insn::EncodedInstructions* enc = ps.instructions.encoded())
      scratch += enc->bytes.size() + enc->func_infos.size() * 8 + enc->lines.size() * 16;
  scratch_.reserve(scratch);
  for (const auto& [name, ps] : spec_.programs) {
    if (ps.type == ProgramType::unspec) continue;  // kept in the spec, refused only when asked for by name
    if (programs_.contains(name)) continue;
    EBPF_TRY(auto fx, fixup_context(name, ps));
    auto prepared = detail::prepare_program(ps, fx, scratch_);
    if (!prepared) return unexpected(std::move(prepared).error().with_context("program " + name));
    pending.push_back(Pending{&name, &ps, std::move(*prepared)});
  }
  // The syscalls' attributes too are made ready now: the loop below touches little but them between two
  // verifier runs.
  auto loads = std::make_unique<detail::ProgramLoad[]>(pending.size());
  for (std::size_t i = 0; i < pending.size(); ++i) {
    pending[i].prepared.rebind(scratch_);
    auto r = loads[i].prepare(pending[i].prepared.request);
    if (!r) return unexpected(std::move(r).error().with_context("section " + pending[i].spec->section_name));
  }
  // Between two verifier runs (which evict the caches) the loop touches the next attributes and one fd slot;
  // the Programs are made afterwards. A failed attempt goes through the rest of the verifier-log protocol.
  std::vector<sys::Fd> fds(pending.size());
  const bool bare = detail::ProgramLoad::first_attempt_is_bare(options_.programs);
  for (std::size_t i = 0; i < pending.size(); ++i) {
    int first_errno = 0;
    if (bare) {
      auto fd = loads[i].first_attempt();
      if (fd) {
        fds[i] = std::move(*fd);
        continue;
      }
      first_errno = fd.error().sys_errno();
    }
    auto prog = loads[i].finish(options_.programs, first_errno);
    if (!prog)
      return unexpected(detail::with_report(
          std::move(prog).error().with_context("section " + pending[i].spec->section_name), pending[i].spec,
          pending[i].prepared.poisoned_relocations));
    programs_.emplace(*pending[i].name, std::move(*prog));  // with its log, if one was asked for
  }
  // Name order: each insertion lands at the end (the hint makes it O(1)).
  for (std::size_t i = 0; i < pending.size(); ++i)
    if (fds[i]) programs_.emplace_hint(programs_.end(), *pending[i].name, loads[i].adopt(std::move(fds[i])));
  return {};
}

Result<int> CollectionLoader::resolve(const ObjectRef& ref, bool want_program) {
  if (want_program) {
    if (loading_programs_.contains(ref.name)) {
      auto it = programs_.find(ref.name);
      if (it != programs_.end()) return it->second.fd();
    }
    loading_programs_.insert(ref.name);
    EBPF_TRY(Program * p, load_program(ref.name));
    return p->fd();
  }
  EBPF_TRY(Map * m, load_map(ref.name));
  return m->fd();
}

Result<void> CollectionLoader::populate_deferred() {
  // Loading a program named by a prog array may load more maps with references: iterate until stable.
  for (std::size_t i = 0; i < deferred_.size(); ++i) {
    const std::string name = deferred_[i];
    const MapSpec& ms = spec_.maps.at(name);
    Map& m = maps_.at(name);
    const bool programs = can_store_program(ms.type);
    auto r = m.populate(ms, [&](const ObjectRef& ref) { return resolve(ref, programs); });
    if (!r) return unexpected(std::move(r).error().with_context("populate map " + name));
  }
  return {};
}

// ---- Collection ----

Result<Collection> Collection::load(const CollectionSpec& spec, const CollectionOptions& options) {
  CollectionLoader loader(spec, options);
  for (const auto& [name, _] : spec.maps) EBPF_TRY_VOID(loader.load_map(name));
  EBPF_TRY_VOID(loader.load_all_programs());
  EBPF_TRY_VOID(loader.populate_deferred());
  Collection c;
  c.maps_ = std::move(loader.maps());
  c.programs_ = std::move(loader.programs());
  loader.commit();
  return c;
}

Result<Map*> Collection::map(std::string_view name) {
  auto it = maps_.find(name);
  if (it == maps_.end()) return fail(errc::not_found, "collection has no map " + std::string(name));
  return &it->second;
}

Result<Program*> Collection::program(std::string_view name) {
  auto it = programs_.find(name);
  if (it == programs_.end()) return fail(errc::not_found, "collection has no program " + std::string(name));
  return &it->second;
}

Result<Map> Collection::detach_map(std::string_view name) {
  auto it = maps_.find(name);
  if (it == maps_.end()) return fail(errc::not_found, "collection has no map " + std::string(name));
  Map m = std::move(it->second);
  maps_.erase(it);
  return m;
}

Result<Program> Collection::detach_program(std::string_view name) {
  auto it = programs_.find(name);
  if (it == programs_.end()) return fail(errc::not_found, "collection has no program " + std::string(name));
  Program p = std::move(it->second);
  programs_.erase(it);
  return p;
}

Result<LoadedObjects> load_only(const CollectionSpec& spec, const LoadOnlyRequest& request,
                                const CollectionOptions& options) {
  CollectionLoader loader(spec, options);
  for (const auto& name : request.maps) EBPF_TRY_VOID(loader.load_map(name));
  for (const auto& name : request.programs) EBPF_TRY_VOID(loader.load_program(name));
  EBPF_TRY_VOID(loader.populate_deferred());
  for (const auto& [name, m] : loader.maps()) {
    if (m.type() != MapType::prog_array) continue;
    const bool requested = std::find(request.maps.begin(), request.maps.end(), name) != request.maps.end();
    const MapSpec& ms = spec.maps.at(name);
    if (!requested && !ms.contents.empty())
      return fail(errc::invalid_argument, "prog array " + name +
                                              " must be requested (LoadOnlyRequest::maps): its static contents "
                                              "would be lost and tail calls into it would silently fail");
  }
  LoadedObjects out;
  for (const auto& name : request.maps) out.maps.emplace(name, std::move(loader.maps().at(name)));
  for (const auto& name : request.programs) out.programs.emplace(name, std::move(loader.programs().at(name)));
  loader.commit();
  return out;
}

Result<Program> load_program(const ProgramSpec& spec, const std::map<std::string, const Map*, std::less<>>& maps,
                             const ProgramOptions& options, const Program* attach_target) {
  const std::string ctx = "program " + spec.name;
  EBPF_TRY_CTX(auto btf, detail::load_program_btf(spec), ctx);
  detail::FixupContext fx;
  fx.map_fd = [&maps](std::string_view map) -> Result<int> {
    auto it = maps.find(map);
    if (it == maps.end() || it->second == nullptr)
      return fail(errc::not_found, "map " + std::string(map) + " is referenced but was not given");
    return it->second->fd();
  };
  fx.btf = &btf;
  fx.object_btf = spec.btf.get();
  fx.attach_target = attach_target;
  fx.core_target = options.kernel_types.get();
  fx.core_module_targets = &options.kernel_module_types;
  std::vector<std::byte> buffer;
  EBPF_TRY_CTX(auto prepared, detail::prepare_program(spec, fx, buffer), ctx);
  auto prog = Program::load(prepared.request, options);
  if (!prog)
    return unexpected(detail::with_report(std::move(prog).error().with_context("section " + spec.section_name), &spec,
                                          prepared.poisoned_relocations));
  return prog;
}

}  // namespace ebpf
