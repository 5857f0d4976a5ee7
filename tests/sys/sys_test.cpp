#include <gtest/gtest.h>

#include <fcntl.h>

#include <cstring>

#include "ebpf/error.hpp"
#include "ebpf/sys/bpf.hpp"
#include "support/kernel_test.hpp"

namespace ebpf {
namespace {

using test::KernelTest;

TEST(Error, StaticErrorsCarryCodeAndErrno) {
  Error e(errc::key_not_exist, ENOENT, "lookup");
  EXPECT_TRUE(e.is(errc::key_not_exist));
  EXPECT_TRUE(e.is(std::errc::no_such_file_or_directory));
  EXPECT_FALSE(e.is(std::errc::permission_denied));
  EXPECT_EQ(e.message(), "lookup: No such file or directory");
}

TEST(Error, ContextChainsAreJoinedOutermostFirst) {
  Error e = Error::from_errno(EPERM, "create map").with_context("map counts").with_context("program xdp_prog");
  EXPECT_EQ(e.message(), "program xdp_prog: map counts: create map: Operation not permitted");
  EXPECT_TRUE(e.is(std::errc::operation_not_permitted));
  EXPECT_TRUE(e.is(errc::sys));
}

TEST(Error, ENOTSUPPMapsToNotSupported) {
  Error e = Error::from_errno(524, "test run");
  EXPECT_TRUE(e.is(errc::not_supported));
  EXPECT_NE(e.message().find("ENOTSUPP"), std::string::npos);
}

TEST(Error, VerifierLogTailInMessageWholeLogKept) {
  std::string log;
  for (int i = 0; i < 20; ++i) log += "line " + std::to_string(i) + "\n";
  Error e = Error::make(errc::verifier_rejected, "load program", EACCES).with_verifier_log(log).with_context("program p");
  EXPECT_EQ(e.verifier_log(), log);
  const std::string msg = e.message();
  EXPECT_NE(msg.find("program p: load program"), std::string::npos);
  EXPECT_NE(msg.find("line 19"), std::string::npos);
  EXPECT_EQ(msg.find("line 3\n"), std::string::npos) << msg;
}

TEST(Error, TryMacroPropagates) {
  auto inner = [](bool ok) -> Result<int> {
    if (!ok) return fail(errc::invalid_argument, "bad");
    return 7;
  };
  auto outer = [&](bool ok) -> Result<int> {
    EBPF_TRY_CTX(int v, inner(ok), "outer");
    return v + 1;
  };
  EXPECT_EQ(*outer(true), 8);
  ASSERT_FALSE(outer(false));
  EXPECT_EQ(outer(false).error().message(), "outer: bad");
  EXPECT_TRUE(outer(false).error().is(errc::invalid_argument));
}

TEST(Fd, MoveOnlyAndClosesOnDestruction) {
  int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(raw, 0);
  int before = test::open_fd_count();
  {
    sys::Fd a(raw);
    sys::Fd b(std::move(a));
    EXPECT_FALSE(a.valid());
    EXPECT_EQ(b.get(), raw);
    auto c = b.dup();
    ASSERT_TRUE(c);
    EXPECT_NE(c->get(), raw);
    EXPECT_EQ(::fcntl(c->get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    EXPECT_EQ(test::open_fd_count(), before + 1);
  }
  EXPECT_EQ(test::open_fd_count(), before - 1);
}

TEST(Fd, DupOfClosedFdFails) {
  sys::Fd none;
  auto d = none.dup();
  ASSERT_FALSE(d);
  EXPECT_TRUE(d.error().is(errc::closed));
}

class Sys : public KernelTest {};

TEST_F(Sys, MapCreateAndElementOps) {
  sys::MapCreateAttr attr{.map_type = 1 /* hash */, .key_size = 4, .value_size = 8, .max_entries = 4};
  auto fd = sys::map_create(attr);
  ASSERT_TRUE(fd) << fd.error().message();
  std::uint32_t key = 1;
  std::uint64_t value = 42, out = 0;
  EXPECT_EQ(sys::map_lookup_elem(fd->get(), &key, &out), ENOENT);
  EXPECT_EQ(sys::map_update_elem(fd->get(), &key, &value, 0), 0);
  EXPECT_EQ(sys::map_update_elem(fd->get(), &key, &value, 1 /* BPF_NOEXIST */), EEXIST);
  EXPECT_EQ(sys::map_lookup_elem(fd->get(), &key, &out), 0);
  EXPECT_EQ(out, 42u);
  std::uint32_t next = 0;
  EXPECT_EQ(sys::map_get_next_key(fd->get(), nullptr, &next), 0);
  EXPECT_EQ(next, 1u);
  EXPECT_EQ(sys::map_delete_elem(fd->get(), &key), 0);
  EXPECT_EQ(sys::map_delete_elem(fd->get(), &key), ENOENT);
}

TEST_F(Sys, MapCreateErrorIsErrno) {
  sys::MapCreateAttr attr{.map_type = 1, .key_size = 4, .value_size = 8, .max_entries = 0};
  auto fd = sys::map_create(attr);
  ASSERT_FALSE(fd);
  EXPECT_TRUE(fd.error().is(std::errc::invalid_argument));
  EXPECT_NE(fd.error().message().find("create map"), std::string::npos);
}

TEST_F(Sys, InfoAndIdsRoundTrip) {
  sys::MapCreateAttr attr{.map_type = 2, .key_size = 4, .value_size = 4, .max_entries = 1};
  auto name = sys::object_name("ebpfpp_info");
  std::memcpy(attr.map_name, name.bytes, sizeof attr.map_name);
  auto fd = sys::map_create(attr);
  ASSERT_TRUE(fd);
  sys::MapInfo info;
  auto n = sys::obj_get_info_by_fd(fd->get(), &info, sizeof info);
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(info.type, 2u);
  EXPECT_EQ(info.max_entries, 1u);
  EXPECT_STREQ(info.name, "ebpfpp_info");
  auto again = sys::get_fd_by_id(sys::ObjectKind::map, info.id);
  ASSERT_TRUE(again) << again.error().message();
  sys::MapInfo info2;
  ASSERT_TRUE(sys::obj_get_info_by_fd(again->get(), &info2, sizeof info2));
  EXPECT_EQ(info2.id, info.id);
  // Walking ids from 0 reaches ours.
  std::uint32_t id = 0;
  bool found = false;
  while (auto next = sys::get_next_id(sys::ObjectKind::map, id)) {
    id = *next;
    if (id == info.id) found = true;
  }
  EXPECT_TRUE(found);
}

TEST_F(Sys, FaultHookFailsTheNextCall) {
  struct Ctx { int calls = 0; } ctx;
  sys::set_fault_hook([](sys::Cmd cmd, void* c) -> int {
    auto* ctx = static_cast<Ctx*>(c);
    ++ctx->calls;
    return cmd == sys::Cmd::map_create ? ENOMEM : 0;
  }, &ctx);
  sys::MapCreateAttr attr{.map_type = 2, .key_size = 4, .value_size = 4, .max_entries = 1};
  auto fd = sys::map_create(attr);
  sys::set_fault_hook(nullptr);
  ASSERT_FALSE(fd);
  EXPECT_TRUE(fd.error().is(std::errc::not_enough_memory));
  EXPECT_EQ(ctx.calls, 1);
}

TEST(ObjName, TruncatesAndReplaces) {
  EXPECT_EQ(sys::object_name("a_very_long_program_name").view(), "a_very_long_pro");
  EXPECT_EQ(sys::object_name("has-dash").view(), "has_dash");
  if (test::have_bpf() && sys::object_names_allow_dot()) {
    EXPECT_EQ(sys::object_name(".rodata").view(), ".rodata");
    EXPECT_EQ(sys::sanitize_name("a.b-c/d"), "a.b_c_d");
  }
  EXPECT_EQ(sys::sanitize_name("x-y", '!'), "x!y");
}

}  // namespace
}  // namespace ebpf
