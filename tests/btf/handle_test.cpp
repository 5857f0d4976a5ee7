// Builder, marshalling with sanitisation, and loading BTF into the kernel.
#include <gtest/gtest.h>

#include "btf_test_util.hpp"
#include "ebpf/btf/btf.hpp"
#include "ebpf/btf/builder.hpp"
#include "ebpf/btf/ext.hpp"
#include "ebpf/btf/handle.hpp"
#include "ebpf/features/features.hpp"
#include "ebpf/kernel/version.hpp"
#include "ebpf/sys/bpf.hpp"
#include "ebpf/types.hpp"

namespace ebpf::btf {
namespace {

using test::KernelTest;

Spec object_spec(const char* name, const char* order) {
  auto bytes = test::dump_section(test::bpf_object(name, order), ".BTF");
  auto spec = Spec::parse_elf_section(bytes, std::string_view(order) == "bpfeb" ? std::endian::big : std::endian::little);
  EXPECT_TRUE(spec);
  return spec ? *spec : Spec();
}

TEST(Builder, DeepCopyKeepsLayoutAndNames) {
  Spec spec = object_spec("btf_types", "bpfel");
  auto value = spec.find("btf_value", Kind::struct_);
  ASSERT_TRUE(value);
  Builder b;
  auto id = b.copy(spec, value->id());
  ASSERT_TRUE(id) << id.error().message();
  auto again = b.copy(spec, value->id());
  ASSERT_TRUE(again);
  EXPECT_EQ(*id, *again);
  EXPECT_LT(b.type_count(), spec.type_count()) << "only referenced types are copied";
  auto copy = b.spec();
  ASSERT_TRUE(copy) << copy.error().message();
  ASSERT_TRUE(copy->validate());
  auto t = copy->type(*id);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->name(), "btf_value");
  EXPECT_EQ(*copy->size_of(*id), *spec.size_of(value->id()));
  ASSERT_EQ(t->vlen(), value->vlen());
  for (std::size_t i = 0; i < t->vlen(); ++i) {
    EXPECT_EQ(t->member(i).name, value->member(i).name);
    EXPECT_EQ(t->member(i).bit_offset, value->member(i).bit_offset);
    EXPECT_EQ(copy->format_c(t->member(i).type), spec.format_c(value->member(i).type));
  }
  // Self reference through `next` maps to the copy itself.
  auto next = copy->type(t->member(9).type);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->ref(), *id);
}

TEST(Builder, CopyAllPreservesIds) {
  Spec spec = object_spec("btf_types", "bpfeb");
  Builder b;
  ASSERT_TRUE(b.copy_all(spec));
  auto copy = b.spec();
  ASSERT_TRUE(copy);
  ASSERT_EQ(copy->type_count(), spec.type_count());
  for (TypeId id = 1; id < spec.type_count(); ++id) {
    EXPECT_EQ(copy->type(id)->name(), spec.type(id)->name());
    EXPECT_EQ(copy->format_c(id), spec.format_c(id));
  }
}

