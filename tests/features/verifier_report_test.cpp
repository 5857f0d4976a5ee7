// Verifier reports: refused loads explained at their source line. The kernel tests load the programs of
// tests/bpf/verifier_reject.bpf.c, each refused for one reason, and check the report against the line of the
// source that carries the program's `// REFUSED: <program>` marker. The parser tests read captured logs.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <span>
#include <string>

#include "ebpf/btf/btf.hpp"
#include "ebpf/collection.hpp"
#include "ebpf/collection_spec.hpp"
#include "ebpf/verifier_report.hpp"
#include "support/kernel_test.hpp"

namespace {

using ebpf::test::bpf_object;

struct MarkedLine {
  std::uint32_t number = 0;
  std::string text;  // trimmed
};

// The line of verifier_reject.bpf.c marked `// REFUSED: <program>`.
MarkedLine marked_line(std::string_view program) {
  std::ifstream in(std::string(EBPFPP_SOURCE_DIR) + "/tests/bpf/verifier_reject.bpf.c");
  const std::string marker = "// REFUSED: " + std::string(program);
  std::string l;
  for (std::uint32_t n = 1; std::getline(in, l); ++n) {
    const std::size_t at = l.find(marker);
    // The marker ends the line (so "subprogram" does not match a longer name).
    if (at == std::string::npos || at + marker.size() != l.size()) continue;
    const std::size_t first = l.find_first_not_of(" \t");
    return {n, l.substr(first)};
  }
  return {};
}

std::string_view base_name(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

class VerifierReportKernel : public ebpf::test::KernelTest {
 protected:
  // Loads the one program `name` of the object through load_only and returns the error.
  ebpf::Error refused(std::string_view name, std::string_view order = "bpfel", std::uint32_t log_level = 0) {
    auto spec = ebpf::load_collection_spec(bpf_object("verifier_reject", order));
    EXPECT_TRUE(spec) << spec.error().message();
    if (!spec) return ebpf::Error(ebpf::errc::malformed, 0, "no spec");
    ebpf::LoadOnlyRequest req;
    req.programs.emplace_back(name);
    ebpf::CollectionOptions opts;
    opts.programs.log_level = log_level;
    auto objs = ebpf::load_only(*spec, req, opts);
    EXPECT_FALSE(objs) << name << " loaded";
    if (objs) return ebpf::Error(ebpf::errc::ok, 0, "loaded");
    return objs.error();
  }

  // The report names the marked line of `program` by file, line and text.
  static void expect_at_marker(const ebpf::VerifierReport& r, std::string_view program) {
    const MarkedLine want = marked_line(program);
    ASSERT_NE(want.number, 0u) << "no marker for " << program;
    EXPECT_EQ(base_name(r.file), "verifier_reject.bpf.c") << r.to_string();
    EXPECT_EQ(r.line, want.number) << r.to_string();
    EXPECT_EQ(r.source, want.text) << r.to_string();
    EXPECT_GT(r.column, 0u) << r.to_string();
    ASSERT_TRUE(r.instruction.has_value()) << r.to_string();
    EXPECT_FALSE(r.instruction_text.empty());
    EXPECT_FALSE(r.log_tail.empty());
    // The summary has the shape the tool prints.
    const std::string head = r.file + ":" + std::to_string(want.number) + ": " + want.text + "  ->  " + r.message;
    EXPECT_EQ(r.summary().substr(0, head.size()), head);
  }

  static const ebpf::VerifierRegister* reg(const ebpf::VerifierReport& r, std::string_view name) {
    for (const auto& x : r.registers)
      if (x.name == name) return &x;
    return nullptr;
  }
};

TEST_F(VerifierReportKernel, OutOfBoundsRead) {
  const ebpf::Error e = refused("out_of_bounds");
  EXPECT_TRUE(e.is(ebpf::errc::verifier_rejected)) << e.message();
  const ebpf::VerifierReport* r = e.verifier_report();
  ASSERT_NE(r, nullptr) << e.message();
  expect_at_marker(*r, "out_of_bounds");
  EXPECT_EQ(r->function, "out_of_bounds");
  EXPECT_NE(r->message.find("invalid access to map value"), std::string::npos) << r->message;
  EXPECT_NE(r->message.find("off=8 size=8"), std::string::npos) << r->message;
  // The pointer read through is a map value: its register is in the state before the instruction.
  const auto* r0 = reg(*r, "R0");
  ASSERT_NE(r0, nullptr) << r->registers_text();
  EXPECT_NE(r0->value.find("map_value"), std::string::npos) << r->registers_text();
  EXPECT_TRUE(r->core_relocation.empty());
  // The message chain is unchanged by the report.
  EXPECT_NE(e.message().find("program out_of_bounds: load program: Permission denied"), std::string::npos)
      << e.message();
}

TEST_F(VerifierReportKernel, UncheckedPointer) {
  const ebpf::Error e = refused("unchecked_pointer");
  const ebpf::VerifierReport* r = e.verifier_report();
  ASSERT_NE(r, nullptr) << e.message();
  expect_at_marker(*r, "unchecked_pointer");
  EXPECT_NE(r->message.find("invalid mem access 'map_value_or_null'"), std::string::npos) << r->message;
  const auto* r0 = reg(*r, "R0");
  ASSERT_NE(r0, nullptr) << r->registers_text();
  EXPECT_NE(r0->value.find("map_value_or_null"), std::string::npos) << r->registers_text();
}

TEST_F(VerifierReportKernel, UnboundedLoop) {
  const ebpf::Error e = refused("unbounded_loop");
  const ebpf::VerifierReport* r = e.verifier_report();
  ASSERT_NE(r, nullptr) << e.message();
  expect_at_marker(*r, "unbounded_loop");
  EXPECT_NE(r->message.find("infinite loop detected"), std::string::npos) << r->message;
}

TEST_F(VerifierReportKernel, FailedCoreRelocation) {
  if (!ebpf::btf::kernel()) EBPF_SKIP_KERNEL_LACKS("BTF (/sys/kernel/btf/vmlinux)");
  const ebpf::Error e = refused("core_missing_field");
  EXPECT_TRUE(e.is(ebpf::errc::bad_relocation)) << e.message();
  const ebpf::VerifierReport* r = e.verifier_report();
  ASSERT_NE(r, nullptr) << e.message();
  expect_at_marker(*r, "core_missing_field");
  EXPECT_NE(r->core_relocation.find("task_struct.ebpfpp_no_such_field"), std::string::npos) << r->to_string();
  EXPECT_NE(r->core_relocation.find("byte_off"), std::string::npos) << r->to_string();
  EXPECT_NE(r->summary().find("(CO-RE relocation"), std::string::npos) << r->summary();
}

// A log asked for at level 2 (every state, backtracking) gives the same report.
TEST_F(VerifierReportKernel, LevelTwoLog) {
  for (const char* program : {"unchecked_pointer", "subprogram", "unbounded_loop"}) {
    const ebpf::Error e = refused(program, "bpfel", ebpf::log_level::branch | ebpf::log_level::instruction);
    const ebpf::VerifierReport* r = e.verifier_report();
    ASSERT_NE(r, nullptr) << e.message();
    SCOPED_TRACE(program);
    expect_at_marker(*r, program);
    EXPECT_FALSE(r->registers.empty()) << r->to_string();
    const ebpf::Error level1 = refused(program);
    ASSERT_NE(level1.verifier_report(), nullptr);
    EXPECT_EQ(r->instruction, level1.verifier_report()->instruction);
    EXPECT_EQ(r->message, level1.verifier_report()->message);
  }
}

// The refused read is in a subprogram called from the program: the instruction index counts from the start of
// the linked program and the report names the subprogram's line.
TEST_F(VerifierReportKernel, Subprogram) {
  auto spec = ebpf::load_collection_spec(bpf_object("verifier_reject"));
  ASSERT_TRUE(spec);
  const ebpf::Error e = refused("subprogram");
  const ebpf::VerifierReport* r = e.verifier_report();
  ASSERT_NE(r, nullptr) << e.message();
  expect_at_marker(*r, "subprogram");
  EXPECT_EQ(r->function, "read_past");
  // The subprogram starts after the program: the instruction is past the program's own.
  const auto& insns = spec->programs.at("subprogram").instructions;
  std::size_t sub_start = 0;
  for (auto [index, slot, ins] : insns.positioned())
    if (ins.symbol() == "read_past") sub_start = slot;
  EXPECT_GT(sub_start, 0u);
  EXPECT_GE(*r->instruction, sub_start);
  // The registers are the subprogram's frame.
  ASSERT_FALSE(r->registers.empty());
  EXPECT_EQ(r->registers.front().frame, 1u);
}

// Collection::load prepares every program before loading them back to back: the report of the first refused one
// is located in its own spec.
TEST_F(VerifierReportKernel, WholeCollection) {
  auto spec = ebpf::load_collection_spec(bpf_object("verifier_reject"));
  ASSERT_TRUE(spec);
  auto coll = ebpf::Collection::load(*spec);
  ASSERT_FALSE(coll);
  const ebpf::VerifierReport* r = coll.error().verifier_report();
  ASSERT_NE(r, nullptr) << coll.error().message();
  ASSERT_FALSE(r->function.empty());
  expect_at_marker(*r, r->function);
}

// Program::load from a bare LoadRequest (no spec, no line info): the report has the instruction and the error,
// and no source location.
TEST_F(VerifierReportKernel, BareLoadRequest) {
  // r1 = 0; exit: r0 is never written.
  const std::uint64_t insns[] = {0xb7ull | (1ull << 8) /* r1 = 0 */, 0x95 /* exit */};
  auto prog = ebpf::Program::load({.name = "bare",
                                   .type = ebpf::ProgramType::socket_filter,
                                   .instructions = std::as_bytes(std::span<const std::uint64_t>(insns))});
  ASSERT_FALSE(prog);
  const ebpf::VerifierReport* r = prog.error().verifier_report();
  ASSERT_NE(r, nullptr) << prog.error().message();
  ASSERT_TRUE(r->instruction);
  EXPECT_EQ(*r->instruction, 1u);
  EXPECT_EQ(r->instruction_text, "(95) exit");
  EXPECT_EQ(r->message, "R0 !read_ok");
  EXPECT_TRUE(r->file.empty());
  EXPECT_EQ(r->summary(), "instruction 1: (95) exit  ->  R0 !read_ok");
  // R1 was written by the instruction before.
  const auto* r1 = reg(*r, "R1");
  ASSERT_NE(r1, nullptr) << r->registers_text();
  EXPECT_EQ(r1->value, "0");
}

// Both byte orders' objects carry the same line info; the big-endian one cannot load here, so only the spec side
// is compared: locate_in finds the same line from a log index.
TEST(VerifierReport, LocateInBigEndianSpec) {
  auto spec = ebpf::load_collection_spec(bpf_object("verifier_reject", "bpfeb"));
  ASSERT_TRUE(spec) << spec.error().message();
  const auto& ps = spec->programs.at("out_of_bounds");
  // The marked line's first instruction.
  const MarkedLine want = marked_line("out_of_bounds");
  std::optional<std::uint32_t> slot;
  for (auto [index, s, ins] : ps.instructions.positioned())
    if (const auto* src = ins.metadata.source(); src && src->line_number == want.number && !slot)
      slot = static_cast<std::uint32_t>(s);
  ASSERT_TRUE(slot);
  ebpf::VerifierReport r;
  r.instruction = *slot;
  ebpf::locate_in(r, ps);
  EXPECT_EQ(r.line, want.number);
  EXPECT_EQ(r.source, want.text);
  EXPECT_EQ(r.function, "out_of_bounds");
}

// --- the parser, on captured logs (Linux 6.18, log level 1) ---

constexpr std::string_view kOutOfBoundsLog =
    "func#0 @0\n"
    "0: R1=ctx() R10=fp0\n"
    "; __u32 key = 0; @ verifier_reject.bpf.c:31\n"
    "0: (b7) r1 = 0                        ; R1_w=0\n"
    "1: (63) *(u32 *)(r10 -4) = r1         ; R1_w=0 R10=fp0 fp-8=0000????\n"
    "2: (bf) r2 = r10                      ; R2_w=fp0 R10=fp0\n"
    "3: (07) r2 += -4                      ; R2_w=fp-4\n"
    "; __u64 *v = bpf_map_lookup_elem(&values, &key); @ verifier_reject.bpf.c:32\n"
    "4: (18) r1 = 0xffff88810570e400       ; R1_w=map_ptr(map=values,ks=4,vs=8)\n"
    "6: (85) call bpf_map_lookup_elem#1    ; R0=map_value(map=values,ks=4,vs=8)\n"
    "; if (!v) return 0; @ verifier_reject.bpf.c:33\n"
    "7: (15) if r0 == 0x0 goto pc+1        ; R0=map_value(map=values,ks=4,vs=8)\n"
    "; return (int)v[1];  // REFUSED: out_of_bounds @ verifier_reject.bpf.c:34\n"
    "8: (79) r6 = *(u64 *)(r0 +8)\n"
    "invalid access to map value, value_size=8 off=8 size=8\n"
    "R0 min value is outside of the allowed memory range\n"
    "processed 8 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n";

TEST(VerifierLogParser, OutOfBounds) {
  const auto r = ebpf::parse_verifier_log(kOutOfBoundsLog);
  ASSERT_TRUE(r.instruction);
  EXPECT_EQ(*r.instruction, 8u);
  EXPECT_EQ(r.instruction_text, "(79) r6 = *(u64 *)(r0 +8)");
  EXPECT_EQ(r.message, "invalid access to map value, value_size=8 off=8 size=8");
  ASSERT_EQ(r.details.size(), 2u);
  EXPECT_EQ(r.details[1], "R0 min value is outside of the allowed memory range");
  EXPECT_EQ(r.file, "verifier_reject.bpf.c");
  EXPECT_EQ(r.line, 34u);
  EXPECT_EQ(r.source, "return (int)v[1];  // REFUSED: out_of_bounds");
  // The entry state, updated by each instruction's changes (liveness marks dropped), in register order.
  EXPECT_EQ(r.registers_text(),
            "R0=map_value(map=values,ks=4,vs=8) R1=map_ptr(map=values,ks=4,vs=8) R2=fp-4 R10=fp0 fp-8=0000????");
  ASSERT_EQ(r.log_tail.size(), 5u);
  EXPECT_EQ(r.log_tail[0], "7: (15) if r0 == 0x0 goto pc+1        ; R0=map_value(map=values,ks=4,vs=8)");
  EXPECT_EQ(r.log_tail[2], "8: (79) r6 = *(u64 *)(r0 +8)");
  EXPECT_EQ(r.log_tail[4], "R0 min value is outside of the allowed memory range");
  EXPECT_EQ(r.summary(),
            "verifier_reject.bpf.c:34: return (int)v[1];  // REFUSED: out_of_bounds  ->  invalid access to map value, "
            "value_size=8 off=8 size=8");
}

// A path's full state printed right after a branch instruction (no newline in between), and the state dumps of an
// infinite loop after the error.
constexpr std::string_view kLoopLog =
    "; while (*(volatile __u64 *)v == 0) { @ verifier_reject.bpf.c:52\n"
    "9: (79) r1 = *(u64 *)(r0 +0)          ; R0=map_value(map=values,ks=4,vs=8) R1=scalar()\n"
    "10: (15) if r1 == 0x0 goto pc-2 9: R0=map_value(map=values,ks=4,vs=8) R1=0 R6=1 R10=fp0 fp-8=0000????\n"
    "; while (*(volatile __u64 *)v == 0) { @ verifier_reject.bpf.c:52\n"
    "9: (79) r1 = *(u64 *)(r0 +0)\n"
    "infinite loop detected at insn 10\n"
    "cur state: R0=map_value(map=values,ks=4,vs=8) R1=scalar() R6=1 R10=fp0 fp-8=0000????\n"
    "old state: R0=map_value(map=values,ks=4,vs=8) R1=scalar() R6=1 R10=fp0 fp-8=0000????\n"
    "processed 22 insns (limit 1000000) max_states_per_insn 1 total_states 2 peak_states 2 mark_read 0\n";

TEST(VerifierLogParser, InfiniteLoop) {
  const auto r = ebpf::parse_verifier_log(kLoopLog);
  ASSERT_TRUE(r.instruction);
  EXPECT_EQ(*r.instruction, 9u);
  EXPECT_EQ(r.message, "infinite loop detected at insn 10");
  ASSERT_EQ(r.details.size(), 1u);  // the state dumps are not error lines
  EXPECT_EQ(r.line, 52u);
  EXPECT_EQ(r.registers_text(), "R0=map_value(map=values,ks=4,vs=8) R1=scalar() R6=1 R10=fp0 fp-8=0000????");
  EXPECT_EQ(r.log_tail.front().substr(0, 4), "10: ");
  EXPECT_EQ(r.log_tail.back().substr(0, 11), "old state: ");
}

// In a subprogram the changes carry the frame; parenthesised values hold spaces.
constexpr std::string_view kSubprogramLog =
    "20: (67) r2 <<= 3                     ; frame1: R2_w=scalar(smin=umin=16,smax=umax=24,var_off=(0x10; 0x8))\n"
    "21: (0f) r1 += r2                     ; frame1: R1_w=map_value(map=values,ks=4,vs=8,var_off=(0x10; 0x8)) "
    "R2_w=scalar(var_off=(0x10; 0x8))\n"
    "22: (79) r0 = *(u64 *)(r1 +0)\n"
    "invalid access to map value, value_size=8 off=16 size=8\n"
    "R1 min value is outside of the allowed memory range\n"
    "processed 18 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0\n";

TEST(VerifierLogParser, SubprogramFrame) {
  const auto r = ebpf::parse_verifier_log(kSubprogramLog);
  ASSERT_TRUE(r.instruction);
  EXPECT_EQ(*r.instruction, 22u);
  ASSERT_EQ(r.registers.size(), 2u);
  EXPECT_EQ(r.registers[0], (ebpf::VerifierRegister{1, "R1", "map_value(map=values,ks=4,vs=8,var_off=(0x10; 0x8))"}));
  EXPECT_EQ(r.registers[1], (ebpf::VerifierRegister{1, "R2", "scalar(var_off=(0x10; 0x8))"}));
  EXPECT_TRUE(r.file.empty());  // no source line in this part of the log
  EXPECT_EQ(r.summary(), "instruction 22: (79) r0 = *(u64 *)(r1 +0)  ->  invalid access to map value, value_size=8 "
                         "off=16 size=8");
}

// Older kernels print the source text without "@ file:line".
TEST(VerifierLogParser, SourceWithoutFile) {
  const auto r = ebpf::parse_verifier_log(
      "; return *v > 0;\n"
      "7: (79) r1 = *(u64 *)(r0 +0)\n"
      "R0 invalid mem access 'map_value_or_null'\n");
  EXPECT_EQ(r.source, "return *v > 0;");
  EXPECT_TRUE(r.file.empty());
  EXPECT_EQ(r.line, 0u);
  EXPECT_EQ(r.message, "R0 invalid mem access 'map_value_or_null'");
  EXPECT_EQ(r.summary(), "instruction 7: return *v > 0;  ->  R0 invalid mem access 'map_value_or_null'");
}

// A refusal before any instruction: the log is the message.
TEST(VerifierLogParser, NoInstruction) {
  const auto r = ebpf::parse_verifier_log("unknown opcode 8d\nprocessed 0 insns (limit 1000000)\n");
  EXPECT_FALSE(r.instruction);
  EXPECT_EQ(r.message, "unknown opcode 8d");
  EXPECT_TRUE(r.registers.empty());
  EXPECT_EQ(ebpf::parse_verifier_log("").summary(), "");
}

// A log of a program too large to verify is long: only its end is read, and the report is the same.
TEST(VerifierLogParser, LongLog) {
  std::string log;
  for (int i = 0; i < 20000; ++i) log += "5: (07) r2 += -4                      ; R2_w=fp-4\n";
  log += kOutOfBoundsLog;
  const auto r = ebpf::parse_verifier_log(log);
  const auto want = ebpf::parse_verifier_log(kOutOfBoundsLog);
  EXPECT_EQ(r.instruction, want.instruction);
  EXPECT_EQ(r.message, want.message);
  EXPECT_EQ(r.line, want.line);
  EXPECT_EQ(r.log_tail, want.log_tail);
}

// A poisoned CO-RE relocation reached by the verifier is named from the loader's list by instruction.
TEST(VerifierLogParser, PoisonedRelocationIsNamed) {
  auto spec = ebpf::load_collection_spec(bpf_object("verifier_reject"));
  ASSERT_TRUE(spec);
  auto r = ebpf::parse_verifier_log(
      "2: (63) *(u32 *)(r10 -4) = r1         ; R1=0 R10=fp0 fp-8=0000????\n"
      "3: (85) call unknown#195896080\n"
      "invalid func unknown#195896080\n");
  const ebpf::PoisonedRelocation poisoned[] = {
      {1, "instruction 1: CO-RE relocation byte_off of struct a access 0:1 (a.x)"},
      {3, "instruction 3: CO-RE relocation byte_off of struct task_struct access 0:0 (task_struct.nope)"}};
  ebpf::locate_in(r, spec->programs.at("core_missing_field"), poisoned);
  EXPECT_EQ(r.core_relocation, "CO-RE relocation byte_off of struct task_struct access 0:0 (task_struct.nope)");
  EXPECT_EQ(r.function, "core_missing_field");
  EXPECT_EQ(r.line, marked_line("core_missing_field").number);
}

}  // namespace
