// Iterators read to EOF: a task iterator lists this process, a map iterator lists our map; a link update
// swaps the iterator program.
#include <gtest/gtest.h>

#include <fcntl.h>

#include <cstring>
#include <map>

#include "ebpf/link/iter.hpp"
#include "link_test_util.hpp"

namespace ebpf {
namespace {

class IterLink : public test::LinkTest {
 protected:
  void SetUp() override {
    test::LinkTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto err = load("link_iter");
    ASSERT_FALSE(err) << err->message();
  }
};

TEST_F(IterLink, TaskIteratorListsThisProcess) {
  auto it = link::Iter::attach(prog("dump_tasks"));
  ASSERT_TRUE(it) << it.error().message();
  auto text = it->read_all();
  ASSERT_TRUE(text) << text.error().message();
  ASSERT_EQ(text->size() % 8, 0u);
  ASSERT_GT(text->size(), 8u);
  bool found = false;
  for (std::size_t i = 0; i + 8 <= text->size(); i += 8) {
    std::uint32_t ids[2];
    std::memcpy(ids, text->data() + i, 8);
    if (ids[0] == static_cast<std::uint32_t>(::getpid()) && ids[1] == static_cast<std::uint32_t>(::getpid())) found = true;
  }
  EXPECT_TRUE(found) << "this process is missing from the task iterator's output";

  // Each open() is a new walk; a stream read in small pieces gives the same kind of output.
  auto stream = it->open();
  ASSERT_TRUE(stream) << stream.error().message();
  std::size_t total = 0;
  std::byte buf[16];
  for (;;) {
    auto n = stream->read(buf);
    ASSERT_TRUE(n) << n.error().message();
    if (*n == 0) break;
    total += *n;
  }
  EXPECT_GT(total, 8u);

  auto info = it->link().info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->type, LinkType::iter);
  EXPECT_EQ(info->name, "task");
}

TEST_F(IterLink, MapIteratorListsOurMap) {
  auto it = link::Iter::attach(prog("dump_maps"));
  ASSERT_TRUE(it) << it.error().message();
  auto out = it->read_all();
  ASSERT_TRUE(out) << out.error().message();
  ASSERT_EQ(out->size() % 4, 0u);
  auto mine = map("walked").info();
  ASSERT_TRUE(mine);
  bool found = false;
  for (std::size_t i = 0; i < out->size(); i += 4) {
    std::uint32_t id;
    std::memcpy(&id, out->data() + i, 4);
    if (id == mine->id) found = true;
  }
  EXPECT_TRUE(found) << "map " << mine->id << " missing from the bpf_map iterator's output";
  auto info = it->link().info();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->name, "bpf_map");
}

TEST_F(IterLink, TaskIteratorFilteredToThisProcess) {
  auto it = link::Iter::attach(prog("dump_tasks"), {.pid = static_cast<std::uint32_t>(::getpid())});
  ASSERT_TRUE(it) << it.error().message();
  auto out = it->read_all();
  ASSERT_TRUE(out) << out.error().message();
  ASSERT_GE(out->size(), 8u);
  for (std::size_t i = 0; i + 8 <= out->size(); i += 8) {
    std::uint32_t ids[2];
    std::memcpy(ids, out->data() + i, 8);
    EXPECT_EQ(ids[0], static_cast<std::uint32_t>(::getpid()));
  }
}

TEST_F(IterLink, AutoAttachAndPin) {
  auto l = prog("dump_tasks").attach();
  ASSERT_TRUE(l) << l.error().message();
  test::Bpffs fs;
  ASSERT_TRUE(fs.ok());
  const std::string path = fs.dir() + "/tasks";
  ASSERT_TRUE(l->pin(path)) << "iterator links pin";
  // Reading the pin walks the iterator.
  std::string text;
  {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
  }
  EXPECT_GT(text.size(), 8u);
  ASSERT_TRUE(l->unpin());
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(IterLink, UpdateSwapsTheProgramAndChecksTheOldOne) {
  auto it = link::Iter::attach(prog("dump_tasks"));
  ASSERT_TRUE(it) << it.error().message();
  // Only a program of the same iterator target may replace it.
  auto wrong = it->link().update(prog("dump_maps"));
  EXPECT_FALSE(wrong);
  auto stale = it->link().update(prog("dump_tasks"), &prog("dump_maps"));
  ASSERT_FALSE(stale);
  EXPECT_TRUE(stale.error().is(std::errc::operation_not_permitted)) << stale.error().message();
  auto same = it->link().update(prog("dump_tasks"), &prog("dump_tasks"));
  EXPECT_TRUE(same) << same.error().message();
}

}  // namespace
}  // namespace ebpf
