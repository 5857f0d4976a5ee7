// ebpfpp btf dump FILE|OBJECT [--format c|raw] [--json]
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "command.hpp"
#include "ebpf/btf/btf.hpp"
#include "ebpf/btf/dump.hpp"
#include "ebpf/btf/object.hpp"

namespace {

using namespace ebpfpp_cli;

ebpf::Result<ebpf::btf::Spec> open_btf(std::string_view path) {
  std::string p(path);
  std::FILE* f = std::fopen(p.c_str(), "rb");
  if (f == nullptr) return ebpf::unexpected(ebpf::Error::from_errno(errno, "open").with_context(p));
  unsigned char magic[4] = {};
  std::size_t n = std::fread(magic, 1, 4, f);
  std::fclose(f);
  bool elf = n == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
  if (!elf) {
    // Raw BTF: module BTF under /sys/kernel/btf is split on vmlinux.
    std::string_view dir = "/sys/kernel/btf/";
    if (path.starts_with(dir) && path.substr(dir.size()) != "vmlinux") {
      EBPF_TRY(ebpf::btf::Spec base, ebpf::btf::kernel());
      return ebpf::btf::Spec::load_file(p, &base);
    }
    return ebpf::btf::Spec::load_file(p);
  }
  std::ifstream in(p, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::span<const std::byte> view(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size());
  EBPF_TRY_CTX(auto secs, ebpf::btf::object_sections(view), p);
  if (secs.btf.empty()) return ebpf::fail(ebpf::errc::not_found, p + ": no .BTF section");
  auto spec = ebpf::btf::Spec::parse_elf_section(secs.btf, secs.order);
  if (!spec) return ebpf::unexpected(spec.error().with_context(p + ": .BTF"));
  return spec;
}

int run(Args args) {
  ArgScanner scan(args, {"--json"}, {"--format"});
  if (!scan.ok()) return usage_error("btf", scan.error());
  const auto& pos = scan.positional();
  if (pos.size() != 2 || pos[0] != "dump") return usage_error("btf", "expected: btf dump FILE|OBJECT");
  std::string_view format = scan.option("--format").value_or("raw");
  if (format != "raw" && format != "c") return usage_error("btf", "--format must be c or raw");
  auto spec = open_btf(pos[1]);
  if (!spec) return report(spec.error());
  std::string out;
  if (format == "c") {
    auto c = ebpf::btf::dump_c(*spec);
    if (!c) return report(c.error());
    out = std::move(*c);
  } else if (scan.flag("--json")) {
    out = ebpf::btf::dump_json(*spec);
  } else {
    out = ebpf::btf::dump_raw(*spec);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

const Registration reg{{"btf", "btf dump FILE|OBJECT [--format c|raw] [--json]",
                        "list the BTF types of a raw BTF file or an ELF object (bpftool format, JSON or C)", &run}};

}  // namespace
