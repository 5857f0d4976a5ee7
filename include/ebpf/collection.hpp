// Collection: the live maps and programs of a CollectionSpec.
//
// Loading follows the seeds' order: maps first (replacements cloned, pinned maps reused when compatible),
// then programs (map references, data sections, .kconfig values, .ksyms and kfuncs resolved; func and line
// info passed when the kernel supports them), then the deferred maps populated (prog arrays and maps of maps
// from static `values`) and read-only data maps frozen. On any failure everything created so far is closed:
// nothing half-loaded remains.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ebpf/collection_spec.hpp"
#include "ebpf/error.hpp"
#include "ebpf/map.hpp"
#include "ebpf/program.hpp"

namespace ebpf {

struct CollectionOptions {
  // pin_path for maps with PinType::by_name, and pin-load flags.
  MapOptions maps;
  ProgramOptions programs;
  // Maps to use instead of creating the spec's map of the same name. Each must be compatible with its spec
  // (MapSpec::compatible); the collection works on a clone, so the caller keeps ownership of the original.
  std::map<std::string, const Map*, std::less<>> map_replacements;
  // Programs that attach to another BPF program rather than to the kernel: freplace (BPF_PROG_TYPE_EXT,
  // replacing the function named by ProgramSpec::attach_to) and fentry/fexit on a BPF program. Keyed by the
  // name of the program in the spec; the target must have been loaded with BTF (its function is looked up in
  // the target's BTF) and must stay open until the load returns.
  std::map<std::string, const Program*, std::less<>> attach_targets;
};

// What load_only() should load: the named maps and programs, plus whatever the programs need.
struct LoadOnlyRequest {
  std::vector<std::string> maps;
  std::vector<std::string> programs;
};

// Objects handed to the caller by load_only(): owned, independent of any collection.
struct LoadedObjects {
  std::map<std::string, Map, std::less<>> maps;
  std::map<std::string, Program, std::less<>> programs;
};

class Collection {
 public:
  Collection() = default;
  Collection(Collection&&) noexcept = default;
  Collection& operator=(Collection&&) noexcept = default;

  // Loads every map and every program of a known type (programs of unspecified type are skipped).
  static Result<Collection> load(const CollectionSpec& spec, const CollectionOptions& options = {});

  // The map / program named `name`; errc::not_found if there is none.
  Result<Map*> map(std::string_view name);
  Result<Program*> program(std::string_view name);
  [[nodiscard]] const std::map<std::string, Map, std::less<>>& maps() const noexcept { return maps_; }
  [[nodiscard]] const std::map<std::string, Program, std::less<>>& programs() const noexcept { return programs_; }

  // Attaches every program whose section names its attach point (Program::attach), in name order, as libbpf's
  // skeleton attach does. `targets` gives a Program::attach target by program name (uprobe "path:symbol",
  // XDP interface, cgroup path...). Programs that cannot be attached from their section alone and have no
  // target (a bare "uprobe" or "xdp" section, syscall, socket filter, struct_ops programs...) are skipped, as
  // are those named in `skip`. All or nothing: on failure every link made so far is detached and the error
  // names the program. Defined in src/link/ (include ebpf/link/link.hpp to use the result).
  [[nodiscard]] Result<std::vector<Link>> attach_all(
      const std::map<std::string, std::string, std::less<>>& targets = {},
      const std::vector<std::string>& skip = {}) const;

  // Takes a map or program out of the collection: destroying the collection then leaves it alone.
  Result<Map> detach_map(std::string_view name);
  Result<Program> detach_program(std::string_view name);

 private:
  friend class CollectionLoader;
  std::map<std::string, Map, std::less<>> maps_;
  std::map<std::string, Program, std::less<>> programs_;
};

// Selective loading (the seeds' LoadAndAssign): loads the requested maps and programs and what the programs
// reference, and returns them as owned objects. A prog array with static contents that was loaded as a
// dependency but not requested is refused: its tail calls would silently fail once it is closed.
Result<LoadedObjects> load_only(const CollectionSpec& spec, const LoadOnlyRequest& request,
                                const CollectionOptions& options = {});

// Loads a single program from its spec. Maps it references must be given (by name) in `maps`; data sections
// and .kconfig values are resolved only through them, so a program that uses them is better loaded through a
// Collection or load_only().
// `attach_target`: as CollectionOptions::attach_targets, for this program.
Result<Program> load_program(const ProgramSpec& spec, const std::map<std::string, const Map*, std::less<>>& maps = {},
                             const ProgramOptions& options = {}, const Program* attach_target = nullptr);

}  // namespace ebpf
