#include <gtest/gtest.h>

#include <sys/mount.h>

#include <array>
#include <cstring>
#include <filesystem>

#include "ebpf/program.hpp"
#include "ebpf/sys/bpf.hpp"
#include "support/kernel_test.hpp"

namespace ebpf {
namespace {

// Raw encodings (host order, little-endian x86): enough to exercise loading without the asm builders.
constexpr std::uint64_t mov64_imm(int dst, std::int32_t imm) {
  return 0xb7ull | (std::uint64_t(dst) << 8) | (std::uint64_t(std::uint32_t(imm)) << 32);
}
constexpr std::uint64_t kExit = 0x95;

std::span<const std::byte> bytes_of(std::span<const std::uint64_t> insns) { return std::as_bytes(insns); }

class ProgramTest : public test::KernelTest {};

TEST_F(ProgramTest, LoadsSocketFilterAndRunsIt) {
  const std::array<std::uint64_t, 2> insns{mov64_imm(0, 42), kExit};
  auto prog = Program::load({.name = "ret42", .type = ProgramType::socket_filter, .instructions = bytes_of(insns)});
  ASSERT_TRUE(prog) << prog.error().message();
  std::array<std::byte, 64> packet{};
  auto res = prog->run({.data = packet});
  ASSERT_TRUE(res) << res.error().message();
  EXPECT_EQ(res->retval, 42u);
  EXPECT_EQ(res->data_out_size, packet.size());
}

TEST_F(ProgramTest, XdpRunReturnsVerdictAndData) {
  const std::array<std::uint64_t, 2> insns{mov64_imm(0, 2 /* XDP_PASS */), kExit};
  auto prog = Program::load({.name = "xdp_pass", .type = ProgramType::xdp, .instructions = bytes_of(insns)});
  ASSERT_TRUE(prog) << prog.error().message();
  std::array<std::byte, 64> packet{};
  packet[0] = std::byte{0xab};
  auto res = prog->run({.data = packet, .repeat = 10});
  ASSERT_TRUE(res) << res.error().message();
  EXPECT_EQ(res->retval, 2u);
  ASSERT_EQ(res->data_out.size(), packet.size());
  EXPECT_EQ(res->data_out[0], std::byte{0xab});
  auto per_run = prog->benchmark(packet, 100);
  ASSERT_TRUE(per_run) << per_run.error().message();
}

TEST_F(ProgramTest, RejectionCarriesVerifierLog) {
  // exit without setting r0: the verifier refuses ("R0 !read_ok").
  const std::array<std::uint64_t, 1> insns{kExit};
  auto prog = Program::load({.name = "bad", .type = ProgramType::socket_filter, .instructions = bytes_of(insns)});
  ASSERT_FALSE(prog);
  const Error& e = prog.error();
  EXPECT_TRUE(e.is(errc::verifier_rejected)) << e.message();
  EXPECT_TRUE(e.is(std::errc::permission_denied)) << e.message();
  EXPECT_NE(e.verifier_log().find("R0 !read_ok"), std::string_view::npos) << e.verifier_log();
  EXPECT_NE(e.message().find("program bad: load program"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("R0 !read_ok"), std::string::npos) << e.message();
}

TEST_F(ProgramTest, LogOfSuccessfulLoadWhenAsked) {
  const std::array<std::uint64_t, 2> insns{mov64_imm(0, 0), kExit};
  auto prog = Program::load({.name = "logged", .type = ProgramType::socket_filter, .instructions = bytes_of(insns)},
                            {.log_level = log_level::branch | log_level::stats});
  ASSERT_TRUE(prog) << prog.error().message();
  EXPECT_NE(prog->verifier_log().find("processed"), std::string::npos) << prog->verifier_log();
}

TEST_F(ProgramTest, TinyLogStartGrowsToFitWholeLog) {
  // A program long enough that its level-2 log exceeds the minimum buffer, rejected at the end.
  std::vector<std::uint64_t> insns;
  for (int i = 0; i < 3000; ++i) insns.push_back(mov64_imm(1, i));
  insns.push_back(kExit);  // r0 never set
  auto prog = Program::load({.name = "biglog", .type = ProgramType::socket_filter, .instructions = bytes_of(insns)},
                            {.log_level = log_level::instruction, .log_size_start = 1});
  ASSERT_FALSE(prog);
  EXPECT_GT(prog.error().verifier_log().size(), 64u * 1024) << "log did not grow past the first buffer";
  EXPECT_NE(prog.error().verifier_log().find("R0 !read_ok"), std::string_view::npos);
}

TEST_F(ProgramTest, RefusesEmptyAndUnspecified) {
  auto empty = Program::load({.name = "e", .type = ProgramType::xdp});
  ASSERT_FALSE(empty);
  EXPECT_TRUE(empty.error().is(errc::invalid_argument));
  const std::array<std::uint64_t, 2> insns{mov64_imm(0, 0), kExit};
  auto unspec = Program::load({.name = "u", .instructions = bytes_of(insns)});
  ASSERT_FALSE(unspec);
  EXPECT_NE(unspec.error().message().find("unspecified type"), std::string::npos);
}

TEST_F(ProgramTest, InfoCloneAndFromId) {
  const std::array<std::uint64_t, 2> insns{mov64_imm(0, 1), kExit};
  auto prog = Program::load({.name = "info_prog", .type = ProgramType::socket_filter, .instructions = bytes_of(insns)});
  ASSERT_TRUE(prog) << prog.error().message();
  auto info = prog->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->name, "info_prog");
  EXPECT_EQ(info->type, ProgramType::socket_filter);
  EXPECT_NE(info->id, 0u);
  EXPECT_EQ(info->xlated_size, 16u);
  EXPECT_EQ(info->tag_string().size(), 16u);
  EXPECT_NE(info->tag_string(), "0000000000000000");
  EXPECT_TRUE(info->gpl_compatible);

  auto copy = prog->clone();
  ASSERT_TRUE(copy);
  EXPECT_NE(copy->fd(), prog->fd());
  auto by_id = Program::from_id(info->id);
  ASSERT_TRUE(by_id) << by_id.error().message();
  EXPECT_EQ(by_id->name(), "info_prog");
  EXPECT_EQ(by_id->type(), ProgramType::socket_filter);
  auto again = by_id->info();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->tag, info->tag);

