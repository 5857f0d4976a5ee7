// The API journey on the shipped example collection (packet_stats.bpf.c, built as packet_stats.bpfel.o):
// read the object into a spec, set a variable, load the collection, fill a map, run a program, read the maps.
//
//   example-packet_stats_strings build/examples/packet_stats.bpfel.o
//
// packet_stats.cpp is the same journey through the generated skeleton.
#include <array>
#include <cstdint>
#include <cstdio>

#include "ebpf/collection.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s packet_stats.bpfel.o\n", argv[0]);
    return 2;
  }
  auto spec = ebpf::load_collection_spec(argv[1]);  // ELF -> maps, programs, variables (no kernel involved)
  if (!spec) {
    std::fprintf(stderr, "%s\n", spec.error().message().c_str());
    return 1;
  }
  // A `const volatile` global lives in .rodata: settable before load, frozen afterwards.
  if (auto r = spec->set_variable("min_frame_len", std::uint32_t{60}); !r) {
    std::fprintf(stderr, "%s\n", r.error().message().c_str());
    return 1;
  }
  auto coll = ebpf::Collection::load(*spec);  // maps, then programs; the verifier log tail on rejection
  if (!coll) {
    std::fprintf(stderr, "%s\n", coll.error().message().c_str());
    return 1;
  }
  ebpf::Map& blocked = **coll->map("blocked");
  if (auto r = blocked.update<std::uint16_t, std::uint8_t>(0x0806, 1); !r) {  // drop ARP
    std::fprintf(stderr, "%s\n", r.error().message().c_str());
    return 1;
  }

  std::array<std::byte, 64> frame{};
  frame[12] = std::byte{0x08};  // IPv4
  for (const char* name : {"xdp_count", "xdp_filter"}) {
    auto result = (*coll->program(name))->run({.data = frame});
    if (!result) {
      std::fprintf(stderr, "%s\n", result.error().message().c_str());
      return 1;
    }
    std::printf("%s returned %u\n", name, result->retval);
  }

  ebpf::Map& stats = **coll->map("stats");
  std::printf("frames %llu, bytes %llu\n",
              static_cast<unsigned long long>(stats.lookup<std::uint32_t, std::uint64_t>(0).value_or(0)),
              static_cast<unsigned long long>(stats.lookup<std::uint32_t, std::uint64_t>(1).value_or(0)));
  auto ipv4 = (*coll->map("per_ethertype"))->lookup<std::uint16_t, std::uint64_t>(0x0800);
  if (ipv4) {
    std::printf("ipv4 frames %llu\n", static_cast<unsigned long long>(*ipv4));
  } else if (ipv4.error().is(ebpf::errc::key_not_exist)) {
    std::printf("no ipv4 frames\n");  // a miss: no allocation, no exception
  }
  return 0;
}
