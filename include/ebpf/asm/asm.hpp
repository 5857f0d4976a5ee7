// The eBPF instruction set: everything in ebpf::insn.
#pragma once

#include "ebpf/asm/builders.hpp"
#include "ebpf/asm/helpers.hpp"
#include "ebpf/asm/instruction.hpp"
#include "ebpf/asm/metadata.hpp"
#include "ebpf/asm/opcode.hpp"
#include "ebpf/asm/register.hpp"
#include "ebpf/asm/disasm.hpp"
#include "ebpf/asm/tag.hpp"
