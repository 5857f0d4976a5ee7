// Instruction decoding and encoding of a ~10k-instruction program, with a memcpy of the same bytes for
// scale. Counters: insns (instructions per program), allocs/op (heap allocations per decode/encode).
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "alloc_counter.hpp"
#include "ebpf/asm/asm.hpp"

namespace {

using namespace ebpf::insn;

// A program mixing every common instruction shape, about 10k instructions (~10.7k slots).
const Instructions& big_program() {
  static const Instructions insns = [] {
    Instructions p;
    p.reserve(10240);
    for (int i = 0; p.size() < 10000; ++i) {
      p.push_back(mov(R1, R10));
      p.push_back(alu64(AluOp::add, R1, -8));
      p.push_back(load_map_ptr(R2, "counts", 3));
      p.push_back(ld_mem(Size::dw, R3, R1, 0));
      p.push_back(alu32(AluOp::bit_xor, R3, i));
      p.push_back(jump(JumpOp::jgt, R3, R4, std::int16_t{2}));
      p.push_back(stx_mem(Size::w, R10, R3, -4));
      p.push_back(atomic(AtomicOp::fetch_add, Size::dw, R1, R3, 0));
      p.push_back(load_imm64(R5, 0x1122334455667788 + i));
      p.push_back(call(HelperId::map_lookup_elem));
      p.push_back(to_be(R0, 32));
    }
    p.push_back(exit());
    return p;
  }();
  return insns;
}

const std::vector<std::byte>& big_program_bytes() {
  static const std::vector<std::byte> bytes = *big_program().encode(std::endian::little);
  return bytes;
}

void report(benchmark::State& state, std::uint64_t allocs_before) {
  state.counters["insns"] = static_cast<double>(big_program().size());
  state.counters["allocs/op"] = benchmark::Counter(
      static_cast<double>(ebpf::bench::allocation_count() - allocs_before), benchmark::Counter::kAvgIterations);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(big_program_bytes().size()));
}

void InsnDecode(benchmark::State& state) {
  const auto& bytes = big_program_bytes();
  auto before = ebpf::bench::allocation_count();
  for (auto _ : state) {
    auto insns = Instructions::decode(bytes, std::endian::little);
    if (!insns) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(insns);
  }
  report(state, before);
}

void InsnEncode(benchmark::State& state) {
  const auto& insns = big_program();
  std::vector<std::byte> out(big_program_bytes().size());
  auto before = ebpf::bench::allocation_count();
  for (auto _ : state) {
    auto r = insns.encode_into(out, std::endian::little);
    if (!r) state.SkipWithError("encode failed");
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, before);
}

void InsnMemcpy(benchmark::State& state) {
  const auto& bytes = big_program_bytes();
  std::vector<std::byte> out(bytes.size());
  auto before = ebpf::bench::allocation_count();
  for (auto _ : state) {
    std::memcpy(out.data(), bytes.data(), bytes.size());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, before);
}

void InsnTag(benchmark::State& state) {
  const auto& insns = big_program();
  auto before = ebpf::bench::allocation_count();
  for (auto _ : state) {
    auto t = tag(insns, static_cast<TagHash>(state.range(0)));
    benchmark::DoNotOptimize(t);
  }
  report(state, before);
}

}  // namespace

BENCHMARK(InsnDecode)->Name("InsnDecode/ebpfpp");
BENCHMARK(InsnMemcpy)->Name("InsnDecode/memcpy");
BENCHMARK(InsnEncode)->Name("InsnEncode/ebpfpp");
BENCHMARK(InsnMemcpy)->Name("InsnEncode/memcpy");
BENCHMARK(InsnTag)->Name("InsnTag/sha1")->Arg(static_cast<int>(TagHash::sha1));
BENCHMARK(InsnTag)->Name("InsnTag/sha256")->Arg(static_cast<int>(TagHash::sha256));
