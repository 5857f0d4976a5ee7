#include "load_failure.hpp"

#include <cstdio>
#include <string>

namespace ebpfpp_cli {

void write_verifier_report(JsonWriter& w, const ebpf::VerifierReport& r) {
  auto text_or_null = [&w](std::string_view key, const std::string& s) {
    w.key(key);
    if (s.empty())
      w.null();
    else
      w.value(s);
  };
  w.begin_object();
  w.key("insn");
  if (r.instruction)
    w.value(std::uint64_t{*r.instruction});
  else
    w.null();
  text_or_null("function", r.function);
  text_or_null("file", r.file);
  w.key("line");
  if (r.line != 0)
    w.value(std::uint64_t{r.line});
  else
    w.null();
  w.key("column");
  if (r.column != 0)
    w.value(std::uint64_t{r.column});
  else
    w.null();
  text_or_null("source", r.source);
  text_or_null("instruction", r.instruction_text);
  text_or_null("message", r.message);
  w.key("details").begin_array();
  for (const auto& d : r.details) w.value(d);
  w.end_array();
  text_or_null("registers", r.registers_text());
  w.key("log_tail").begin_array();
  for (const auto& l : r.log_tail) w.value(l);
  w.end_array();
  text_or_null("core_relocation", r.core_relocation);
  w.end_object();
}

int report_load_failure(const ebpf::Error& error, bool json) {
  const ebpf::VerifierReport* report = error.verifier_report();
  std::string message = error.message();
  // The report shows the log's tail about the refused instruction: the message's own tail would repeat it.
  if (const std::size_t tail = message.find("\nverifier log (tail):\n"); report != nullptr && tail != std::string::npos)
    message.resize(tail);
  if (json) {
    JsonWriter w;
    w.begin_object();
    w.key("error").value(message);
    w.key("verifier");
    if (report != nullptr)
      write_verifier_report(w, *report);
    else
      w.null();
    w.end_object();
    std::printf("%s\n", w.str().c_str());
    std::fprintf(stderr, "ebpfpp: %s\n", message.c_str());
    return 1;
  }
  if (report == nullptr) {
    std::fprintf(stderr, "ebpfpp: %s\n", message.c_str());
    return 1;
  }
  std::fprintf(stderr, "ebpfpp: %s\n%s\n", message.c_str(), report->to_string().c_str());
  return 1;
}

}  // namespace ebpfpp_cli
