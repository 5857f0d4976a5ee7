// How `ebpfpp load` and `ebpfpp run` report a failed load: the error, and for a verifier refusal the report at
// the source line (ebpf::VerifierReport), as text on stderr or, with --json, as an object on stdout.
#pragma once

#include "ebpf/error.hpp"
#include "ebpf/verifier_report.hpp"
#include "json_writer.hpp"

namespace ebpfpp_cli {

// Writes the report as the value of a "verifier" key:
// {"insn": N, "function": "...", "file": "...", "line": N, "column": N, "source": "...", "instruction": "...",
//  "message": "...", "details": [...], "registers": "...", "log_tail": [...], "core_relocation": "..." | null}.
// Fields the report lacks are null.
void write_verifier_report(JsonWriter& w, const ebpf::VerifierReport& report);

// Prints the error (and its verifier report, if any) and returns exit status 1. Text: "ebpfpp: <message>" then the
// report's summary and log tail on stderr. JSON: {"error": "<message>", "verifier": {...} | null} on stdout, and
// the message on stderr.
int report_load_failure(const ebpf::Error& error, bool json);

}  // namespace ebpfpp_cli
