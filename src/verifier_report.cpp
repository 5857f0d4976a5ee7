#include "ebpf/verifier_report.hpp"
#include "verifier_report_detail.hpp"

#include <algorithm>
#include <charconv>
#include <memory>

#include "ebpf/program_spec.hpp"

namespace ebpf {

namespace {

// Error lines kept after the instruction (level 2 logs may add backtracking noise).
constexpr std::size_t kMaxDetails = 8;
// Lines read from the end of the log: enough for the states that lead to the refused instruction.
constexpr std::size_t kMaxLines = 4096;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Leading decimal number of `s` and the position after it; npos if `s` does not start with a digit.
std::size_t leading_number(std::string_view s, std::uint32_t& value) {
  std::size_t i = 0;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i == 0 || std::from_chars(s.data(), s.data() + i, value).ec != std::errc()) return std::string_view::npos;
  return i;
}

// "12: (79) r6 = ..." -> index 12 and "(79) r6 = ...".
bool instruction_line(std::string_view line, std::uint32_t& index, std::string_view& text) {
  const std::size_t n = leading_number(line, index);
  if (n == std::string_view::npos || line.substr(n, 3) != ": (" || line.size() < n + 7 || line[n + 5] != ')')
    return false;
  text = line.substr(n + 2);
  return true;
}

// "12: R1=ctx() R10=fp0" (a full state at the start of a path) -> the state text.
bool state_line(std::string_view line, std::string_view& state) {
  std::uint32_t index = 0;
  const std::size_t n = leading_number(line, index);
  if (n != std::string_view::npos) {
    if (line.substr(n, 2) != ": ") return false;
    const std::string_view rest = line.substr(n + 2);
    if (!(rest.starts_with('R') || rest.starts_with("frame") || rest.starts_with("fp"))) return false;
    state = rest;
    return true;
  }
  // Level 2: "from 4 to 6: R0=..." (optionally " (speculative execution)" before the colon).
  if (line.starts_with("from ")) {
    const std::size_t colon = line.find(": ");
    if (colon == std::string_view::npos) return false;
    state = line.substr(colon + 2);
    return true;
  }
  if (line.starts_with("cur state: ")) {
    state = line.substr(11);
    return true;
  }
  return false;
}

// Where a full state printed without a line break starts in an instruction line's text ("... 9: R0=..."); npos if
// there is none.
std::size_t glued_state(std::string_view text) {
  std::string_view state;
  for (std::size_t k = 0; k + 3 < text.size(); ++k)
    if (text[k] == ' ' && is_digit(text[k + 1]) && (k == 0 || !is_digit(text[k - 1])) &&
        state_line(text.substr(k + 1), state))
      return k + 1;
  return std::string_view::npos;
}

// Lines that carry neither the error nor a state: statistics and level 2 backtracking.
bool is_noise(std::string_view line) {
  static constexpr std::string_view kPrefixes[] = {
      "processed ", "verification time ", "stack depth ", "mark_precise: ", "last_idx ", "regs=",
      "parent ",    "old state: ",        "Func#",       "Validating ",     "Live regs before insn:"};
  for (std::string_view p : kPrefixes)
    if (line.starts_with(p)) return true;
  return line.empty();
}

// Splits a state ("R0=map_value(map=values,ks=4,vs=8) R1_w=scalar(smin=0; ...) fp-8=0000????", optionally with
// "frame1:" markers) into registers; parentheses may hold spaces.
std::vector<VerifierRegister> parse_state(std::string_view state) {
  std::vector<VerifierRegister> out;
  std::uint32_t frame = 0;
  std::size_t i = 0;
  while (i < state.size()) {
    while (i < state.size() && state[i] == ' ') ++i;
    const std::size_t start = i;
    int depth = 0;
    while (i < state.size() && (depth > 0 || state[i] != ' ')) {
      if (state[i] == '(') ++depth;
      if (state[i] == ')' && depth > 0) --depth;
      ++i;
    }
    const std::string_view token = state.substr(start, i - start);
    if (token.empty()) break;
    if (token.starts_with("frame") && token.ends_with(':')) {
      std::uint32_t f = 0;
      if (leading_number(token.substr(5), f) != std::string_view::npos) frame = f;
      continue;
    }
    const std::size_t eq = token.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = token.substr(0, eq);
    const bool reg = name.size() >= 2 && name[0] == 'R' && is_digit(name[1]);
    const bool slot = name.starts_with("fp-");
    if (!reg && !slot) continue;  // "refs=1", "cb" and the like
    if (const std::size_t mark = name.find('_'); mark != std::string_view::npos) name = name.substr(0, mark);
    out.push_back({frame, std::string(name), std::string(token.substr(eq + 1))});
  }
  return out;
}

void apply_changes(std::vector<VerifierRegister>& regs, const std::vector<VerifierRegister>& changes) {
  for (const auto& c : changes) {
    auto it = std::find_if(regs.begin(), regs.end(),
                            [&c](const VerifierRegister& r) { return r.frame == c.frame && r.name == c.name; });
    if (it == regs.end())
      regs.push_back(c);
    else
      it->value = c.value;
  }
}

// Registers by number, then stack slots from the frame pointer down.
std::uint32_t order_key(const VerifierRegister& r) {
  std::uint32_t n = 0;
  if (r.name[0] == 'R') {
    (void)leading_number(std::string_view(r.name).substr(1), n);
    return n;
  }
  (void)leading_number(std::string_view(r.name).substr(3), n);
  return 100 + n;
}

// "; return *v;  // comment @ file.bpf.c:42" -> text, file and line (older kernels print the text alone).
void source_from_log(std::string_view line, VerifierReport& r) {
  std::string_view text = line.substr(2);
  r.file.clear();
  r.line = 0;
  if (const std::size_t at = text.rfind(" @ "); at != std::string_view::npos) {
    const std::string_view where = text.substr(at + 3);
    const std::size_t colon = where.rfind(':');
    std::uint32_t number = 0;
    if (colon != std::string_view::npos && leading_number(where.substr(colon + 1), number) == where.size() - colon - 1) {
      r.file = std::string(where.substr(0, colon));
      r.line = number;
      text = text.substr(0, at);
    }
  }
  r.source = std::string(trim(text));
}

}  // namespace

