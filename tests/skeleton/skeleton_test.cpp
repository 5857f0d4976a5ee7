// Generated skeletons against the kernel: load, run (BPF_PROG_TEST_RUN), and read and write variables and maps
// through the typed members, checked against what the programs compute.
#include <gtest/gtest.h>

#include <sys/mman.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <unistd.h>

#include "coll_globals.skel.hpp"
#include "ringbuf_records.skel.hpp"
#include "skel_attach.skel.hpp"
#include "skel_vars.skel.hpp"
#include "support/kernel_test.hpp"

namespace {

using ebpf::test::KernelTest;
using Vars = bpfel::skel_vars;

class Skeleton : public KernelTest {};

// The syscall program's context (struct args of skel_vars.bpf.c).
struct Args {
  std::uint32_t value;
  std::uint32_t mode;
};

ebpf::Result<ebpf::RunResult> compute(Vars& skel, std::uint32_t value, Vars::mode mode) {
  Args a{value, static_cast<std::uint32_t>(mode)};
  return skel.progs.compute.run({.context = std::as_bytes(std::span(&a, 1))});
}

TEST(SkeletonOpen, InitialValuesComeFromTheEmbeddedObject) {
  auto skel = Vars::open();
  ASSERT_TRUE(skel) << skel.error().message();
  ASSERT_NE(skel->rodata(), nullptr);
  EXPECT_EQ(skel->rodata()->multiplier, 3u);
  EXPECT_EQ(skel->rodata()->default_mode, Vars::mode::MODE_ADD);
  EXPECT_EQ(skel->data()->base, 100u);
  EXPECT_EQ(skel->data()->packed_flags.kind(), 5u);
  EXPECT_EQ(skel->data()->packed_flags.delta(), -3);
  EXPECT_EQ(skel->data()->packed_flags.wide(), 12345u);
  EXPECT_EQ(skel->data()->packed_flags.tail, 7u);
  ASSERT_NE(skel->bss(), nullptr);
  EXPECT_EQ(skel->bss()->counter, 0u);
  EXPECT_EQ(skel->bss()->class_, 0);
  EXPECT_FALSE(skel->maps.totals.map().valid());  // live only after load()
}

TEST(SkeletonOpen, WritesBeforeLoadGoIntoTheSpec) {
  auto skel = Vars::open();
  ASSERT_TRUE(skel) << skel.error().message();
  skel->rodata()->multiplier = 7;
  skel->data()->packed_flags.delta(-9);
  auto m = skel->spec().variable_as<std::uint32_t>("multiplier");
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(*m, 7u);
  // And the other way round.
  ASSERT_TRUE(skel->spec().set_variable("base", std::uint64_t{55}));
  EXPECT_EQ(skel->data()->base, 55u);
}

TEST(SkeletonOpen, OpenPathChecksTheLayout) {
  auto same = Vars::open(ebpf::test::bpf_object("skel_vars"));
  ASSERT_TRUE(same) << same.error().message();
  auto other = Vars::open(ebpf::test::bpf_object("coll_globals"));
  ASSERT_FALSE(other);
  EXPECT_TRUE(other.error().is(ebpf::errc::invalid_argument)) << other.error().message();
  EXPECT_NE(std::string(other.error().message()).find("regenerate"), std::string::npos) << other.error().message();
}

TEST_F(Skeleton, RunReadsConfigurationAndWritesVariablesAndMaps) {
  auto skel = Vars::open();
  ASSERT_TRUE(skel) << skel.error().message();
  skel->rodata()->multiplier = 5;
  skel->data()->base = 1000;
  ASSERT_TRUE(skel->load()) << "load";
  ASSERT_NE(skel->bss(), nullptr) << "data sections are mmapable on Linux >= 5.5";

  // flags: kind 5 + delta -3 + wide 12345 are added to every result.
  constexpr std::uint64_t kFlags = 5 - 3 + 12345;
  auto r = compute(*skel, 4, Vars::mode::MODE_MUL);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->retval, 4 * 5 + kFlags);
  r = compute(*skel, 6, Vars::mode{0});  // default_mode (.rodata): add base (.data)
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->retval, 6 + 1000 + kFlags);

  // .bss through the mapping: no syscall.
  const Vars::bss_section& bss = *skel->bss();
  EXPECT_EQ(bss.counter, 2u);
  EXPECT_EQ(bss.last_result, 6 + 1000 + kFlags);
  EXPECT_EQ(bss.last_point.x, 6);
  EXPECT_EQ(bss.last_point.y, -6);
  EXPECT_EQ(bss.class_, -42);
  EXPECT_EQ(bss.inputs[1], 4u);
  EXPECT_EQ(bss.inputs[2], 6u);
  EXPECT_EQ(skel->data()->packed_flags.tail, 9u);  // incremented by each run
  static_assert(sizeof(Vars::wire) == 7 && alignof(Vars::wire) == 1);
  Vars::wire w;
  std::memcpy(&w, &bss.last_wire, sizeof w);  // a packed struct: copied out rather than bound by reference
  EXPECT_EQ(w.kind, 3);
  EXPECT_EQ(w.len, 6u);
  EXPECT_EQ(w.port, 8080);

  // Writes through the mapping are what the program sees next.
  skel->data()->base = 1;
  skel->data()->packed_flags.wide(0);
  skel->bss()->counter = 100;
  r = compute(*skel, 2, Vars::mode::MODE_ADD);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->retval, 2 + 1 + 5 - 3);
  EXPECT_EQ(skel->bss()->counter, 101u);

  // Typed maps.
  auto total = skel->maps.totals.lookup(0);
  ASSERT_TRUE(total) << total.error().message();
  EXPECT_EQ(*total, (4 * 5 + kFlags) + (6 + 1000 + kFlags) + (2 + 1 + 5 - 3));
  auto rec = skel->maps.records.lookup(Vars::endpoint_t{6, 80});
  ASSERT_TRUE(rec) << rec.error().message();
  EXPECT_EQ(rec->at.x, 6);
  EXPECT_EQ(rec->at.y, 2);
  EXPECT_EQ(rec->raw, 6 + 1000 + kFlags);
  EXPECT_EQ(rec->halves[0], static_cast<std::uint32_t>(6 + 1000 + kFlags));
  EXPECT_EQ(rec->range.lo, 10);
  EXPECT_EQ(rec->range.hi, 20);
  EXPECT_EQ(rec->mode, Vars::mode::MODE_ADD);
  EXPECT_EQ(std::string_view(rec->tag, 2), "ok");
  EXPECT_EQ(rec->stamp, 2u);
  EXPECT_EQ(rec->grid[1][2], 9);
  EXPECT_FALSE(skel->maps.records.lookup(Vars::endpoint_t{6, 81}));

  Vars::record mine{};
  mine.mode = Vars::mode::MODE_NEG;
  mine.stamp = 77;
  ASSERT_TRUE(skel->maps.records.update(Vars::endpoint_t{1, 2}, mine));
  auto back = skel->maps.records.lookup(Vars::endpoint_t{1, 2});
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->stamp, 77u);
  EXPECT_EQ(back->mode, Vars::mode::MODE_NEG);

  // The untyped per-CPU map and the data-section maps are plain ebpf::Map.
  EXPECT_EQ(skel->maps.scratch.type(), ebpf::MapType::percpu_array);
  EXPECT_EQ(skel->maps.bss.value_size(), 51u);  // 44 + the packed 7-byte wire
}

