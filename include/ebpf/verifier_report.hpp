// VerifierReport: a refused load explained at the source line the verifier stopped at.
//
// The verifier's log says what went wrong in terms of instructions and registers; the program's line info says
// which line of C each instruction came from. A report puts the two together: the instruction the verifier
// stopped at (counted from the start of the whole linked program, subprograms included), the register state it
// had there, the error line, the source file, line and text, and, when the instruction was poisoned because its
// CO-RE relocation could not be satisfied, that relocation.
//
// A load refused by the verifier (errc::verifier_rejected, or errc::bad_relocation for a poisoned instruction)
// carries a report: Error::verifier_report(). Loads from a ProgramSpec (Collection::load, load_only,
// load_program) fill the source location from the spec's line info; Program::load from a bare LoadRequest fills
// it from the lines the verifier itself prints ("; text @ file:line", Linux 6.4+ adds the file and line).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ebpf/program.hpp"

namespace ebpf {

struct ProgramSpec;

// One register or stack slot of the verifier's state ("R1" = "map_value(map=values,ks=4,vs=8)", "fp-8" =
// "0000????"), in the call frame it belongs to (0: the program, 1: the function it called, ...).
struct VerifierRegister {
  std::uint32_t frame = 0;
  std::string name;   // "R0".."R10" (liveness marks such as "_w" removed), or a stack slot "fp-8"
  std::string value;  // as the verifier prints it
  friend bool operator==(const VerifierRegister&, const VerifierRegister&) = default;
};

struct VerifierReport {
  // The instruction the verifier stopped at, in 8-byte slots from the start of the loaded program (the program
  // followed by its subprograms, as ProgramSpec::instructions lays them out). Empty if the log names none
  // (a refusal before the instruction walk, e.g. an unknown map type).
  std::optional<std::uint32_t> instruction;
  std::string instruction_text;  // that instruction as the verifier prints it: "(79) r6 = *(u64 *)(r0 +8)"
  // The error line, e.g. "R0 invalid mem access 'map_value_or_null'", and any further lines the verifier gave
  // with it (message first).
  std::string message;
  std::vector<std::string> details;
  // The registers and stack slots of the current call frame just before the instruction (what the verifier
  // knew when it refused it): the last full state it printed, updated by the changes it printed since.
  std::vector<VerifierRegister> registers;
  // The verifier's own lines about the instruction: the one before it (with its state), the source line, the
  // instruction and the error lines; without the closing statistics.
  std::vector<std::string> log_tail;

  // Where the instruction came from; file empty and line 0 if the program has no line info.
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string source;    // the text of the line, trimmed
  std::string function;  // the (sub)program the instruction belongs to, when known from the spec

  // The CO-RE relocation whose failure poisoned the instruction, e.g. "CO-RE relocation byte_off of struct
  // task_struct access 0:0 (task_struct.no_such_field)"; empty if the instruction was not poisoned.
  std::string core_relocation;

  // The registers as one line, as the verifier prints a state: "R0=map_value(...) R10=fp0 fp-8=0000????".
  [[nodiscard]] std::string registers_text() const;
  // One line: "file.bpf.c:42: if (*p > 0)  ->  R1 invalid mem access 'scalar'" (without a file and line:
  // "instruction 8: <source text, or the instruction>  ->  ..."); a poisoned instruction adds
  // "  (CO-RE relocation ...)".
  [[nodiscard]] std::string summary() const;
  // The summary followed by the log tail, each line indented by two spaces.
  [[nodiscard]] std::string to_string() const;
};

// Parses a verifier log (BPF_LOG_LEVEL1 or 2) into a report: the last instruction the verifier printed, the
// error lines after it, the register state before it and the source line it printed for it. Never fails: what
// the log does not say stays empty.
VerifierReport parse_verifier_log(std::string_view log);

// Fills the report's source location (file, line, column, text, function) from the line info of `spec`'s
// instructions (the instruction index is relative to them, as loaded), and its CO-RE relocation from the
// relocations the loader poisoned. Fields the spec has nothing for are left as they were.
void locate_in(VerifierReport& report, const ProgramSpec& spec,
               std::span<const PoisonedRelocation> poisoned = {});

}  // namespace ebpf
