// `ebpfpp run OBJECT PROGRAM [--pin DIR] [--btf FILE] [--data HEX|@FILE] [--ctx HEX|@FILE] [--repeat N] [--json]`:
// loads only PROGRAM and what it needs (CO-RE against --btf FILE when given: raw BTF or an object's .BTF), runs
// it once (or N times) with BPF_PROG_TEST_RUN and prints the result.
// With --json: {"retval": N, "duration_ns": N, "data_out": "hex"}; on failure {"error": "...", "verifier": {...} | null}
// (see load_failure.hpp). A load the verifier refuses is reported at its source line.
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "command.hpp"
#include "ebpf/btf/core.hpp"
#include "ebpf/collection.hpp"
#include "json_writer.hpp"
#include "load_failure.hpp"

namespace ebpfpp_cli {
namespace {

ebpf::Result<std::vector<std::byte>> read_input(std::string_view what, std::string_view arg) {
  std::vector<std::byte> out;
  if (arg.starts_with('@')) {
    const std::string path(arg.substr(1));
    std::ifstream in(path, std::ios::binary);
    if (!in) return ebpf::fail(ebpf::errc::not_found, std::string(what) + ": cannot open " + path);
    std::vector<char> buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (char c : buf) out.push_back(static_cast<std::byte>(c));
    return out;
  }
  std::string hex;
  for (char c : arg)
    if (c != ' ' && c != ':' && c != '\n') hex += c;
  if (hex.starts_with("0x")) hex.erase(0, 2);
  if (hex.size() % 2 != 0) return ebpf::fail(ebpf::errc::invalid_argument, std::string(what) + ": odd number of hex digits");
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, v, 16);
    if (ec != std::errc() || p != hex.data() + i + 2)
      return ebpf::fail(ebpf::errc::invalid_argument, std::string(what) + ": not hex: " + hex.substr(i, 2));
    out.push_back(static_cast<std::byte>(v));
  }
  return out;
}

std::string to_hex(std::span<const std::byte> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (std::byte b : bytes) {
    s += kHex[std::to_integer<unsigned>(b) >> 4];
    s += kHex[std::to_integer<unsigned>(b) & 0xf];
  }
  return s;
}

int run_run(Args args) {
  ArgScanner scan(args, {"--json"}, {"--pin", "--data", "--ctx", "--repeat", "--btf"});
  if (!scan.ok()) return usage_error("run", scan.error());
  if (scan.positional().size() != 2) return usage_error("run", "expects OBJECT and PROGRAM");
  const bool json = scan.flag("--json");
  auto fail_with = [json](const ebpf::Error& e) { return report_load_failure(e, json); };
  const std::string object(scan.positional()[0]);
  const std::string program(scan.positional()[1]);

  std::vector<std::byte> data, ctx;
  if (auto d = scan.option("--data")) {
    auto r = read_input("--data", *d);
    if (!r) return fail_with(r.error());
    data = std::move(*r);
  }
  if (auto c = scan.option("--ctx")) {
    auto r = read_input("--ctx", *c);
    if (!r) return fail_with(r.error());
    ctx = std::move(*r);
  }
  std::uint32_t repeat = 1;
  if (auto n = scan.option("--repeat")) {
    auto [p, ec] = std::from_chars(n->data(), n->data() + n->size(), repeat);
    if (ec != std::errc() || p != n->data() + n->size() || repeat == 0)
      return usage_error("run", "--repeat needs a positive number");
  }

  auto spec = ebpf::load_collection_spec(object);
  if (!spec) return fail_with(spec.error());
  ebpf::CollectionOptions opts;
  if (auto pin = scan.option("--pin")) opts.maps.pin_path = std::string(*pin);
  if (auto btf = scan.option("--btf")) {
    auto target = ebpf::btf::load_target_file(std::string(*btf));
    if (!target) return fail_with(target.error());
    opts.programs.kernel_types = std::make_shared<const ebpf::btf::Spec>(std::move(*target));
  }
  ebpf::LoadOnlyRequest req;
  req.programs.push_back(program);
  // Prog arrays the program uses are requested too: their static contents must stay for tail calls.
  if (auto it = spec->programs.find(program); it != spec->programs.end())
    for (const auto& m : it->second.map_references())
      if (auto ms = spec->maps.find(m); ms != spec->maps.end() && ms->second.type == ebpf::MapType::prog_array)
        req.maps.push_back(m);
  auto objs = ebpf::load_only(*spec, req, opts);
  if (!objs) return fail_with(objs.error().with_context(object));
  ebpf::Program& prog = objs->programs.at(program);

  std::vector<std::byte> ctx_out(ctx.size());
  auto res = prog.run({.data = data, .context = ctx, .context_out = ctx_out, .repeat = repeat});
  if (!res) return fail_with(res.error());
  std::span<const std::byte> out(res->data_out.data(), res->data_out_size);

  if (json) {
    JsonWriter w;
    w.begin_object();
    w.key("retval").value(std::uint64_t{res->retval});
    w.key("duration_ns").value(static_cast<std::uint64_t>(res->duration.count()));
    w.key("data_out").value(to_hex(out));
    w.end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf("program %s: retval %u (0x%x), %lld ns per run over %u run(s)\n", program.c_str(), res->retval,
                res->retval, static_cast<long long>(res->duration.count()), repeat);
    if (!out.empty()) std::printf("data out (%zu bytes): %s\n", out.size(), to_hex(out).c_str());
  }
  return 0;
}

const Registration reg{{"run", "run OBJECT PROGRAM [--pin DIR] [--btf FILE] [--data HEX|@FILE] [--ctx HEX|@FILE] [--repeat N] [--json]",
                        "load one program (and what it needs) and test-run it", &run_run}};

}  // namespace
}  // namespace ebpfpp_cli
