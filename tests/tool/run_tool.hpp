// Runs the ebpfpp tool and captures its output and exit status.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "support/kernel_test.hpp"

namespace ebpf::test {

struct ToolResult {
  int exit_code = -1;
  std::string out;  // stdout (stderr too when merged)
};

inline ToolResult run_tool(const std::string& args, bool merge_stderr = false) {
  std::string cmd = tool_path().string() + " " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  ToolResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace ebpf::test