VerifierReport parse_verifier_log(std::string_view log) {
  // Only the end of the log explains the refusal: a program too large to verify leaves a log of millions of lines.
  std::size_t start = log.size();
  for (std::size_t n = 0; start > 0 && n <= kMaxLines;)
    if (log[--start] == '\n' && ++n > kMaxLines) ++start;
  log.remove_prefix(start);
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos < log.size();) {
    std::size_t end = log.find('\n', pos);
    if (end == std::string_view::npos) end = log.size();
    std::string_view l = log.substr(pos, end - pos);
    while (!l.empty() && (l.back() == '\0' || l.back() == '\r')) l.remove_suffix(1);
    lines.push_back(l);
    pos = end + 1;
  }

  VerifierReport r;
  // The last instruction printed is the one refused; the one before it opens the tail.
  std::size_t at = lines.size(), before = lines.size();
  for (std::size_t i = lines.size(); i-- > 0;) {
    std::uint32_t index = 0;
    std::string_view text;
    if (!instruction_line(lines[i], index, text)) continue;
    if (at == lines.size()) {
      at = i;
      r.instruction = index;
      r.instruction_text = std::string(trim(text.substr(0, std::min(text.find(" ; "), glued_state(text)))));
    } else {
      before = i;
      break;
    }
  }
  if (at == lines.size()) {
    // No instruction walk: the whole log is the message (e.g. a refused BTF or map reference).
    for (std::string_view l : lines)
      if (!is_noise(l) && r.details.size() < kMaxDetails) r.details.emplace_back(l);
    if (!r.details.empty()) r.message = r.details.front();
    r.log_tail = r.details;
    return r;
  }

  // The state before the instruction: full states replace, the changes printed after each instruction update.
  std::vector<VerifierRegister> regs;
  std::uint32_t frame = 0;
  auto full = [&](std::string_view state) {
    regs = parse_state(state);
    frame = 0;
    for (const auto& reg : regs) frame = std::max(frame, reg.frame);
  };
  auto change = [&](std::string_view state) {
    auto changes = parse_state(state);
    if (changes.empty()) return;
    frame = changes.front().frame;
    apply_changes(regs, changes);
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    std::uint32_t index = 0;
    std::string_view text, state;
    if (instruction_line(l, index, text)) {
      if (i > at) break;
      // "7: (15) if r0 == 0x0 goto pc+1        ; R0=map_value(...)": the state the instruction left.
      // A path's full state may follow on the same line, after the changes or the instruction itself:
      // "... ; R1=0 9: R0=... R10=fp0", "10: (15) if r1 == 0x0 goto pc-2 9: R0=...".
      const std::size_t glued = glued_state(text);
      const std::size_t semi = text.substr(0, glued).find(" ; ");
      if (semi != std::string_view::npos) change(text.substr(semi + 3, glued == std::string_view::npos ? glued : glued - semi - 3));
      if (glued != std::string_view::npos && state_line(text.substr(glued), state)) full(state);
    } else if (state_line(l, state)) {
      full(state);
    } else if (l.starts_with("; ") && i < at) {
      source_from_log(l, r);
    } else if (i > at && !is_noise(l) && r.details.size() < kMaxDetails) {
      r.details.emplace_back(l);
    }
  }
  if (!r.details.empty()) r.message = r.details.front();
  for (auto& reg : regs)
    if (reg.frame == frame) r.registers.push_back(std::move(reg));
  std::stable_sort(r.registers.begin(), r.registers.end(),
                   [](const VerifierRegister& a, const VerifierRegister& b) { return order_key(a) < order_key(b); });

  const std::size_t from = before < at ? before : at;
  for (std::size_t i = from; i < lines.size(); ++i)
    if (!is_noise(lines[i]) || lines[i].starts_with("old state: ")) {
      if (i > at && r.log_tail.size() >= (at - from + 1) + kMaxDetails) break;
      r.log_tail.emplace_back(lines[i]);
    }
  return r;
}

