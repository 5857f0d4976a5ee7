// ebpfpp gen skeleton OBJECT [--name NAME] [--namespace NS] [-o|--output FILE]
//                    [--include HEADER ...] [--shared-types NAME,...]
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "command.hpp"
#include "ebpf/collection_spec.hpp"
#include "ebpf/gen/skeleton.hpp"

namespace {

using namespace ebpfpp_cli;

ebpf::Result<std::vector<std::byte>> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ebpf::unexpected(ebpf::Error::from_errno(errno, "open").with_context(path));
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return ebpf::unexpected(ebpf::Error::from_errno(errno, "read").with_context(path));
  std::vector<std::byte> bytes(chars.size());
  for (std::size_t i = 0; i < chars.size(); ++i) bytes[i] = static_cast<std::byte>(chars[i]);
  return bytes;
}

// Writes through a temporary file so that a build never sees half a header.
ebpf::Result<void> write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return ebpf::unexpected(ebpf::Error::from_errno(errno, "create").with_context(tmp));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out.flush()) return ebpf::unexpected(ebpf::Error::from_errno(errno, "write").with_context(tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    std::remove(tmp.c_str());
    return ebpf::unexpected(ebpf::Error::from_errno(e, "rename").with_context(path));
  }
  return {};
}

int run(Args args) {
  // -o is the one short option of the tool: spelled --output for the scanner.
  std::vector<std::string_view> spelled(args.begin(), args.end());
  for (auto& a : spelled)
    if (a == "-o") a = "--output";
  ArgScanner scan(spelled, {}, {"--name", "--namespace", "--output", "--shared-types", "--include"});
  if (!scan.ok()) return usage_error("gen", scan.error());
  const auto& pos = scan.positional();
  if (pos.size() != 2 || pos[0] != "skeleton") return usage_error("gen", "expected: gen skeleton OBJECT");
  const std::string path(pos[1]);
  auto bytes = read_file(path);
  if (!bytes) return report(bytes.error());
  std::string file_name = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  auto spec = ebpf::load_collection_spec(*bytes, file_name);
  if (!spec) return report(spec.error());
  ebpf::gen::SkeletonOptions options;
  options.name = std::string(scan.option("--name").value_or(ebpf::gen::default_skeleton_name(file_name)));
  options.name_space = std::string(scan.option("--namespace").value_or(""));
  options.object_name = file_name;
  options.object = *bytes;
  for (std::string_view list : scan.options("--shared-types")) {
    while (!list.empty()) {
      std::size_t comma = list.find(',');
      if (std::string_view n = list.substr(0, comma); !n.empty()) options.shared_types.emplace_back(n);
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
  }
  for (std::string_view inc : scan.options("--include")) options.includes.emplace_back(inc);
  auto header = ebpf::gen::generate_skeleton(*spec, options);
  if (!header) return report(header.error().with_context("gen skeleton " + file_name));
  if (auto out = scan.option("--output")) {
    auto w = write_file(std::string(*out), *header);
    if (!w) return report(w.error());
    return 0;
  }
  std::fwrite(header->data(), 1, header->size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

const Registration reg{{"gen", "gen skeleton OBJECT [--name NAME] [--namespace NS] [-o FILE] [--include H] [--shared-types T,...]",
                        "write a typed C++ skeleton header for an object (types, maps, programs, variables)", &run}};

}  // namespace
