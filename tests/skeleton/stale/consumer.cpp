// User space of the stale-skeleton test (see event.h): uses its own struct stale_event through the skeleton.
#include <cstdint>
#include <type_traits>

#include "stale.skel.hpp"

static_assert(std::is_same_v<decltype(stale::maps_type::events), ebpf::TypedMap<std::uint32_t, ::stale_event>>);

int main() {
  stale_event e{};
  e.pid = 1;
  return static_cast<int>(e.bytes);
}
