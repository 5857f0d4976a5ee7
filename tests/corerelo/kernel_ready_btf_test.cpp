// The object BTF a collection hands the kernel: as the file holds it (DATASECs laid out) when nothing needs
// sanitising, and then byte for byte what btf::Builder would have produced; through the Builder otherwise.
#include <gtest/gtest.h>

#include "ebpf/btf/builder.hpp"
#include "ebpf/collection_spec.hpp"
#include "program_fixup.hpp"
#include "support/kernel_test.hpp"

namespace ebpf {
namespace {

std::vector<const ProgramSpec*> programs_of(const CollectionSpec& spec) {
  std::vector<const ProgramSpec*> out;
  for (const auto& [name, p] : spec.programs) out.push_back(&p);
  return out;
}

TEST(KernelReadyBtf, EqualsTheBuilderMarshalling) {
  for (const char* stem : {"coll_many", "coll_mixed", "coll_basic", "elf_btf"}) {
    SCOPED_TRACE(stem);
    auto spec = load_collection_spec(test::bpf_object(stem));
    ASSERT_TRUE(spec) << spec.error().message();
    ASSERT_TRUE(spec->btf);
    const auto progs = programs_of(*spec);
    auto ready = detail::kernel_ready_btf(*spec->btf, progs);
    ASSERT_TRUE(ready) << "no extern, every kind supported: the blob should go as it is";
    btf::Builder b;
    ASSERT_TRUE(b.copy_all(*spec->btf));
    auto built = b.marshal_for_kernel(/*layout_empty_datasecs=*/true);
    ASSERT_TRUE(built) << built.error().message();
    EXPECT_EQ(*ready, *built);
  }
}

TEST(KernelReadyBtf, ExternsGoThroughTheBuilder) {
  // coll_kernel declares .kconfig and .ksyms externs and a kfunc: extern VARs and FUNCs must be rewritten.
  auto spec = load_collection_spec(test::bpf_object("coll_kernel"));
  ASSERT_TRUE(spec) << spec.error().message();
  ASSERT_TRUE(spec->btf);
  EXPECT_FALSE(detail::kernel_ready_btf(*spec->btf, programs_of(*spec)));
}

TEST(KernelReadyBtf, LinesOutsideTheStringTableGoThroughTheBuilder) {
  // A hand-made line whose texts are not in the object's string table needs them added.
  auto spec = load_collection_spec(test::bpf_object("coll_many"));
  ASSERT_TRUE(spec) << spec.error().message();
  auto& p = spec->programs.begin()->second;
  p.instructions[0].metadata.set_source(insn::SourceLine::copy_of("edited.c", "return 0;", 1, 1));
  EXPECT_FALSE(detail::kernel_ready_btf(*spec->btf, programs_of(*spec)));
}

}  // namespace
}  // namespace ebpf
