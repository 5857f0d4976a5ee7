// User-space probes: uprobe / uretprobe on an executable or library, uprobe multi, and USDT probes
// (see usdt.hpp).
//
//   auto l = ebpf::link::attach_uprobe(prog, {.path = "/usr/lib/x86_64-linux-gnu/libc.so.6", .symbol = "malloc"});
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ebpf/error.hpp"
#include "ebpf/link/link.hpp"

namespace ebpf::link {

// The file offset of a function symbol of an ELF executable or shared library (.symtab, else .dynsym), as
// uprobes want it: the symbol's address translated through the program header that maps it. A symbol given
// as "name@VERSION" or "name@@VERSION" matches the versioned dynamic symbol. errc::not_found names the file
// and symbol; errc::malformed for a file that is not a readable 64-bit ELF.
Result<std::uint64_t> symbol_file_offset(const std::string& path, std::string_view symbol);
// A virtual address of the ELF file to its file offset (through the PT_LOAD segment containing it).
Result<std::uint64_t> address_to_file_offset(const std::string& path, std::uint64_t address);

struct UprobeOptions {
  std::string path;                // executable or library; a bare name ("libc.so.6") is searched for
  std::string_view symbol;         // function; empty: use `offset` as the file offset
  std::uint64_t offset = 0;        // added to the symbol's offset, or the file offset itself
  std::uint64_t ref_ctr_offset = 0;  // file offset of a USDT semaphore to bump while attached (Linux 4.20)
  int pid = -1;                    // only this process; -1: every process
  bool retprobe = false;           // uretprobe
  std::uint64_t cookie = 0;        // needs perf links (Linux 5.15)
};

// A uprobe / uretprobe through the uprobe perf PMU (Linux 4.17) and a perf link (or the perf ioctl).
Result<Link> attach_uprobe(const Program& program, const UprobeOptions& options);

struct UprobeMultiOptions {
  std::string path;
  std::vector<std::string> symbols;           // functions (resolved to file offsets), or
  std::vector<std::uint64_t> offsets;         // file offsets
  std::string_view pattern;                   // a glob over the file's function symbols, instead of both
  std::vector<std::uint64_t> ref_ctr_offsets;  // one per probe, or empty
  std::vector<std::uint64_t> cookies;          // one per probe, or empty
  int pid = -1;                               // -1 / 0: every process
  bool retprobe = false;                      // BPF_F_UPROBE_MULTI_RETURN
};

// A program loaded with attach type trace_uprobe_multi ("uprobe.multi" sections) on many offsets of one
// file at once (BPF_LINK_CREATE, Linux 6.6). errc::not_supported where the kernel lacks it.
Result<Link> attach_uprobe_multi(const Program& program, const UprobeMultiOptions& options);

// Searches a bare library name as the dynamic loader would for this process: LD_LIBRARY_PATH, then
// the standard directories of this architecture. A name with a '/' is returned as is.
Result<std::string> resolve_binary_path(std::string_view name);

}  // namespace ebpf::link
