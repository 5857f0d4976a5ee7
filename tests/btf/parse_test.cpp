// Parsing BTF from test objects (both byte orders) and kernel BTF; the type API.
#include <gtest/gtest.h>

#include <cstring>

#include "btf_test_util.hpp"
#include "ebpf/btf/btf.hpp"
#include "ebpf/btf/builder.hpp"
#include "ebpf/btf/object.hpp"

namespace ebpf::btf {
namespace {

using test::bpf_object;
using test::dump_section;

Spec load_object_btf(const char* name, const char* order) {
  auto bytes = dump_section(bpf_object(name, order), ".BTF");
  EXPECT_FALSE(bytes.empty()) << name << "." << order;
  auto spec = Spec::parse_elf_section(bytes, std::string_view(order) == "bpfeb" ? std::endian::big : std::endian::little);
  EXPECT_TRUE(spec) << (spec ? "" : spec.error().message());
  return spec ? *spec : Spec();
}

class ObjectBtf : public ::testing::TestWithParam<const char*> {};

TEST_P(ObjectBtf, DecodesEveryKindOfTheTypesObject) {
  Spec spec = load_object_btf("btf_types", GetParam());
  ASSERT_FALSE(spec.empty());
  EXPECT_EQ(spec.byte_order(), std::string_view(GetParam()) == "bpfeb" ? std::endian::big : std::endian::little);
  ASSERT_TRUE(spec.validate()) << spec.validate().error().message();

  auto value = spec.find("btf_value", Kind::struct_);
  ASSERT_TRUE(value) << value.error().message();
  EXPECT_EQ(value->kind(), Kind::struct_);
  EXPECT_EQ(value->name(), "btf_value");
  auto size = spec.size_of(value->id());
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, value->size());
  EXPECT_EQ(*spec.align_of(value->id()), 8u);

  // Members by name.
  auto member = [&](const Type& t, std::string_view n) {
    for (std::size_t i = 0; i < t.vlen(); ++i)
      if (t.member(i).name == n) return t.member(i);
    ADD_FAILURE() << "no member " << n;
    return Member{};
  };
  // Typedef chain chained_id_t -> id_t -> u32_t -> unsigned int.
  Member id = member(*value, "id");
  EXPECT_EQ(spec.format_c(id.type), "chained_id_t");
  auto id_resolved = spec.resolve(id.type);
  ASSERT_TRUE(id_resolved);
  EXPECT_EQ(id_resolved->kind(), Kind::int_);
  EXPECT_EQ(id_resolved->name(), "unsigned int");
  EXPECT_EQ(id_resolved->int_info().bits, 32);
  EXPECT_EQ(*spec.size_of(id.type), 4u);

  // Arrays: int matrix[2][3].
  Member matrix = member(*value, "matrix");
  EXPECT_EQ(*spec.size_of(matrix.type), 24u);
  EXPECT_EQ(spec.format_c(matrix.type, "matrix"), "int matrix[2][3]");
  EXPECT_EQ(spec.format_c(member(*value, "name").type, "name"), "const volatile char name[16]");
  EXPECT_EQ(spec.format_c(member(*value, "next").type), "struct btf_value *");
  EXPECT_EQ(spec.format_c(member(*value, "cb").type), "callback_t");
  auto cb = spec.skip_qualifiers(member(*value, "cb").type);
  ASSERT_TRUE(cb);
  EXPECT_EQ(cb->kind(), Kind::ptr);
  EXPECT_EQ(spec.format_c(cb->id(), "cb"), "int (*cb)(void *, int)");

  // Bitfields (kind_flag set).
  auto flags = spec.find("flags", Kind::struct_);
  ASSERT_TRUE(flags);
  EXPECT_TRUE(flags->kind_flag());
  EXPECT_EQ(member(*flags, "a").bitfield_size, 3u);
  EXPECT_EQ(member(*flags, "b").bit_offset, 3u);
  EXPECT_EQ(member(*flags, "wide").bit_offset, 15u);
  EXPECT_EQ(member(*flags, "wide").bitfield_size, 40u);
  EXPECT_EQ(member(*flags, "tail").bitfield_size, 0u);

  // Union, anonymous members.
  auto either = spec.find("either", Kind::union_);
  ASSERT_TRUE(either);
  EXPECT_EQ(either->vlen(), 3);
  EXPECT_EQ(*spec.size_of(either->id()), 8u);
  Member anon = member(*value, "");
  EXPECT_EQ(spec.type(anon.type)->kind(), Kind::union_);

  // Enums.
  auto color = spec.find("color", Kind::enum_);
  ASSERT_TRUE(color);
  ASSERT_EQ(color->vlen(), 3);
  EXPECT_EQ(color->enumerator(1).name, "GREEN");
  EXPECT_EQ(color->enumerator(1).value, 5u);
  EXPECT_EQ(static_cast<std::uint32_t>(color->enumerator(2).value), static_cast<std::uint32_t>(-3));
  auto big = spec.find("big_values", Kind::enum_);
  ASSERT_TRUE(big);
  EXPECT_EQ(big->size(), 8u);