TEST(Builder, SanitisesWhatTheKernelLacks) {
  Builder b;
  TypeId i = b.add_int("int", 4, kIntSigned);
  Builder::ParamSpec params[] = {{"a", i}};
  TypeId proto = b.add_func_proto(i, params);
  TypeId fn = b.add_func("f", proto, Linkage::global);
  TypeId fl = b.add_float("double", 8);
  Builder::EnumSpec values[] = {{"BIG", 0x123456789LL}};
  TypeId e64 = b.add_enum64("big", values);
  Builder::EnumSpec small[] = {{"NEG", -1}};
  TypeId e32 = b.add_enum("neg", 4, small, true);
  TypeId tt = b.add_type_tag("user", i);
  TypeId var = b.add_var("v", i, Linkage::global);
  TypeId tag = b.add_decl_tag("tag", var, -1);
  VarSecInfo vs[] = {{var, 0, 4}};
  TypeId ds = b.add_datasec(".data", 4, vs);

  auto full = b.spec();
  ASSERT_TRUE(full);
  EXPECT_EQ(full->type(e64)->enumerator(0).value, 0x123456789ull);
  EXPECT_EQ(static_cast<std::int64_t>(full->type(e32)->enumerator(0).value), -1);

  MarshalOptions none;
  none.features = Features{false, false, false, false, false, false, false};
  auto s = b.spec(none);
  ASSERT_TRUE(s) << s.error().message();
  ASSERT_TRUE(s->validate());
  EXPECT_EQ(s->type_count(), full->type_count()) << "ids are stable";
  EXPECT_EQ(s->type(fn)->kind(), Kind::typedef_);
  EXPECT_EQ(s->type(proto)->kind(), Kind::enum_);
  EXPECT_EQ(s->type(fl)->kind(), Kind::struct_);
  EXPECT_EQ(*s->size_of(fl), 8u);
  EXPECT_EQ(s->type(e64)->kind(), Kind::union_);
  EXPECT_FALSE(s->type(e32)->kind_flag());
  EXPECT_EQ(s->type(tt)->kind(), Kind::const_);
  EXPECT_EQ(s->type(var)->kind(), Kind::int_);
  EXPECT_EQ(s->type(tag)->kind(), Kind::int_);
  EXPECT_EQ(s->type(ds)->kind(), Kind::struct_);
  EXPECT_EQ(s->type(ds)->member(0).name, "v");

  MarshalOptions linkage_only;
  linkage_only.features.func_linkage = false;
  auto l = b.spec(linkage_only);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->type(fn)->kind(), Kind::func);
  EXPECT_EQ(l->type(fn)->linkage(), 0u);
}

TEST(Builder, CyclicTypedefsAreErrors) {
  Builder b;
  // typedef a -> typedef b -> typedef a (ids 1 and 2).
  b.add_typedef("a", 2);
  b.add_typedef("b", 1);
  auto s = b.spec();
  ASSERT_TRUE(s);
  auto size = s->size_of(1);
  ASSERT_FALSE(size);
  EXPECT_TRUE(size.error().is(errc::malformed));
  EXPECT_FALSE(s->align_of(1));
  EXPECT_FALSE(s->skip_qualifiers(2));
  EXPECT_FALSE(s->format_c(1).empty());
  // Array of itself.
  Builder c;
  c.add_array(1, 1, 4);
  auto cs = c.spec();
  ASSERT_TRUE(cs);
  EXPECT_FALSE(cs->size_of(1));
}

TEST(Builder, SetDatasecFixesUpLayout) {
  Spec spec = object_spec("btf_types", "bpfel");
  Builder b;
  ASSERT_TRUE(b.copy_all(spec));
  auto bss = spec.find(".bss", Kind::datasec);
  ASSERT_TRUE(bss);
  ASSERT_EQ(bss->vlen(), 2);
  VarSecInfo vars[] = {bss->var_info(0), bss->var_info(1)};
  vars[0].offset = 0;
  vars[1].offset = 8;
  ASSERT_TRUE(b.set_datasec(bss->id(), 128, vars));
  auto s = b.spec();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->type(bss->id())->size(), 128u);
  EXPECT_EQ(s->type(bss->id())->var_info(1).offset, 8u);
  EXPECT_FALSE(b.set_datasec(bss->id(), 128, std::span(vars).first(1)));
  EXPECT_TRUE(b.set_datasec(1, 0, {}).error().is(errc::invalid_argument));
}

class BtfKernel : public KernelTest {};

TEST_F(BtfKernel, FeaturesAreProbed) {
  const Features& f = kernel_features();
  // The builder keeps what ebpf::features says the kernel has; every kind is in Linux 6.0 and later (a probe
  // failing there would sanitise needlessly).
  using features::Feature;
  const std::pair<bool, Feature> kinds[] = {
      {f.func, Feature::btf_func},         {f.func_linkage, Feature::btf_func_global},
      {f.datasec, Feature::btf_datasec},   {f.float_, Feature::btf_float},
      {f.decl_tag, Feature::btf_decl_tag}, {f.type_tag, Feature::btf_type_tag},
      {f.enum64, Feature::btf_enum64},
  };
  auto running = kernel::running_version();
  ASSERT_TRUE(running) << running.error().message();
  for (auto [kept, feature] : kinds) {
    auto have = features::have_bpf_feature(feature);
    ASSERT_TRUE(have) << features::to_string(feature) << ": " << have.error().message();
    EXPECT_EQ(kept, *have) << features::to_string(feature);
    if (*running >= kernel::Version{6, 0, 0}) {
      EXPECT_TRUE(kept) << features::to_string(feature);
    }
  }
}

