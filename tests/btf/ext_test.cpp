// .BTF.ext parsing.
#include <gtest/gtest.h>

#include <cstring>

#include "btf_test_util.hpp"
#include "ebpf/btf/ext.hpp"

namespace ebpf::btf {
namespace {

struct Loaded {
  Spec spec;
  std::vector<std::byte> ext_bytes;
  std::endian order;
};

Loaded load(const char* obj, const char* order) {
  Loaded l;
  l.order = std::string_view(order) == "bpfeb" ? std::endian::big : std::endian::little;
  auto btf = test::dump_section(test::bpf_object(obj, order), ".BTF");
  auto spec = Spec::parse_elf_section(btf, l.order);
  EXPECT_TRUE(spec);
  if (spec) l.spec = *spec;
  l.ext_bytes = test::dump_section(test::bpf_object(obj, order), ".BTF.ext");
  EXPECT_FALSE(l.ext_bytes.empty());
  return l;
}

class ExtOrders : public ::testing::TestWithParam<const char*> {};

TEST_P(ExtOrders, FuncLineAndCoreRecords) {
  Loaded l = load("btf_core", GetParam());
  auto ext = parse_ext(l.ext_bytes, l.order, l.spec);
  ASSERT_TRUE(ext) << ext.error().message();
  EXPECT_EQ(ext->func_info_rec_size, 8u);
  EXPECT_EQ(ext->line_info_rec_size, 16u);
  EXPECT_EQ(ext->core_relo_rec_size, 16u);

  // func_info: "socket" holds core_prog (at 0) and core_prog2; ".text" holds read_second.
  std::vector<std::string> funcs;
  for (const auto& sec : ext->func_info) {
    for (const auto& f : sec.records) {
      auto t = l.spec.type(f.type);
      ASSERT_TRUE(t);
      EXPECT_EQ(t->kind(), Kind::func);
      funcs.push_back(sec.section + ":" + std::to_string(f.insn_off) + ":" + std::string(t->name()));
    }
  }
  EXPECT_NE(std::find(funcs.begin(), funcs.end(), "socket:0:core_prog"), funcs.end());
  EXPECT_NE(std::find(funcs.begin(), funcs.end(), ".text:0:read_second"), funcs.end());
  bool prog2 = false;
  for (const auto& f : funcs) prog2 |= f.starts_with("socket:") && f.ends_with(":core_prog2") && f != "socket:0:core_prog2";
  EXPECT_TRUE(prog2);

  // line_info references the source file with sane lines.
  std::size_t lines = 0;
  bool prog_start = false;
  for (const auto& sec : ext->line_info) {
    for (const auto& li : sec.records) {
      ++lines;
      EXPECT_NE(li.file_name.find("btf_core.bpf.c"), std::string_view::npos);
      EXPECT_LT(li.line, 100u);
      if (sec.section == "socket" && li.insn_off == 0) {
        prog_start = true;
        EXPECT_NE(li.line_text.find("int core_prog(struct __sk_buff *skb)"), std::string_view::npos) << li.line_text;
        EXPECT_GT(li.line, 20u);
      }
      EXPECT_EQ(li.insn_off % 8, 0u);
    }
  }
  EXPECT_GT(lines, 5u);
  EXPECT_TRUE(prog_start);

  // CO-RE relocations: field offsets, an enum value and a type size on struct core_target.
  bool byte_off = false, enumval = false, type_size = false;
  for (const auto& sec : ext->core_relos) {
    for (const auto& c : sec.records) {
      auto t = l.spec.type(c.type);
      ASSERT_TRUE(t);
      EXPECT_FALSE(c.access.empty());
      if (c.kind == CoreReloKind::field_byte_offset && t->name() == "core_target") byte_off = true;
      if (c.kind == CoreReloKind::enumval_value) {
        enumval = true;
        EXPECT_EQ(t->name(), "core_enum");
        EXPECT_EQ(c.access, "1");
      }
      if (c.kind == CoreReloKind::type_size) type_size = true;
    }
  }
  EXPECT_TRUE(byte_off);
  EXPECT_TRUE(enumval);
  EXPECT_TRUE(type_size);
}

INSTANTIATE_TEST_SUITE_P(ByteOrders, ExtOrders, ::testing::Values("bpfel", "bpfeb"));

TEST(Ext, WrongByteOrderAndTruncationAreErrors) {
  Loaded l = load("btf_types", "bpfel");
  auto wrong = parse_ext(l.ext_bytes, std::endian::big, l.spec);
  ASSERT_FALSE(wrong);
  EXPECT_TRUE(wrong.error().is(errc::malformed));
  for (std::size_t n = 0; n < l.ext_bytes.size(); ++n) {
    auto r = parse_ext(std::span(l.ext_bytes).first(n), l.order, l.spec);
    EXPECT_FALSE(r) << "truncated to " << n;
  }
  // An absurd record count is refused without allocating for it.
  auto bytes = l.ext_bytes;
  std::uint32_t hdr_len, fi_off;
  std::memcpy(&hdr_len, bytes.data() + 4, 4);
  std::memcpy(&fi_off, bytes.data() + 8, 4);
  std::uint32_t huge = 0x7fffffff;
  std::memcpy(bytes.data() + hdr_len + fi_off + 8, &huge, 4);
  auto r = parse_ext(bytes, l.order, l.spec);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("out of bounds"), std::string::npos) << r.error().message();
}

// Without the line texts: the same records with empty views, and a bad string offset is still refused.
TEST(Ext, LineRecordsWithoutTexts) {
  Loaded l = load("btf_core", "bpfel");
  auto with = parse_ext(l.ext_bytes, l.order, l.spec);
  auto without = parse_ext(l.ext_bytes, l.order, l.spec, ExtOptions{.line_texts = false});
  ASSERT_TRUE(with && without);
  ASSERT_EQ(with->line_info.size(), without->line_info.size());
  std::size_t records = 0;
  for (std::size_t s = 0; s < with->line_info.size(); ++s) {
    const auto& a = with->line_info[s].records;
    const auto& b = without->line_info[s].records;
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i, ++records) {
      EXPECT_EQ(a[i].insn_off, b[i].insn_off);
      EXPECT_EQ(a[i].file_name_off, b[i].file_name_off);
      EXPECT_EQ(a[i].line_off, b[i].line_off);
      EXPECT_EQ(a[i].line, b[i].line);
      EXPECT_EQ(a[i].column, b[i].column);
      EXPECT_FALSE(a[i].file_name.empty());
      EXPECT_TRUE(b[i].file_name.empty());
      EXPECT_TRUE(b[i].line_text.empty());
    }
  }
  EXPECT_GT(records, 0u);

  // The first line record's file name offset pointed past the strings.
  auto bytes = l.ext_bytes;
  std::uint32_t hdr_len, li_off;
  std::memcpy(&hdr_len, bytes.data() + 4, 4);
  std::memcpy(&li_off, bytes.data() + 16, 4);
  const std::size_t first_record = hdr_len + li_off + 4 + 8;  // rec_size, then a section header
  // 0xffffffff too: it once matched the "no file name seen yet" marker of the file-name lookup cache and was
  // taken for an empty name (found by fuzzing).
  for (const std::uint32_t past : {0x7ffffff0u, 0xffffffffu}) {
    std::memcpy(bytes.data() + first_record + 4, &past, 4);
    for (bool texts : {true, false}) {
      auto r = parse_ext(bytes, l.order, l.spec, ExtOptions{.line_texts = texts});
      ASSERT_FALSE(r) << texts << " " << past;
      EXPECT_NE(r.error().message().find("string offset out of range"), std::string::npos) << r.error().message();
    }
  }
}

}  // namespace
}  // namespace ebpf::btf
