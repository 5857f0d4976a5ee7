// Disassembly in LLVM's BPF assembly syntax.
//
// Every instruction clang 14 emits is printed exactly as `llvm-objdump-14 -d` prints it ("r0 = 0",
// "w1 = w2", "r1 = *(u32 *)(r2 + 4)", "if w1 s< w2 goto -2", "r1 = 0 ll", "lock *(u64 *)(r1 + 0) += r2").
// Instructions llvm-objdump-14 cannot decode use the syntax of newer LLVM releases: 32-bit atomics in
// their alu32 form ("w2 = atomic_fetch_add((u32 *)(r1 + 0), w2)"), jset ("if r1 & 7 goto +3"), mod,
// sdiv/smod ("r1 s/= r2"), movsx ("r1 = (s8)r2"), bswap ("r1 = bswap16 r1"), sign-extending loads
// ("r1 = *(s8 *)(r2 + 0)"), stores of immediates, gotol, callx, load_acquire / store_release.
#pragma once

#include <string>

#include "ebpf/asm/instruction.hpp"

namespace ebpf::insn {

// One instruction, without position or metadata.
[[nodiscard]] std::string to_string(const Instruction& ins);
// Appends the text of one instruction to out.
void append_to(std::string& out, const Instruction& ins);

// A listing: one line per instruction, "<slot>:\t<text>", preceded by "<symbol>:" lines where a
// symbol starts and "; <source line>" where source info is attached; references are shown as a
// trailing comment ("\t; counts").
[[nodiscard]] std::string listing(const Instructions& insns);

}  // namespace ebpf::insn