TEST_F(BtfKernel, EveryTestObjectLoads) {
  for (const char* obj : test::kBtfObjects) {
    for (const char* order : {"bpfel", "bpfeb"}) {
      Spec spec = object_spec(obj, order);
      Builder b;
      ASSERT_TRUE(b.copy_all(spec));
      auto blob = b.marshal_for_kernel(/*layout_empty_datasecs=*/true);
      ASSERT_TRUE(blob);
      auto h = Handle::load(*blob);
      ASSERT_TRUE(h) << obj << "." << order << ": " << h.error().message() << "\n" << h.error().verifier_log();
      auto info = h->info();
      ASSERT_TRUE(info);
      EXPECT_GT(info->id, 0u);
      EXPECT_FALSE(info->kernel_btf);
      EXPECT_EQ(info->size, blob->size());
      auto back = h->spec();
      ASSERT_TRUE(back) << back.error().message();
      EXPECT_EQ(back->type_count(), spec.type_count());
      // Also fully sanitised (as for an old kernel): still accepted.
      MarshalOptions none;
      none.features = Features{true, false, false, false, false, false, false};
      none.layout_empty_datasecs = true;
      auto old_blob = b.marshal(none);
      ASSERT_TRUE(old_blob);
      auto h2 = Handle::load(*old_blob);
      ASSERT_TRUE(h2) << obj << "." << order << " sanitised: " << h2.error().message() << "\n"
                      << h2.error().verifier_log();
    }
  }
}

TEST_F(BtfKernel, LoadFailureCarriesTheLog) {
  Builder b;
  b.add_ptr(42);  // dangling
  auto blob = b.marshal();
  ASSERT_TRUE(blob);
  auto h = Handle::load(*blob);
  ASSERT_FALSE(h);
  EXPECT_TRUE(h.error().is(std::errc::invalid_argument));
  EXPECT_FALSE(h.error().verifier_log().empty());
  EXPECT_NE(h.error().message().find("load btf"), std::string::npos);
}

TEST_F(BtfKernel, MarshalledKeyValueIsAcceptedByMapCreate) {
  Spec spec = object_spec("btf_types", "bpfeb");
  Builder b;
  auto key = b.copy(spec, spec.find("btf_key", Kind::struct_)->id());
  auto value = b.copy(spec, spec.find("btf_value", Kind::struct_)->id());
  ASSERT_TRUE(key && value);
  auto blob = b.marshal_for_kernel();
  ASSERT_TRUE(blob);
  auto h = Handle::load(*blob);
  ASSERT_TRUE(h) << h.error().message() << h.error().verifier_log();
  auto copy = b.spec();
  ASSERT_TRUE(copy);
  sys::MapCreateAttr attr{.map_type = static_cast<std::uint32_t>(MapType::hash),
                          .key_size = static_cast<std::uint32_t>(*copy->size_of(*key)),
                          .value_size = static_cast<std::uint32_t>(*copy->size_of(*value)),
                          .max_entries = 4,
                          .btf_fd = static_cast<std::uint32_t>(h->fd()),
                          .btf_key_type_id = *key,
                          .btf_value_type_id = *value};
  auto map = sys::map_create(attr);
  ASSERT_TRUE(map) << map.error().message();
  // A mismatched value size is refused: the kernel really checks the BTF.
  attr.value_size += 4;
  EXPECT_FALSE(sys::map_create(attr));
}

TEST_F(BtfKernel, KernelObjectsByIdAndIteration) {
  Builder b;
  b.add_int("int", 4, kIntSigned);
  auto blob = b.marshal();
  ASSERT_TRUE(blob);
  auto h = Handle::load(*blob);
  ASSERT_TRUE(h);
  auto mine = h->info();
  ASSERT_TRUE(mine);
  bool found = false, vmlinux = false;
  std::uint32_t id = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    auto next = next_id(id);
    if (!next) {
      EXPECT_TRUE(next.error().is(errc::not_found)) << next.error().message();
      break;
    }
    id = *next;
    found |= id == mine->id;
    auto other = Handle::from_id(id);
    if (!other) continue;  // raced with a close
    auto info = other->info();
    ASSERT_TRUE(info);
    if (info->kernel_btf && info->name == "vmlinux") {
      vmlinux = true;
      auto spec = other->spec();
      ASSERT_TRUE(spec) << spec.error().message();
      EXPECT_EQ(spec->type_count(), kernel()->type_count());
    }
  }
  EXPECT_TRUE(found);
  EXPECT_TRUE(vmlinux);
}

}  // namespace
}  // namespace ebpf::btf

