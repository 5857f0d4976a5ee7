// Test seam of the ELF loader (internal): whether it leaves programs that need no decoding encoded.
#pragma once

namespace ebpf::elf::detail {

// On by default. Off, every function is decoded when the object is read, as before deferral existed: tests compare
// the two to show they give the same programs.
void set_deferred_decoding(bool on) noexcept;
[[nodiscard]] bool deferred_decoding() noexcept;

}  // namespace ebpf::elf::detail
