// ebpfpp inspect OBJECT [--json]: the maps, programs and variables of an ELF object, before loading.
#include <cstdio>
#include <string>

#include "command.hpp"
#include "ebpf/collection_spec.hpp"
#include "json_writer.hpp"

namespace ebpfpp_cli {
namespace {

std::string_view pin_name(ebpf::PinType p) { return p == ebpf::PinType::by_name ? "by_name" : "none"; }

void write_map(JsonWriter& j, const ebpf::MapSpec& m) {
  j.begin_object();
  j.key("name").value(m.name);
  j.key("type").value(ebpf::to_string(m.type));
  j.key("key_size").value(std::uint64_t{m.key_size});
  j.key("value_size").value(std::uint64_t{m.value_size});
  j.key("max_entries").value(std::uint64_t{m.max_entries});
  j.key("flags").value(std::uint64_t{m.flags});
  j.key("map_extra").value(std::uint64_t{m.map_extra});
  j.key("pinning").value(pin_name(m.pinning));
  j.key("inner_map");
  if (m.inner_map)
    write_map(j, *m.inner_map);
  else
    j.null();
  j.key("contents").value(std::uint64_t{m.contents.size()});
  j.end_object();
}

std::string json(const ebpf::CollectionSpec& spec) {
  JsonWriter j;
  j.begin_object();
  j.key("byte_order").value(spec.byte_order == std::endian::big ? "big" : "little");
  j.key("license").value(spec.license);
  j.key("kernel_version").value(std::uint64_t{spec.kernel_version});
  j.key("maps").begin_array();
  for (const auto& [_, m] : spec.maps) write_map(j, m);
  j.end_array();
  j.key("programs").begin_array();
  for (const auto& [_, p] : spec.programs) {
    j.begin_object();
    j.key("name").value(p.name);
    j.key("section").value(p.section_name);
    j.key("type").value(ebpf::to_string(p.type));
    j.key("attach_type").value(ebpf::to_string(p.attach_type));
    j.key("attach_to").value(p.attach_to);
    j.key("flags").value(std::uint64_t{p.flags});
    j.key("insns").value(std::uint64_t{p.instructions.size_in_slots()});
    j.key("license").value(p.license);
    j.end_object();
  }
  j.end_array();
  j.key("variables").begin_array();
  for (const auto& [_, v] : spec.variables) {
    j.begin_object();
    j.key("name").value(v.name);
    j.key("section").value(v.section);
    j.key("offset").value(v.offset);
    j.key("size").value(v.size);
    j.end_object();
  }
  j.end_array();
  // Data sections left out of the spec (nothing is created for them): libbpf would create these too.
  j.key("pruned_sections").begin_array();
  for (const auto& p : spec.pruned_sections) {
    j.begin_object();
    j.key("name").value(p.name);
    j.key("size").value(p.size);
    j.key("reason").value("unreferenced");
    j.end_object();
  }
  j.end_array();
  j.key("btf");
  if (spec.btf) {
    j.begin_object();
    j.key("types").value(std::uint64_t{spec.btf->type_count() - spec.btf->first_id()});
    j.end_object();
  } else {
    j.null();
  }
  j.end_object();
  return j.str();
}

std::string flags_text(std::uint32_t f) { return f == 0 ? "-" : "0x" + [&] {
  char b[16];
  std::snprintf(b, sizeof b, "%x", f);
  return std::string(b);
}(); }

void human(const ebpf::CollectionSpec& spec, std::string_view path) {
  std::printf("%.*s: %s-endian\n", static_cast<int>(path.size()), path.data(),
              spec.byte_order == std::endian::big ? "big" : "little");
  std::printf("license: %s  kernel version: %u  BTF: %s\n", spec.license.empty() ? "(none)" : spec.license.c_str(),
              spec.kernel_version,
              spec.btf ? (std::to_string(spec.btf->type_count() - spec.btf->first_id()) + " types").c_str() : "none");
  std::printf("\nmaps (%zu):\n", spec.maps.size());
  if (!spec.maps.empty())
    std::printf("  %-24s %-18s %8s %10s %11s %8s %-8s %s\n", "NAME", "TYPE", "KEY", "VALUE", "MAX", "FLAGS", "PIN",
                "ENTRIES");
  for (const auto& [_, m] : spec.maps) {
    auto t = ebpf::to_string(m.type);
    std::printf("  %-24s %-18.*s %8u %10u %11u %8s %-8.*s %zu\n", m.name.c_str(), static_cast<int>(t.size()), t.data(),
                m.key_size, m.value_size, m.max_entries, flags_text(m.flags).c_str(),
                static_cast<int>(pin_name(m.pinning).size()), pin_name(m.pinning).data(), m.contents.size());
  }
  std::printf("\nprograms (%zu):\n", spec.programs.size());
  if (!spec.programs.empty())
    std::printf("  %-24s %-32s %-16s %-24s %6s %6s\n", "NAME", "SECTION", "TYPE", "ATTACH", "FLAGS", "INSNS");
  for (const auto& [_, p] : spec.programs) {
    auto t = ebpf::to_string(p.type);
    std::string attach = std::string(ebpf::to_string(p.attach_type));
    if (!p.attach_to.empty()) attach += " (" + p.attach_to + ")";
    std::printf("  %-24s %-32s %-16.*s %-24s %6s %6zu\n", p.name.c_str(), p.section_name.c_str(),
                static_cast<int>(t.size()), t.data(), attach.c_str(), flags_text(p.flags).c_str(),
                p.instructions.size_in_slots());
  }
  std::printf("\nvariables (%zu):\n", spec.variables.size());
  if (!spec.variables.empty()) std::printf("  %-24s %-20s %8s %8s\n", "NAME", "SECTION", "OFFSET", "SIZE");
  for (const auto& [_, v] : spec.variables)
    std::printf("  %-24s %-20s %8llu %8llu\n", v.name.c_str(), v.section.c_str(),
                static_cast<unsigned long long>(v.offset), static_cast<unsigned long long>(v.size));
  if (!spec.pruned_sections.empty()) {
    std::printf("\nnot created (no instruction refers to them):\n");
    for (const auto& p : spec.pruned_sections)
      std::printf("  %-24s %8llu bytes\n", p.name.c_str(), static_cast<unsigned long long>(p.size));
  }
  if (!spec.externs.empty()) {
    std::printf("\nexterns (%zu):\n", spec.externs.size());
    for (const auto& e : spec.externs)
      std::printf("  %-24s %s%s\n", e.name.c_str(), e.kind == ebpf::ExternSpec::Kind::function ? "function" : "variable",
                  e.weak ? " (weak)" : "");
  }
}

int run(Args args) {
  ArgScanner scan(args, {"--json"}, {});
  if (!scan.ok()) return usage_error("inspect", scan.error());
  if (scan.positional().size() != 1) return usage_error("inspect", "expected one OBJECT");
  const std::string path(scan.positional()[0]);
  auto spec = ebpf::load_collection_spec(std::filesystem::path(path));
  if (!spec) return report(spec.error());
  if (scan.flag("--json")) {
    std::printf("%s\n", json(*spec).c_str());
  } else {
    human(*spec, path);
  }
  return 0;
}

const Registration reg{{"inspect", "inspect OBJECT [--json]", "show the maps, programs and variables of an ELF object",
                        &run}};

}  // namespace
}  // namespace ebpfpp_cli
