// Run-time support of generated skeletons.
#include "ebpf/skeleton/core.hpp"

#include <algorithm>
#include <variant>

#include "ebpf/link/auto_attach.hpp"
#include <vector>

namespace ebpf::skeleton {

namespace {
bool is_data_section(const MapSpec& m) {
  auto dotted = [&](std::string_view prefix) {
    return m.name == prefix || (m.name.size() > prefix.size() && m.name.starts_with(prefix) && m.name[prefix.size()] == '.');
  };
  return m.type == MapType::array && m.max_entries == 1 && m.key_size == 4 &&
         (dotted(".data") || dotted(".rodata") || dotted(".bss"));
}

std::vector<std::byte>* initial_value(MapSpec& m) {
  for (auto& kv : m.contents)
    if (auto* bytes = std::get_if<std::vector<std::byte>>(&kv.value)) return bytes;
  return nullptr;
}

Result<Core> finish_open(Result<CollectionSpec> spec) {
  if (!spec) return unexpected(std::move(spec).error());
  Core core;
  core.spec() = std::move(*spec);
  for (auto& [name, m] : core.spec().maps) {
    if (!is_data_section(m)) continue;
    if (initial_value(m) == nullptr)
      m.contents.push_back(MapKV{std::vector<std::byte>(4), std::vector<std::byte>(m.value_size)});
    // A section's struct may be a little larger than the section (rounded up to its alignment, at most 8):
    // the buffer behind section() holds that much.
    initial_value(m)->reserve((m.value_size + 7) / 8 * 8);
  }
  return core;
}
}  // namespace

Result<Core> Core::open(std::span<const std::byte> object, std::string_view name) {
  return finish_open(load_collection_spec(object, name));
}

Result<Core> Core::open(const std::filesystem::path& path) { return finish_open(load_collection_spec(path)); }

Result<void> Core::expect_section(std::string_view section, std::size_t size) const {
  auto it = spec_.maps.find(std::string(section));
  if (it == spec_.maps.end())
    return fail(errc::invalid_argument, "skeleton: object has no data section " + std::string(section));
  if (it->second.value_size != size)
    return fail(errc::invalid_argument, "skeleton: data section " + std::string(section) + ": size " +
                                            std::to_string(it->second.value_size) + " differs from the generated " +
                                            std::to_string(size) + " (regenerate the skeleton)");
  return {};
}

Result<void> Core::load(const CollectionOptions& options) {
  if (loaded_) return fail(errc::invalid_argument, "skeleton: already loaded");
  EBPF_TRY(Collection coll, Collection::load(spec_, options));
  std::map<std::string, Memory, std::less<>> memory;
  for (const auto& [name, map] : coll.maps()) {
    auto sit = spec_.maps.find(name);
    if (sit == spec_.maps.end() || !is_data_section(sit->second) || (map.flags() & map_flags::mmapable) == 0) continue;
    EBPF_TRY_CTX(Memory mem, map.memory(), "skeleton: map " + name);
    memory.emplace(name, std::move(mem));
  }
  collection_ = std::move(coll);
  memory_ = std::move(memory);
  loaded_ = true;
  return {};
}

std::byte* Core::section(std::string_view section) noexcept {
  if (loaded_) {
    auto it = memory_.find(section);
    return it == memory_.end() ? nullptr : it->second.data();
  }
  auto it = spec_.maps.find(std::string(section));
  if (it == spec_.maps.end()) return nullptr;
  std::vector<std::byte>* bytes = initial_value(it->second);
  return bytes == nullptr || bytes->size() != it->second.value_size ? nullptr : bytes->data();
}

void Core::take(std::string_view name, Map& out) {
  if (auto m = collection_.detach_map(name)) out = std::move(*m);
}

void Core::take(std::string_view name, Program& out) {
  if (auto p = collection_.detach_program(name)) out = std::move(*p);
}

Result<void> Core::attach(std::initializer_list<std::pair<std::string_view, const Program*>> programs,
                          const std::map<std::string, std::string, std::less<>>& targets) {
  std::vector<Link> links;
  links.reserve(programs.size());
  for (const auto& [name, program] : programs) {
    if (program == nullptr || !program->valid()) continue;  // not loaded (unspecified type)
    auto t = targets.find(name);
    const std::string_view target = t == targets.end() ? std::string_view{} : std::string_view(t->second);
    if (!link::auto_attachable(*program, !target.empty())) continue;
    auto l = program->attach(target);
    // Returning drops `links`: what this call attached is detached again.
    if (!l) return unexpected(std::move(l).error().with_context("skeleton: attach program " + std::string(name)));
    links.push_back(std::move(*l));
  }
  for (Link& l : links) links_.push_back(std::move(l));
  return {};
}

std::uint64_t read_bits(const void* base, std::uint32_t offset, std::uint32_t bits, std::endian order) noexcept {
  const auto* p = static_cast<const unsigned char*>(base) + offset / 8;
  const std::uint32_t shift = offset % 8;
  const std::uint32_t nbytes = (shift + bits + 7) / 8;  // at most 9 for a 64-bit field
  unsigned __int128 v = 0;
  for (std::uint32_t i = 0; i < nbytes; ++i) {
    if (order == std::endian::little) v |= static_cast<unsigned __int128>(p[i]) << (8 * i);
    else v = (v << 8) | p[i];
  }
  const std::uint32_t low = order == std::endian::little ? shift : nbytes * 8 - shift - bits;
  const unsigned __int128 mask = (static_cast<unsigned __int128>(1) << bits) - 1;
  return static_cast<std::uint64_t>((v >> low) & mask);
}

void write_bits(void* base, std::uint32_t offset, std::uint32_t bits, std::endian order, std::uint64_t value) noexcept {
  auto* p = static_cast<unsigned char*>(base) + offset / 8;
  const std::uint32_t shift = offset % 8;
  const std::uint32_t nbytes = (shift + bits + 7) / 8;
  unsigned __int128 v = 0;
  for (std::uint32_t i = 0; i < nbytes; ++i) {
    if (order == std::endian::little) v |= static_cast<unsigned __int128>(p[i]) << (8 * i);
    else v = (v << 8) | p[i];
  }
  const std::uint32_t low = order == std::endian::little ? shift : nbytes * 8 - shift - bits;
  const unsigned __int128 mask = ((static_cast<unsigned __int128>(1) << bits) - 1) << low;
  v = (v & ~mask) | ((static_cast<unsigned __int128>(value) << low) & mask);
  for (std::uint32_t i = 0; i < nbytes; ++i) {
    if (order == std::endian::little) p[i] = static_cast<unsigned char>(v >> (8 * i));
    else p[i] = static_cast<unsigned char>(v >> (8 * (nbytes - 1 - i)));
  }
}

}  // namespace ebpf::skeleton
