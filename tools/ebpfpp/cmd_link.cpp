// `ebpfpp link list [--json]`: the kernel's links, like `bpftool link`: id, type, program id and the fields of
// the link's type.
//
// JSON: an array with one object per link: {"id", "type", "prog_id"} and, where they apply, "attach_type",
// "name" (tracepoint, iterator target, probed function or file), "perf_event" (its kind), "ifindex",
// "cgroup_id", "netns_ino", "map_id", "target_obj_id", "target_btf_id", "offset", "address", "cookie", "count",
// "pid", "missed", "netfilter" ({"pf", "hooknum", "priority", "flags"}).
#include <cstdio>
#include <string>

#include "command.hpp"
#include "ebpf/link/link.hpp"
#include "json_writer.hpp"

namespace ebpfpp_cli {
namespace {

void json_link(JsonWriter& w, const ebpf::LinkInfo& i) {
  using ebpf::LinkType;
  w.begin_object();
  w.key("id").value(std::uint64_t{i.id});
  w.key("type").value(ebpf::to_string(i.type));
  w.key("prog_id").value(std::uint64_t{i.program_id});
  if (i.attach_type != ebpf::AttachType::unspec) w.key("attach_type").value(ebpf::to_string(i.attach_type));
  if (!i.name.empty()) w.key("name").value(i.name);
  if (i.type == LinkType::perf_event) w.key("perf_event").value(ebpf::to_string(i.perf_event));
  if (i.type == LinkType::xdp || i.type == LinkType::tcx || i.type == LinkType::netkit) w.key("ifindex").value(std::uint64_t{i.ifindex});
  if (i.cgroup_id != 0) w.key("cgroup_id").value(i.cgroup_id);
  if (i.type == LinkType::netns) w.key("netns_ino").value(std::uint64_t{i.netns_ino});
  if (i.map_id != 0) w.key("map_id").value(std::uint64_t{i.map_id});
  if (i.type == LinkType::tracing) {
    w.key("target_obj_id").value(std::uint64_t{i.target_obj_id});
    w.key("target_btf_id").value(std::uint64_t{i.target_btf_id});
  }
  if (i.type == LinkType::perf_event) {
    if (i.perf_event == ebpf::PerfEventKind::uprobe || i.perf_event == ebpf::PerfEventKind::uretprobe ||
        i.perf_event == ebpf::PerfEventKind::kprobe || i.perf_event == ebpf::PerfEventKind::kretprobe)
      w.key("offset").value(i.offset);
    if (i.perf_event == ebpf::PerfEventKind::kprobe || i.perf_event == ebpf::PerfEventKind::kretprobe)
      w.key("address").value(i.address);
    w.key("cookie").value(i.cookie);
  }
  if (i.type == LinkType::kprobe_multi || i.type == LinkType::uprobe_multi) w.key("count").value(std::uint64_t{i.count});
  if (i.type == LinkType::uprobe_multi) w.key("pid").value(std::uint64_t{i.pid});
  if (i.type == LinkType::kprobe_multi) w.key("missed").value(i.missed);
  if (i.type == LinkType::netfilter) {
    w.key("netfilter").begin_object();
    w.key("pf").value(std::uint64_t{i.netfilter_pf});
    w.key("hooknum").value(std::uint64_t{i.netfilter_hooknum});
    w.key("priority").value(std::to_string(i.netfilter_priority));
    w.key("flags").value(std::uint64_t{i.netfilter_flags});
    w.end_object();
  }
  w.end_object();
}

std::string text_link(const ebpf::LinkInfo& i) {
  using ebpf::LinkType;
  std::string s = std::to_string(i.id) + ": " + std::string(ebpf::to_string(i.type)) + "  prog " + std::to_string(i.program_id);
  if (i.type == LinkType::perf_event) s += "  " + std::string(ebpf::to_string(i.perf_event));
  if (!i.name.empty()) s += "  " + i.name;
  if (i.attach_type != ebpf::AttachType::unspec) s += "  attach_type " + std::string(ebpf::to_string(i.attach_type));
  if (i.type == LinkType::xdp || i.type == LinkType::tcx || i.type == LinkType::netkit) s += "  ifindex " + std::to_string(i.ifindex);
  if (i.cgroup_id != 0) s += "  cgroup " + std::to_string(i.cgroup_id);
  if (i.type == LinkType::netns) s += "  netns_ino " + std::to_string(i.netns_ino);
  if (i.map_id != 0) s += "  map " + std::to_string(i.map_id);
  if (i.type == LinkType::tracing) s += "  target_btf_id " + std::to_string(i.target_btf_id);
  if (i.type == LinkType::perf_event && (i.perf_event == ebpf::PerfEventKind::uprobe || i.perf_event == ebpf::PerfEventKind::uretprobe))
    s += "  offset " + std::to_string(i.offset);
  if (i.type == LinkType::kprobe_multi || i.type == LinkType::uprobe_multi) s += "  count " + std::to_string(i.count);
  return s;
}

int run_link(Args args) {
  if (args.empty() || args[0] != "list") return usage_error("link", "expects a subcommand: list");
  ArgScanner scan(args.subspan(1), {"--json"}, {});
  if (!scan.ok()) return usage_error("link", scan.error());
  if (!scan.positional().empty()) return usage_error("link", "list takes no arguments");
  const bool json = scan.flag("--json");
  JsonWriter w;
  if (json) w.begin_array();
  for (std::uint32_t id = 0;;) {
    auto next = ebpf::Link::next_id(id);
    if (!next) {
      if (next.error().is(ebpf::errc::not_found)) break;
      return report(next.error().with_context("list links"));
    }
    id = *next;
    auto l = ebpf::Link::from_id(id);
    if (!l) {
      if (l.error().is(std::errc::no_such_file_or_directory)) continue;  // gone meanwhile
      return report(l.error());
    }
    auto info = l->info();
    if (!info) return report(info.error());
    if (json)
      json_link(w, *info);
    else
      std::printf("%s\n", text_link(*info).c_str());
  }
  if (json) {
    w.end_array();
    std::printf("%s\n", w.str().c_str());
  }
  return 0;
}

const Registration reg{{"link", "link list [--json]", "list the kernel's links (like bpftool link)", run_link}};

}  // namespace
}  // namespace ebpfpp_cli
