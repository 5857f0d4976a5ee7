// `ebpfpp demo`: the README's main job. Builds a small XDP program with the instruction builders, loads it
// into the kernel, runs it on two sample packets with BPF_PROG_TEST_RUN and prints what came back.
#include <array>
#include <bit>
#include <cstdio>
#include <vector>

#include "command.hpp"
#include "ebpf/asm/builders.hpp"
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

int run_demo(Args args) {
  if (!args.empty()) return usage_error("demo", "takes no arguments");
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
    std::array<std::byte, 64> frame{};
    frame[12] = std::byte(s.ethertype >> 8);
    frame[13] = std::byte(s.ethertype & 0xff);
    auto res = prog->run({.data = frame, .repeat = 1000});
    if (!res) return report(res.error());
    std::printf("  %-10s -> %u (%s), %lld ns per run\n", s.what, res->retval, verdict(res->retval),
                static_cast<long long>(res->duration.count()));
  }
  return 0;
}

const Registration reg{{"demo", "demo", "load a builder-made XDP program and test-run it on sample frames", &run_demo}};

}  // namespace
}  // namespace ebpfpp_cli
