// Metadata blocks placed in a MetadataArena, and source lines viewing shared strings.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ebpf/asm/instruction.hpp"

using namespace ebpf::insn;

TEST(MetadataArena, BlocksOutliveTheArenaAndCopyOutOnEdit) {
  std::vector<Instruction> insns(4, Instruction{});
  std::vector<Instruction> copies;
  {
    MetadataArena arena(3);
    for (auto& ins : insns) arena.place(ins.metadata);  // the fourth finds the arena full
    EXPECT_FALSE(insns[0].metadata.empty());
    EXPECT_TRUE(insns[3].metadata.empty());
    for (std::size_t i = 0; i < insns.size(); ++i) insns[i].metadata.set_symbol(std::string("f").append(std::to_string(i)));
    insns[1].metadata.set_source(SourceLine{"a.c", "x = 1;", 3, 1});
    copies = insns;  // shares the blocks
  }
  insns.clear();  // the arena and the originals are gone: the copies keep the storage alive
  ASSERT_EQ(copies.size(), 4u);
  for (std::size_t i = 0; i < copies.size(); ++i) EXPECT_EQ(copies[i].symbol(), std::string("f").append(std::to_string(i)));
  ASSERT_NE(copies[1].metadata.source(), nullptr);
  EXPECT_EQ(copies[1].metadata.source()->line, "x = 1;");
  // Copy-on-write from an arena block.
  Instruction other = copies[1];
  other.metadata.set_symbol("g");
  EXPECT_EQ(copies[1].symbol(), "f1");
  EXPECT_EQ(other.symbol(), "g");
  EXPECT_EQ(*other.metadata.source(), *copies[1].metadata.source());
}

TEST(MetadataArena, PlaceKeepsAnExistingBlock) {
  Instruction a;
  a.metadata.set_symbol("mine");
  MetadataArena arena(1);
  arena.place(a.metadata);
  EXPECT_EQ(a.symbol(), "mine");
  Instruction b;
  arena.place(b.metadata);  // the slot is still free for b
  b.metadata.set_func_info(7u);
  EXPECT_EQ(b.metadata.func_info(), 7u);
}

TEST(SourceLine, ViewsKeptAliveByTheOwner) {
  Instruction ins;
  {
    auto table = std::make_shared<std::string>("file.c\0  return x;", 18);
    std::string_view all(*table);
    ins.metadata.set_source(SourceLine{all.substr(0, 6), all.substr(7), 9, 4, table});
  }
  Instruction copy = ins;
  ins = Instruction{};
  ASSERT_NE(copy.metadata.source(), nullptr);
  EXPECT_EQ(copy.metadata.source()->file_name, "file.c");
  EXPECT_EQ(copy.metadata.source()->line, "  return x;");

  SourceLine owned = SourceLine::copy_of(std::string("dir/b.c"), std::string("int y;"), 1, 2);
  SourceLine same{"dir/b.c", "int y;", 1, 2};
  EXPECT_EQ(owned, same);  // equality is by content, not storage
  EXPECT_NE(owned.owner, nullptr);
  EXPECT_EQ(same.owner, nullptr);
}