void locate_in(VerifierReport& report, const ProgramSpec& spec, std::span<const PoisonedRelocation> poisoned) {
  detail::name_poisoned_relocation(report, poisoned);
  if (!report.instruction) return;
  const std::uint32_t target = *report.instruction;
  const insn::SourceLine* line = nullptr;
  std::string_view function;
  for (auto [index, slot, ins] : spec.instructions.positioned()) {
    (void)index;
    if (slot > target) break;
    if (!ins.symbol().empty()) function = ins.symbol();
    // Line 0 marks code the compiler made up (spills, address arithmetic): the line before it is the nearer truth.
    if (const insn::SourceLine* s = ins.metadata.source(); s != nullptr && s->line_number != 0) line = s;
  }
  if (!function.empty()) report.function = std::string(function);
  if (line == nullptr) return;
  report.file = std::string(line->file_name);
  report.line = line->line_number;
  report.column = line->column;
  report.source = std::string(trim(line->line));
}

std::string VerifierReport::registers_text() const {
  std::string out;
  for (const auto& r : registers) {
    if (!out.empty()) out += ' ';
    out += r.name;
    out += '=';
    out += r.value;
  }
  return out;
}

std::string VerifierReport::summary() const {
  std::string out;
  if (!file.empty() || line != 0) {
    out += file;
    out += ':';
    out += std::to_string(line);
    out += ": ";
    out += source;
  } else if (instruction) {
    out += "instruction ";
    out += std::to_string(*instruction);
    out += ": ";
    out += source.empty() ? instruction_text : source;
  } else {
    out += source;
  }
  if (!message.empty()) {
    if (!out.empty()) out += "  ->  ";
    out += message;
  }
  if (!core_relocation.empty()) {
    out += "  (";
    out += core_relocation;
    out += ')';
  }
  return out;
}

std::string VerifierReport::to_string() const {
  std::string out = summary();
  for (const auto& l : log_tail) {
    out += "\n  ";
    out += l;
  }
  return out;
}

namespace detail {

void name_poisoned_relocation(VerifierReport& report, std::span<const PoisonedRelocation> poisoned) {
  if (!report.instruction) return;
  for (const auto& p : poisoned) {
    if (p.slot != *report.instruction) continue;
    std::string_view d = p.description;
    // "instruction 12: CO-RE relocation ...": the report has the instruction already.
    if (d.starts_with("instruction ")) {
      std::uint32_t n = 0;
      const std::size_t len = leading_number(d.substr(12), n);
      if (len != std::string_view::npos && d.substr(12 + len, 2) == ": ") d = d.substr(14 + len);
    }
    report.core_relocation = std::string(d);
    return;
  }
}

Error with_report(Error e, const ProgramSpec* spec, std::span<const PoisonedRelocation> poisoned) {
  if (e.verifier_log().empty()) return e;
  auto report = std::make_shared<VerifierReport>(e.verifier_report() ? *e.verifier_report()
                                                                      : parse_verifier_log(e.verifier_log()));
  if (spec != nullptr)
    locate_in(*report, *spec, poisoned);
  else
    name_poisoned_relocation(*report, poisoned);
  return std::move(e).with_verifier_report(std::move(report));
}

}  // namespace detail

}  // namespace ebpf