  bool found = false;
  for (auto id = Program::next_id(0); id; id = Program::next_id(*id))
    if (*id == info->id) found = true;
  EXPECT_TRUE(found);
}

TEST_F(ProgramTest, ClosedProgramReportsClosed) {
  Program p;
  auto r = p.run({});
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::closed));
}

TEST_F(ProgramTest, PinUnpinLoadPinned) {
  char tmpl[] = "/tmp/ebpfpp-bpffs-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  ASSERT_EQ(::mount("bpf", tmpl, "bpf", 0, nullptr), 0) << std::strerror(errno);
  const std::string path = std::string(tmpl) + "/prog";
  {
    const std::array<std::uint64_t, 2> insns{mov64_imm(0, 7), kExit};
    auto prog = Program::load({.name = "pinned", .type = ProgramType::socket_filter, .instructions = bytes_of(insns)});
    ASSERT_TRUE(prog);
    ASSERT_TRUE(prog->pin(path)) << path;
    EXPECT_EQ(prog->pinned_path(), path);
    auto loaded = Program::load_pinned(path);
    ASSERT_TRUE(loaded) << loaded.error().message();
    EXPECT_EQ(loaded->name(), "pinned");
    std::array<std::byte, 16> pkt{};
    auto r = loaded->run({.data = pkt});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->retval, 7u);
    ASSERT_TRUE(prog->unpin());
    EXPECT_FALSE(std::filesystem::exists(path));
    auto gone = Program::load_pinned(path);
    ASSERT_FALSE(gone);
    EXPECT_TRUE(gone.error().is(std::errc::no_such_file_or_directory));
  }
  ::umount(tmpl);
  ::rmdir(tmpl);
}

}  // namespace
}  // namespace ebpf
