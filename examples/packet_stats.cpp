// The journey on the shipped example collection through its generated skeleton (packet_stats.skel.hpp, made by
// ebpfpp_add_bpf_object in CMakeLists.txt): the object is embedded, maps, programs and variables are typed members.
//
//   example-packet_stats
//
// packet_stats_strings.cpp is the same journey through the string API.
#include <array>
#include <cstdint>
#include <cstdio>

#include "packet_stats.skel.hpp"

int main() {
  auto skel = packet_stats::open();  // the object embedded in the header -> spec (no kernel involved)
  if (!skel) {
    std::fprintf(stderr, "%s\n", skel.error().message().c_str());
    return 1;
  }
  skel->rodata()->min_frame_len = 60;  // .rodata: written before load, frozen afterwards
  if (auto r = skel->load(); !r) {     // maps, then programs; the verifier log tail on rejection
    std::fprintf(stderr, "%s\n", r.error().message().c_str());
    return 1;
  }
  if (auto r = skel->maps.blocked.update(0x0806, 1); !r) {  // drop ARP; key and value types checked at compile time
    std::fprintf(stderr, "%s\n", r.error().message().c_str());
    return 1;
  }

  std::array<std::byte, 64> frame{};
  frame[12] = std::byte{0x08};  // IPv4
  for (ebpf::Program* prog : {&skel->progs.xdp_count, &skel->progs.xdp_filter}) {
    auto result = prog->run({.data = frame});
    if (!result) {
      std::fprintf(stderr, "%s\n", result.error().message().c_str());
      return 1;
    }
    std::printf("%s returned %u\n", prog == &skel->progs.xdp_count ? "xdp_count" : "xdp_filter", result->retval);
  }

  std::printf("frames %llu, bytes %llu\n", static_cast<unsigned long long>(skel->maps.stats.lookup(0).value_or(0)),
              static_cast<unsigned long long>(skel->maps.stats.lookup(1).value_or(0)));
  auto ipv4 = skel->maps.per_ethertype.lookup(0x0800);
  if (ipv4) {
    std::printf("ipv4 frames %llu\n", static_cast<unsigned long long>(*ipv4));
  } else if (ipv4.error().is(ebpf::errc::key_not_exist)) {
    std::printf("no ipv4 frames\n");  // a miss: no allocation, no exception
  }
  return 0;
}