  // FLOAT, DECL_TAG, TYPE_TAG.
  auto fl = spec.find("float", Kind::float_);
  ASSERT_TRUE(fl);
  EXPECT_EQ(*spec.size_of(fl->id()), 4u);
  auto tag = spec.find("tagged_member", Kind::decl_tag);
  ASSERT_TRUE(tag);
  EXPECT_EQ(tag->ref(), value->id());
  EXPECT_EQ(tag->component_idx(), 11);
  auto tt = spec.find("user", Kind::type_tag);
  ASSERT_TRUE(tt);
  EXPECT_EQ(spec.type(tt->ref())->name(), "int");

  // Functions and protos.
  auto helper = spec.find("helper_fn", Kind::func);
  ASSERT_TRUE(helper);
  EXPECT_EQ(helper->linkage(), static_cast<std::uint32_t>(Linkage::static_));
  auto proto = spec.type(helper->ref());
  ASSERT_TRUE(proto);
  EXPECT_EQ(proto->kind(), Kind::func_proto);
  ASSERT_EQ(proto->vlen(), 2);
  EXPECT_EQ(proto->param(0).name, "v");
  EXPECT_EQ(proto->param(1).name, "n");
  EXPECT_EQ(spec.format_c(proto->param(0).type), "struct btf_value *");
  auto global = spec.find("global_fn", Kind::func);
  ASSERT_TRUE(global);
  EXPECT_EQ(global->linkage(), static_cast<std::uint32_t>(Linkage::global));

  // VAR and DATASEC.
  auto var = spec.find("rodata_var", Kind::var);
  ASSERT_TRUE(var);
  EXPECT_EQ(var->linkage(), static_cast<std::uint32_t>(Linkage::global));
  EXPECT_EQ(spec.format_c(var->ref()), "const volatile unsigned int");
  for (const char* sec : {".data", ".bss", ".rodata", ".maps"}) {
    auto ds = spec.find(sec, Kind::datasec);
    ASSERT_TRUE(ds) << sec;
    ASSERT_GT(ds->vlen(), 0) << sec;
    for (std::size_t i = 0; i < ds->vlen(); ++i) {
      auto v = spec.type(ds->var_info(i).type);
      ASSERT_TRUE(v);
      EXPECT_EQ(v->kind(), Kind::var);
    }
  }
  auto bss = spec.find(".bss", Kind::datasec);
  EXPECT_EQ(bss->vlen(), 2);

  // FWD, found by iterating.
  bool saw_fwd = false;
  std::size_t iterated = 0;
  TypeId expect_id = 1;
  for (Type t : spec) {
    EXPECT_EQ(t.id(), expect_id++);
    saw_fwd |= t.kind() == Kind::fwd;
    ++iterated;
  }
  EXPECT_TRUE(saw_fwd);
  EXPECT_EQ(iterated, spec.type_count() - 1);

  // Lookups that must miss.
  EXPECT_TRUE(spec.find("btf_value", Kind::union_).error().is(errc::not_found));
  EXPECT_TRUE(spec.find("no_such_type_here").error().is(errc::not_found));
  EXPECT_TRUE(spec.type(spec.type_count()).error().is(errc::not_found));
  EXPECT_FALSE(spec.size_of(proto->id()));
  EXPECT_TRUE(spec.size_of(0).error().is(errc::invalid_argument));
}

INSTANTIATE_TEST_SUITE_P(ByteOrders, ObjectBtf, ::testing::Values("bpfel", "bpfeb"));

TEST(Btf, BothByteOrdersDecodeIdentically) {
  for (const char* obj : test::kBtfObjects) {
    Spec le = load_object_btf(obj, "bpfel");
    Spec be = load_object_btf(obj, "bpfeb");
    ASSERT_EQ(le.type_count(), be.type_count()) << obj;
    for (TypeId id = 1; id < le.type_count(); ++id) {
      Type a = *le.type(id), b = *be.type(id);
      ASSERT_EQ(a.kind(), b.kind()) << obj << " " << id;
      ASSERT_EQ(a.name(), b.name());
      ASSERT_EQ(a.info(), b.info());
      ASSERT_EQ(le.format_c(id), be.format_c(id));
      for (std::size_t i = 0; i < a.vlen(); ++i) {
        ASSERT_EQ(a.member(i).bit_offset, b.member(i).bit_offset);
        ASSERT_EQ(a.enumerator(i).value, b.enumerator(i).value);
        ASSERT_EQ(a.param(i).type, b.param(i).type);
      }
    }
  }
}

TEST(Btf, ObjectSectionLookupMatchesObjcopy) {
  for (const char* obj : test::kBtfObjects) {
    for (const char* order : {"bpfel", "bpfeb"}) {
      auto file = test::read_bytes(bpf_object(obj, order));
      auto secs = object_sections(file);
      ASSERT_TRUE(secs) << secs.error().message();
      EXPECT_EQ(secs->order, std::string_view(order) == "bpfeb" ? std::endian::big : std::endian::little);
      auto btf = dump_section(bpf_object(obj, order), ".BTF");
      auto ext = dump_section(bpf_object(obj, order), ".BTF.ext");
      ASSERT_EQ(secs->btf.size(), btf.size());
      EXPECT_EQ(0, std::memcmp(secs->btf.data(), btf.data(), btf.size()));
      ASSERT_EQ(secs->btf_ext.size(), ext.size());
      EXPECT_EQ(0, std::memcmp(secs->btf_ext.data(), ext.data(), ext.size()));
    }
  }
}

TEST(Btf, ElfSectionWithWrongByteOrderIsRejected) {
  auto bytes = dump_section(bpf_object("btf_types", "bpfel"), ".BTF");
  auto r = Spec::parse_elf_section(bytes, std::endian::big);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::malformed));
}

