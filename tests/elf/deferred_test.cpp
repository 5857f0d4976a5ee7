// Programs the ELF loader leaves encoded (EncodedInstructions) until someone reads or edits them: they must be
// exactly the programs an eager decode gives, whatever is done with them.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "ebpf/collection_spec.hpp"
#include "elf/deferred.hpp"
#include "elf_test_util.hpp"

using namespace ebpf;

namespace {

// Loads `path` with programs decoded when read (the loader as it was before deferral).
Result<CollectionSpec> load_eagerly(const std::filesystem::path& path) {
  elf::detail::set_deferred_decoding(false);
  auto spec = load_collection_spec(path);
  elf::detail::set_deferred_decoding(true);
  return spec;
}

std::vector<std::filesystem::path> all_objects() {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(test::bpf_object("coll_many").parent_path()))
    if (e.path().extension() == ".o") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

// Every test object (both byte orders): the same programs, instruction for instruction and metadata for metadata,
// encoded the same; or the same error.
TEST(DeferredDecoding, EveryObjectReadsAsWhenDecodedEagerly) {
  std::size_t deferred = 0, decoded = 0, objects = 0;
  for (const auto& path : all_objects()) {
    SCOPED_TRACE(path.filename().string());
    auto lazy = load_collection_spec(path);
    auto eager = load_eagerly(path);
    ASSERT_EQ(lazy.has_value(), eager.has_value());
    if (!lazy) {
      EXPECT_EQ(lazy.error().message(), eager.error().message());
      continue;
    }
    ++objects;
    ASSERT_EQ(lazy->programs.size(), eager->programs.size());
    for (const auto& [name, p] : lazy->programs) {
      SCOPED_TRACE(name);
      const ProgramSpec& e = eager->programs.at(name);
      ASSERT_EQ(e.instructions.encoded(), nullptr);
      (p.instructions.encoded() != nullptr ? deferred : decoded)++;
      // Encoding first: from the encoded form, without decoding it.
      auto lazy_bytes = p.instructions.encode(p.byte_order);
      auto eager_bytes = e.instructions.encode(e.byte_order);
      ASSERT_TRUE(lazy_bytes && eager_bytes);
      EXPECT_EQ(*lazy_bytes, *eager_bytes);
      EXPECT_EQ(p.instructions.size_in_slots(), e.instructions.size_in_slots());
      EXPECT_EQ(p.map_references(), e.map_references());
      // Then decoded: equal instructions and metadata (symbols, references, func info, source lines).
      EXPECT_EQ(p.instructions, e.instructions);
      EXPECT_EQ(p.instructions.size(), e.instructions.size());
    }
  }
  EXPECT_GT(objects, 20u);
  EXPECT_GT(deferred, 64u);  // coll_many's programs at least
  EXPECT_GT(decoded, 0u);    // programs with calls and CO-RE relocations
}

TEST(DeferredDecoding, ProgramsWithoutCallsStayEncoded) {
  for (const char* order : {"bpfel", "bpfeb"}) {
    SCOPED_TRACE(order);
    auto spec = load_collection_spec(test::bpf_object("coll_many", order));
    ASSERT_TRUE(spec) << spec.error().message();
    ASSERT_EQ(spec->programs.size(), 64u);
    for (const auto& [name, p] : spec->programs) {
      const insn::EncodedInstructions* enc = p.instructions.encoded();
      ASSERT_NE(enc, nullptr) << name;
      EXPECT_EQ(enc->order, order == std::string("bpfel") ? std::endian::little : std::endian::big);
      EXPECT_EQ(enc->symbol, name);
      ASSERT_EQ(enc->references.size(), 1u) << name;
      EXPECT_EQ(enc->references[0].name, "hits");
      ASSERT_EQ(enc->func_infos.size(), 1u);
      EXPECT_EQ(enc->func_infos[0].slot, 0u);
      EXPECT_FALSE(enc->lines.empty());
      EXPECT_TRUE(std::is_sorted(enc->lines.begin(), enc->lines.end(),
                                 [](const auto& a, const auto& b) { return a.slot < b.slot; }));
      // The reference names the lddw the loader relocated: a map load with no fd yet.
      const auto index = p.instructions.index_of_slot(enc->references[0].slot);
      ASSERT_TRUE(index);
      const insn::Instruction& ld = p.instructions[*index];
      EXPECT_TRUE(ld.is_map_load());
      EXPECT_EQ(ld.pseudo_source(), insn::PseudoSource::map_fd);
      EXPECT_EQ(ld.constant, 0);
      EXPECT_EQ(ld.reference(), "hits");
      EXPECT_EQ(p.instructions.front().symbol(), name);
      ASSERT_NE(p.instructions.front().metadata.source(), nullptr);
      // Reading it (const) decoded it but kept the encoded form.
      EXPECT_EQ(p.instructions.encoded(), enc);
    }
  }
}

TEST(DeferredDecoding, CallersAreDecodedWhenRead) {
  auto spec = load_collection_spec(test::bpf_object("coll_mixed"));
  ASSERT_TRUE(spec) << spec.error().message();
  std::size_t with_calls = 0;
  for (const auto& [name, p] : spec->programs) {
    bool calls = false;
    for (const auto& ins : p.instructions) calls |= ins.is_pseudo_call();
    if (calls) {
      ++with_calls;
      EXPECT_EQ(p.instructions.encoded(), nullptr) << name;
    }
  }
  EXPECT_GT(with_calls, 0u);
}

// Copies share the encoded form; an edit through a non-const member drops it from that copy only.
TEST(DeferredDecoding, EditingDropsTheEncodedFormOfThatCopyOnly) {
  auto spec = load_collection_spec(test::bpf_object("coll_many"));
  ASSERT_TRUE(spec) << spec.error().message();
  const ProgramSpec& original = spec->programs.at("prog_10");
  const insn::EncodedInstructions* enc = original.instructions.encoded();
  ASSERT_NE(enc, nullptr);

  ProgramSpec copy = original;
  EXPECT_EQ(copy.instructions.encoded(), enc);
  copy.instructions[1].constant = 12345;  // non-const access: decoded, no longer the bytes read
  EXPECT_EQ(copy.instructions.encoded(), nullptr);
  EXPECT_EQ(original.instructions.encoded(), enc);
  EXPECT_NE(copy.instructions, original.instructions);
  EXPECT_EQ(copy.instructions[1].constant, 12345);
  EXPECT_NE(original.instructions[1].constant, 12345);

  // A copy of a sequence already decoded (and still encoded) keeps both.
  ProgramSpec second = original;
  EXPECT_EQ(second.instructions.encoded(), enc);
  EXPECT_EQ(second.instructions, original.instructions);
  // Moving keeps the encoded form; clear() drops it.
  insn::Instructions moved = std::move(second.instructions);
  EXPECT_EQ(moved.encoded(), enc);
  moved.clear();
  EXPECT_EQ(moved.encoded(), nullptr);
  EXPECT_TRUE(moved.empty());

  // The encoded form outlives the spec it came from.
  insn::Instructions kept = original.instructions;
  const auto expected = original.instructions.vector();
  spec = CollectionSpec{};
  EXPECT_EQ(kept.vector(), expected);
}

// Encoding an unedited sequence copies or byte-swaps the bytes read, without decoding them.
TEST(DeferredDecoding, EncodeInEitherOrderWithoutDecoding) {
  auto el = load_collection_spec(test::bpf_object("coll_many", "bpfel"));
  auto eb = load_collection_spec(test::bpf_object("coll_many", "bpfeb"));
  ASSERT_TRUE(el && eb);
  for (const auto& [name, p] : el->programs) {
    const ProgramSpec& q = eb->programs.at(name);
    for (std::endian order : {std::endian::little, std::endian::big}) {
      auto a = p.instructions.encode(order);
      auto b = q.instructions.encode(order);
      ASSERT_TRUE(a && b);
      EXPECT_EQ(*a, *b) << name;
    }
  }
}

// The first reads of one const spec from two threads at once decode each program once, the same for both.
TEST(DeferredDecoding, ConcurrentFirstReads) {
  auto spec = load_collection_spec(test::bpf_object("coll_many"));
  ASSERT_TRUE(spec) << spec.error().message();
  const CollectionSpec& shared = *spec;
  std::vector<std::size_t> seen[2];
  auto reader = [&shared](std::vector<std::size_t>& out) {
    for (const auto& [name, p] : shared.programs) {
      std::size_t refs = 0;
      for (const auto& ins : p.instructions) refs += ins.reference().empty() ? 0 : 1;
      out.push_back(p.instructions.size() * 100 + refs);
    }
  };
  std::thread t(reader, std::ref(seen[0]));
  reader(seen[1]);
  t.join();
  EXPECT_EQ(seen[0], seen[1]);
  EXPECT_EQ(seen[0].size(), 64u);
}
