// tracefs and the perf PMUs that attach points need (internal to link/).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ebpf/error.hpp"
#include "ebpf/link/link.hpp"
#include "ebpf/link/tracing.hpp"
#include "ebpf/sys/fd.hpp"

namespace ebpf::link::detail {

// The tracefs mount: /sys/kernel/tracing, else /sys/kernel/debug/tracing (cached once found).
// errc::not_supported naming both when neither is mounted.
Result<std::string> tracefs_root();

// The id of a trace event ("syscalls", "sys_enter_getpid") from <tracefs>/events/<category>/<name>/id.
// errc::not_found when the event does not exist.
Result<std::uint64_t> trace_event_id(std::string_view category, std::string_view name);

// The type of a dynamic perf PMU ("kprobe", "uprobe") from /sys/bus/event_source/devices/<pmu>/type;
// errc::not_supported when the kernel has no such PMU.
Result<std::uint32_t> pmu_type(const char* pmu);
// The bit of perf_event_attr.config that makes a probe a return probe (from .../<pmu>/format/retprobe).
Result<std::uint32_t> pmu_retprobe_bit(const char* pmu);

// Reads a small text file whole; errno errors carry `what`.
Result<std::string> read_text_file(const std::string& path);

}  // namespace ebpf::link::detail
