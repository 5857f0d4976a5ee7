// Programs still encoded as the ELF loader read them load straight from their bytes: the kernel must get the same
// programs, func info and line info as from the decoded instructions, and loading must not decode them.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "ebpf/collection.hpp"
#include "ebpf/sys/attr.hpp"
#include "ebpf/sys/bpf.hpp"
#include "support/kernel_test.hpp"

namespace ebpf {
namespace {

using test::KernelTest;

struct KernelView {
  std::array<std::uint8_t, 8> tag{};
  std::uint32_t xlated = 0, jited = 0;
  std::vector<std::uint32_t> func_info;  // (insn_off, type_id) pairs
  std::vector<std::uint32_t> line_info;  // (insn_off, file_name_off, line_off, line_col) quadruples
};

// What the kernel holds for a loaded program, including its func and line info records.
KernelView kernel_view(const Program& p) {
  KernelView v;
  sys::ProgInfo info;
  auto r = sys::obj_get_info_by_fd(p.fd(), &info, sizeof info);
  if (!r) {
    ADD_FAILURE() << r.error().message();
    return v;
  }
  std::memcpy(v.tag.data(), info.tag, 8);
  v.xlated = info.xlated_prog_len;
  v.jited = info.jited_prog_len;
  EXPECT_EQ(info.func_info_rec_size == 0 || info.func_info_rec_size == 8, true);
  EXPECT_EQ(info.line_info_rec_size == 0 || info.line_info_rec_size == 16, true);
  v.func_info.resize(std::size_t{info.nr_func_info} * 2);
  v.line_info.resize(std::size_t{info.nr_line_info} * 4);
  sys::ProgInfo again;
  again.nr_func_info = info.nr_func_info;
  again.func_info_rec_size = 8;
  again.func_info = v.func_info.data();
  again.nr_line_info = info.nr_line_info;
  again.line_info_rec_size = 16;
  again.line_info = v.line_info.data();
  r = sys::obj_get_info_by_fd(p.fd(), &again, sizeof again);
  if (!r) ADD_FAILURE() << r.error().message();
  return v;
}

class DeferredLoad : public KernelTest {};

TEST_F(DeferredLoad, SameKernelProgramsAsFromDecodedInstructions) {
  for (const char* stem : {"coll_many", "coll_mixed"}) {
    SCOPED_TRACE(stem);
    auto spec = load_collection_spec(test::bpf_object(stem));
    ASSERT_TRUE(spec) << spec.error().message();
    // The same spec with every program decoded (a non-const access decodes and drops the encoded form).
    CollectionSpec decoded = *spec;
    std::size_t encoded = 0;
    for (auto& [name, p] : decoded.programs) {
      encoded += spec->programs.at(name).instructions.encoded() != nullptr ? 1 : 0;
      (void)p.instructions.vector();
      ASSERT_EQ(p.instructions.encoded(), nullptr);
    }
    ASSERT_GT(encoded, 0u);

    auto from_bytes = Collection::load(*spec);
    ASSERT_TRUE(from_bytes) << from_bytes.error().message();
    auto from_decoded = Collection::load(decoded);
    ASSERT_TRUE(from_decoded) << from_decoded.error().message();
    ASSERT_EQ(from_bytes->programs().size(), from_decoded->programs().size());
    std::size_t with_lines = 0;
    for (const auto& [name, prog] : from_bytes->programs()) {
      SCOPED_TRACE(name);
      const KernelView a = kernel_view(prog);
      const KernelView b = kernel_view(from_decoded->programs().at(name));
      EXPECT_EQ(a.tag, b.tag);
      EXPECT_EQ(a.xlated, b.xlated);
      EXPECT_EQ(a.jited, b.jited);
      EXPECT_EQ(a.func_info, b.func_info);
      EXPECT_EQ(a.line_info, b.line_info);
      with_lines += a.line_info.empty() ? 0 : 1;
    }
    EXPECT_EQ(with_lines, from_bytes->programs().size());  // func and line info reached the kernel
    // Loading read the encoded programs without decoding them into the spec.
    std::size_t still = 0;
    for (const auto& [name, p] : spec->programs) still += p.instructions.encoded() != nullptr ? 1 : 0;
    EXPECT_EQ(still, encoded);
  }
}

// The value of variable `name` in a loaded collection.
template <class T>
T variable(const CollectionSpec& spec, Collection& c, const char* name) {
  const VariableSpec& v = spec.variables.at(name);
  auto m = c.map(v.section);
  if (!m) {
    ADD_FAILURE() << m.error().message();
    return T{};
  }
  std::vector<std::byte> value((*m)->value_size());
  std::uint32_t key = 0;
  auto r = (*m)->lookup(std::as_bytes(std::span(&key, 1)), value);
  if (!r) ADD_FAILURE() << r.error().message();
  T out{};
  if (value.size() >= v.offset + sizeof(T)) std::memcpy(&out, value.data() + v.offset, sizeof(T));
  return out;
}

// Data-section references patched in the bytes keep their offsets: the programs read and write the right variables.
TEST_F(DeferredLoad, DataSectionReferencesKeepTheirOffsets) {
  auto spec = load_collection_spec(test::bpf_object("coll_globals"));
  ASSERT_TRUE(spec) << spec.error().message();
  CollectionSpec decoded = *spec;
  for (auto& [name, p] : decoded.programs) (void)p.instructions.vector();
  for (const CollectionSpec* s : {&*spec, &decoded}) {
    SCOPED_TRACE(s == &decoded ? "decoded" : "encoded");
    if (s != &decoded) {
      for (const auto& [name, p] : s->programs) ASSERT_NE(p.instructions.encoded(), nullptr) << name;
    }
    auto c = Collection::load(*s);
    ASSERT_TRUE(c) << c.error().message();
    std::vector<std::byte> data(64, std::byte{0});
    auto read = c->programs().at("read_globals").run({.data = data});
    ASSERT_TRUE(read) << read.error().message();
    EXPECT_EQ(read->retval, 3u * 100 + 7 + 11 + 5);
    const Program& write = c->programs().at("write_globals");
    EXPECT_EQ(write.run({.data = data}).value_or(RunResult{}).retval, 1u);
    EXPECT_EQ(write.run({.data = data}).value_or(RunResult{}).retval, 2u);
    EXPECT_EQ(variable<std::uint32_t>(*s, *c, "runs"), 2u);
    EXPECT_EQ(variable<std::uint64_t>(*s, *c, "total"), 2u * (64 - 14));  // skb->len: past the Ethernet header
    EXPECT_EQ(variable<std::uint32_t>(*s, *c, "seed"), 10u);
    EXPECT_EQ(variable<std::uint32_t>(*s, *c, "step"), 5u);
    read = c->programs().at("read_globals").run({.data = data});
    ASSERT_TRUE(read);
    EXPECT_EQ(read->retval, 3u * 100 + 7 + 10 + 5);
  }
}

// Without its maps, a single program fails the same way from its bytes as from its decoded instructions.
TEST_F(DeferredLoad, MissingMapErrorNamesTheInstruction) {
  auto spec = load_collection_spec(test::bpf_object("coll_many"));
  ASSERT_TRUE(spec) << spec.error().message();
  const ProgramSpec& lazy = spec->programs.at("prog_42");
  ASSERT_NE(lazy.instructions.encoded(), nullptr);
  ProgramSpec decoded = lazy;
  (void)decoded.instructions.vector();
  auto a = load_program(lazy);
  auto b = load_program(decoded);
  ASSERT_FALSE(a);
  ASSERT_FALSE(b);
  EXPECT_EQ(a.error().message(), b.error().message());
  EXPECT_NE(a.error().message().find("instruction "), std::string::npos) << a.error().message();
  EXPECT_NE(a.error().message().find("hits"), std::string::npos) << a.error().message();
}

}  // namespace
}  // namespace ebpf