TEST(Btf, KernelVmlinux) {
  auto k = kernel();
  ASSERT_TRUE(k) << k.error().message();
  auto again = kernel();
  ASSERT_TRUE(again);
  EXPECT_EQ(k->impl(), again->impl()) << "kernel BTF is cached";
  auto task = k->find("task_struct", Kind::struct_);
  ASSERT_TRUE(task);
  EXPECT_GT(*k->size_of(task->id()), 1000u);
  bool comm = false;
  for (std::size_t i = 0; i < task->vlen(); ++i) {
    Member m = task->member(i);
    if (m.name == "comm") {
      comm = true;
      EXPECT_EQ(k->format_c(m.type, "comm"), "char comm[16]");
    }
  }
  EXPECT_TRUE(comm);
  ASSERT_TRUE(k->validate()) << k->validate().error().message();
  // Every type id decodes.
  std::size_t named = 0;
  for (TypeId id = 1; id < k->type_count(); ++id) named += !k->type(id)->name().empty();
  EXPECT_GT(named, 10000u);
  // Same count as bpftool.
  std::string out = test::run_capture("bpftool btf dump file /sys/kernel/btf/vmlinux | grep -c '^\\['");
  ASSERT_FALSE(out.empty()) << "bpftool failed";
  EXPECT_EQ(std::stoul(out), k->type_count() - 1);
  auto found = find_kernel_type("task_struct", Kind::struct_);
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->module.empty());
  EXPECT_EQ(found->type.id(), task->id());
}

TEST(Btf, KernelModulesAreSplitOnVmlinux) {
  auto mods = kernel_modules();
  if (mods.empty()) EBPF_SKIP_KERNEL_LACKS("module BTF (no module with BTF is loaded)");
  auto base = kernel();
  ASSERT_TRUE(base);
  auto m = kernel_module(mods.front());
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->first_id(), base->type_count());
  ASSERT_TRUE(m->validate());
  // Base ids resolve through the module spec.
  auto t = m->find("task_struct", Kind::struct_);
  ASSERT_TRUE(t);
  EXPECT_LT(t->id(), m->first_id());
}

TEST(Btf, SplitBtfContinuesIdsAndStrings) {
  Builder b;
  TypeId i = b.add_int("int", 4, kIntSigned);
  b.add_ptr(i);
  auto base_blob = b.marshal();
  ASSERT_TRUE(base_blob);
  auto base = Spec::parse(*base_blob);
  ASSERT_TRUE(base);
  // A split blob by hand: one TYPEDEF 'myint' -> 1, strings continue after the base's.
  std::uint32_t base_str = 0;
  std::memcpy(&base_str, base_blob->data() + 20, 4);
  std::vector<std::uint32_t> types = {base_str, 8u << 24, 1};
  const char strs[] = "myint";
  std::vector<std::byte> blob(24 + 12 + sizeof strs);
  std::uint16_t magic = 0xeb9f;
  std::memcpy(blob.data(), &magic, 2);
  blob[2] = std::byte{1};
  std::uint32_t hdr[] = {24, 0, 12, 12, sizeof strs};
  std::memcpy(blob.data() + 4, hdr, sizeof hdr);
  std::memcpy(blob.data() + 24, types.data(), 12);
  std::memcpy(blob.data() + 36, strs, sizeof strs);
  auto split = Spec::parse(blob, &*base);
  ASSERT_TRUE(split) << split.error().message();
  EXPECT_EQ(split->first_id(), 3u);
  auto t = split->find("myint", Kind::typedef_);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->id(), 3u);
  EXPECT_EQ(*split->size_of(3), 4u);
  EXPECT_EQ(split->format_c(2), "int *");
  std::size_t own = 0;
  for (Type t : *split) {
    EXPECT_EQ(t.name(), "myint");
    ++own;
  }
  EXPECT_EQ(own, 1u);
  EXPECT_TRUE(split->validate());
}

}  // namespace
}  // namespace ebpf::btf
