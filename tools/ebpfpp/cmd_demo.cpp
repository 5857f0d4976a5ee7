// `ebpfpp demo [OBJECT]`: the README's main job. Builds a small XDP program with the instruction builders,
// loads it into the kernel, runs it on two sample packets with BPF_PROG_TEST_RUN and prints what came back.
// Then loads the shipped example collection (examples/packet_stats.bpf.c, or OBJECT), blocks ARP through a
// .rodata-configured filter, runs both programs on sample frames and prints the maps they filled.
#include <array>
#include <bit>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "command.hpp"
#include "ebpf/asm/builders.hpp"
#include "ebpf/collection.hpp"
#include "ebpf/program.hpp"

namespace ebpfpp_cli {
namespace {

using namespace ebpf::insn;

// Passes IPv4 frames, drops everything else (and frames too short for an ethernet header).
Instructions ipv4_only_filter() {
  Instructions prog{
      ld_mem(Size::w, R2, R1, 0),  // r2 = ctx->data
      ld_mem(Size::w, R3, R1, 4),  // r3 = ctx->data_end
      mov(R0, 1),                  // XDP_DROP
      mov(R4, R2),
      alu64(AluOp::add, R4, 14),   // end of the ethernet header
      jump(JumpOp::jgt, R4, R3, std::string("out")),
      ld_mem(Size::h, R5, R2, 12),  // ethertype, network byte order
      jump(JumpOp::jne, R5, std::int32_t{0x0008}, std::string("out")),  // 0x0800 read little-endian
      mov(R0, 2),                   // XDP_PASS
      exit().with_symbol("out"),
  };
  return prog;
}

const char* verdict(std::uint32_t v) {
  switch (v) {
    case 1: return "XDP_DROP";
    case 2: return "XDP_PASS";
    default: return "?";
  }
}

std::array<std::byte, 64> sample_frame(std::uint16_t ethertype) {
  std::array<std::byte, 64> frame{};
  frame[12] = std::byte(ethertype >> 8);
  frame[13] = std::byte(ethertype & 0xff);
  return frame;
}

// The packet_stats collection: both programs on a few frames, then the maps.
int run_collection(const std::string& object) {
  auto spec = ebpf::load_collection_spec(object);
  if (!spec) return report(spec.error());
  if (auto r = spec->set_variable("min_frame_len", std::uint32_t{60}); !r) return report(r.error());
  auto coll = ebpf::Collection::load(*spec);
  if (!coll) return report(coll.error().with_context(object));
  std::printf("\nloaded collection %s: %zu programs, %zu maps\n", std::filesystem::path(object).filename().c_str(),
              coll->programs().size(), coll->maps().size());
  auto blocked = coll->map("blocked");
  if (!blocked) return report(blocked.error());
  if (auto r = (*blocked)->update<std::uint16_t, std::uint8_t>(0x0806, 1); !r) return report(r.error());
  std::printf("  blocked ethertype 0x0806 (arp); min_frame_len = 60 set in .rodata before load\n");

  struct Sample {
    const char* what;
    std::uint16_t ethertype;
    std::size_t len;
  };
  const Sample samples[] = {{"ipv4 frame", 0x0800, 64}, {"ipv6 frame", 0x86dd, 64}, {"arp frame", 0x0806, 64},
                            {"ipv4 frame", 0x0800, 64}, {"short ipv4", 0x0800, 42}};
  for (const char* name : {"xdp_count", "xdp_filter"}) {
    auto prog = coll->program(name);
    if (!prog) return report(prog.error());
    for (const Sample& s : samples) {
      auto frame = sample_frame(s.ethertype);
      auto res = (*prog)->run({.data = std::span<const std::byte>(frame.data(), s.len)});
      if (!res) return report(res.error());
      std::printf("  %-10s %-10s (%2zu bytes) -> %u (%s)\n", name, s.what, s.len, res->retval, verdict(res->retval));
    }
  }
  auto stats = coll->map("stats");
  if (!stats) return report(stats.error());
  const char* stat_names[] = {"frames", "bytes", "dropped"};
  std::printf("  map stats:");
  for (std::uint32_t i = 0; i < 3; ++i) {
    auto v = (*stats)->lookup<std::uint32_t, std::uint64_t>(i);
    if (!v) return report(v.error());
    std::printf(" %s=%llu", stat_names[i], static_cast<unsigned long long>(*v));
  }
  std::printf("\n");
  auto per = coll->map("per_ethertype");
  if (!per) return report(per.error());
  std::vector<std::pair<std::uint16_t, std::uint64_t>> rows;
  for (std::uint16_t type : {std::uint16_t{0x0800}, std::uint16_t{0x0806}, std::uint16_t{0x86dd}}) {
    auto v = (*per)->lookup<std::uint16_t, std::uint64_t>(type);
    if (v) rows.emplace_back(type, *v);
    else if (!v.error().is(ebpf::errc::key_not_exist)) return report(v.error());
  }
  std::printf("  map per_ethertype:");
  for (auto [type, n] : rows) std::printf(" 0x%04x=%llu", type, static_cast<unsigned long long>(n));
  std::printf("\n");
  return 0;
}

int run_demo(Args args) {
  if (args.size() > 1) return usage_error("demo", "takes at most one OBJECT");
  const std::string object =
      args.empty() ? std::string(EBPFPP_EXAMPLES_DIR) + "/packet_stats.bpfel.o" : std::string(args[0]);
  auto insns = ipv4_only_filter();
  if (auto r = insns.resolve_jumps(); !r) return report(r.error());
  auto bytes = insns.encode(std::endian::native);
  if (!bytes) return report(bytes.error());
  auto prog = ebpf::Program::load(
      {.name = "ipv4_only", .type = ebpf::ProgramType::xdp, .instructions = *bytes, .license = "GPL"});
  if (!prog) return report(prog.error());
  auto info = prog->info();
  if (!info) return report(info.error());
  std::printf("loaded xdp program %s: id %u, tag %s, %zu instructions\n", prog->name().c_str(), info->id,
              info->tag_string().c_str(), insns.size());

  struct Sample {
    const char* what;
    std::uint16_t ethertype;
  };
  for (Sample s : {Sample{"ipv4 frame", 0x0800}, Sample{"arp frame", 0x0806}}) {
    auto frame = sample_frame(s.ethertype);
    auto res = prog->run({.data = frame, .repeat = 1000});
    if (!res) return report(res.error());
    std::printf("  %-10s -> %u (%s), %lld ns per run\n", s.what, res->retval, verdict(res->retval),
                static_cast<long long>(res->duration.count()));
  }
  return run_collection(object);
}

const Registration reg{{"demo", "demo [OBJECT]",
                        "test-run a builder-made XDP program, then the example collection packet_stats", &run_demo}};

}  // namespace
}  // namespace ebpfpp_cli