TEST_F(Skeleton, RodataIsFrozenAndMappedReadOnly) {
  auto skel = Vars::open();
  ASSERT_TRUE(skel) << skel.error().message();
  skel->rodata()->multiplier = 11;
  ASSERT_TRUE(skel->load());
  ASSERT_NE(skel->rodata(), nullptr);
  EXPECT_EQ(skel->rodata()->multiplier, 11u);
  auto w = skel->maps.rodata.update(std::uint32_t{0}, std::array<std::byte, 8>{});
  EXPECT_FALSE(w) << "a frozen map refuses updates";
  // The mapping is read-only: mprotect to PROT_WRITE is refused for a frozen map's mapping.
  void* page = reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(skel->rodata()) & ~std::uintptr_t{4095});
  EXPECT_NE(::mprotect(page, 4096, PROT_READ | PROT_WRITE), 0);
}

TEST_F(Skeleton, LoadTwiceIsRefused) {
  auto skel = Vars::open();
  ASSERT_TRUE(skel) << skel.error().message();
  ASSERT_TRUE(skel->load());
  auto again = skel->load();
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is(ebpf::errc::invalid_argument));
}

TEST_F(Skeleton, MovedSkeletonKeepsItsMappings) {
  auto opened = Vars::open();
  ASSERT_TRUE(opened) << opened.error().message();
  ASSERT_TRUE(opened->load());
  Vars skel = std::move(*opened);
  ASSERT_TRUE(compute(skel, 1, Vars::mode::MODE_ADD));
  EXPECT_EQ(skel.bss()->counter, 1u);
  EXPECT_EQ(skel.bss()->last_point.x, 1);
}

TEST_F(Skeleton, SocketProgramsReadAndWriteGlobals) {
  using G = bpfel::coll_globals;
  auto skel = G::open();
  ASSERT_TRUE(skel) << skel.error().message();
  skel->rodata()->factor = 2;
  skel->rodata()->bias = 1;
  skel->data()->seed = 20;
  ASSERT_TRUE(skel->load());
  std::array<std::byte, 64> packet{};
  auto r = skel->progs.read_globals.run({.data = packet});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->retval, 2u * 100 + 1 + 20 + 5);
  r = skel->progs.write_globals.run({.data = packet});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->retval, 1u);
  EXPECT_EQ(skel->bss()->runs, 1u);
  EXPECT_EQ(skel->bss()->total, packet.size() - 14);  // skb->len after the test run pulled the ethernet header
  EXPECT_EQ(skel->data()->seed, 10u);  // step * 2
  skel->data()->step = 50;
  r = skel->progs.read_globals.run({.data = packet});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->retval, 2u * 100 + 1 + 10 + 50);
}

TEST_F(Skeleton, UntypedMapsAreLiveMaps) {
  auto skel = bpfel::ringbuf_records::open();
  ASSERT_TRUE(skel) << skel.error().message();
  ASSERT_TRUE(skel->load());
  EXPECT_EQ(skel->maps.events.type(), ebpf::MapType::ringbuf);
  EXPECT_TRUE(skel->progs.produce.valid());
}

}  // namespace

namespace {

TEST_F(Skeleton, AttachFromSectionsAndDetach) {
  using A = bpfel::skel_attach;
  auto skel = A::open();
  ASSERT_TRUE(skel) << skel.error().message();
  ASSERT_TRUE(skel->load());
  skel->bss()->target_tgid = static_cast<std::uint32_t>(::getpid());  // through the mapping, after load
  auto r = skel->attach();
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(skel->core().links().size(), 1u) << "the syscall program has no attach point and is skipped";
  for (int i = 0; i < 5; ++i) (void)::getppid();
  EXPECT_GE(skel->bss()->hits, 5u);
  skel->detach();  // its own close() may still be counted
  const std::uint64_t seen = skel->bss()->hits;
  EXPECT_TRUE(skel->core().links().empty());
  for (int i = 0; i < 5; ++i) (void)::getppid();
  EXPECT_EQ(skel->bss()->hits, seen) << "detached: no more counting";
}

}  // namespace