namespace ebpf::btf {
namespace {

// A program's func_info/line_info need the referenced types in the BTF loaded with it: copy the FUNC with
// the Builder, carry the line strings over, and the kernel accepts the program with both.
TEST_F(BtfKernel, ProgramLoadsWithMarshalledFuncAndLineInfo) {
  auto obj = test::bpf_object("btf_core", "bpfel");
  Spec spec = object_spec("btf_core", "bpfel");
  auto ext_bytes = test::dump_section(obj, ".BTF.ext");
  auto ext = parse_ext(ext_bytes, std::endian::little, spec);
  ASSERT_TRUE(ext) << ext.error().message();
  auto text = test::dump_section(obj, "socket");
  ASSERT_FALSE(text.empty());

  std::uint32_t start = 0;
  TypeId func = 0;
  for (const auto& sec : ext->func_info)
    if (sec.section == "socket")
      for (const auto& f : sec.records)
        if (spec.type(f.type)->name() == "core_prog2") {
          start = f.insn_off;
          func = f.type;
        }
  ASSERT_NE(func, 0u);
  ASSERT_LT(start, text.size());

  Builder b;
  auto new_func = b.copy(spec, func);
  ASSERT_TRUE(new_func);
  struct KLine {
    std::uint32_t insn_off, file_name_off, line_off, line_col;
  };
  std::vector<KLine> lines;
  for (const auto& sec : ext->line_info)
    if (sec.section == "socket")
      for (const auto& l : sec.records)
        if (l.insn_off >= start)
          lines.push_back({(l.insn_off - start) / 8, b.add_string(l.file_name), b.add_string(l.line_text),
                           (l.line << 10) | l.column});
  ASSERT_FALSE(lines.empty());
  auto blob = b.marshal_for_kernel();
  ASSERT_TRUE(blob);
  auto h = Handle::load(*blob);
  ASSERT_TRUE(h) << h.error().message() << h.error().verifier_log();

  struct KFunc {
    std::uint32_t insn_off, type_id;
  } funcs[] = {{0, *new_func}};
  std::vector<char> log(1 << 16);
  sys::ProgLoadAttr attr{.prog_type = static_cast<std::uint32_t>(ProgramType::socket_filter),
                         .insn_cnt = static_cast<std::uint32_t>((text.size() - start) / 8),
                         .insns = text.data() + start,
                         .license = "GPL",
                         .log_level = 1,
                         .log_size = static_cast<std::uint32_t>(log.size()),
                         .log_buf = log.data(),
                         .prog_btf_fd = static_cast<std::uint32_t>(h->fd()),
                         .func_info_rec_size = sizeof(KFunc),
                         .func_info = funcs,
                         .func_info_cnt = 1,
                         .line_info_rec_size = sizeof(KLine),
                         .line_info = lines.data(),
                         .line_info_cnt = static_cast<std::uint32_t>(lines.size())};
  auto prog = sys::prog_load(attr);
  ASSERT_TRUE(prog) << prog.error().message() << "\n" << log.data();
  sys::ProgInfo info{};
  ASSERT_TRUE(sys::obj_get_info_by_fd(prog->get(), &info, sizeof info));
  EXPECT_EQ(info.btf_id, h->info()->id);
  EXPECT_EQ(info.nr_func_info, 1u);
  EXPECT_EQ(info.nr_line_info, lines.size());

  // The same program with a func_info type that is not a FUNC is refused: the kernel checks the BTF.
  auto copied = b.spec();
  ASSERT_TRUE(copied);
  funcs[0].type_id = copied->type(*new_func)->ref();  // its FUNC_PROTO
  ASSERT_EQ(copied->type(funcs[0].type_id)->kind(), Kind::func_proto);
  auto bad = sys::prog_load(attr);
  EXPECT_FALSE(bad);
}

}  // namespace
}  // namespace ebpf::btf
