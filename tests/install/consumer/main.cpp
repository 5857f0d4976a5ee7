// A program outside the source tree that uses an installed ebpfpp.
#include <cstdio>

#include <ebpf/error.hpp>
#include <ebpf/sys/bpf.hpp>
#include <ebpf/types.hpp>

int main() {
  ebpf::Error e(ebpf::errc::key_not_exist, ENOENT, "lookup");
  std::printf("%s %s\n", std::string(ebpf::to_string(ebpf::MapType::percpu_hash)).c_str(), e.message().c_str());
  return e.is(ebpf::errc::key_not_exist) ? 0 : 1;
}
