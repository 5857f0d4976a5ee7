// Which BTF CO-RE relocations resolve against: the user's kernel_types or vmlinux, plus a module's BTF for
// programs attached to that module's functions (ProgramOptions::kernel_module_types first).
#include <gtest/gtest.h>

#include "ebpf/btf/builder.hpp"
#include "program_fixup.hpp"

namespace ebpf {
namespace {

btf::Spec spec_with_func(std::string_view func, std::string_view extra_struct) {
  btf::Builder b;
  auto i32 = b.add_int("int", 4, btf::kIntSigned);
  const btf::Builder::MemberSpec m[] = {{"x", i32, 0, 0}};
  b.add_struct(extra_struct, 4, m);
  auto proto = b.add_func_proto(i32, {});
  b.add_func(func, proto, btf::Linkage::global);
  auto s = b.spec();
  EXPECT_TRUE(s) << s.error().message();
  return *s;
}

ProgramSpec tracing_program(std::string attach_to) {
  ProgramSpec p;
  p.name = std::string(1, 't');  // assigning a literal trips g++ 12's false -Wrestrict at -O3
  p.type = ProgramType::tracing;
  p.attach_type = AttachType::trace_fentry;
  p.attach_to = std::move(attach_to);
  return p;
}

TEST(CoreTargets, UserKernelTypesAloneForProgramsNotInModules) {
  const btf::Spec vmlinux = spec_with_func("vm_func", "vm_struct");
  std::map<std::string, std::shared_ptr<const btf::Spec>, std::less<>> modules{
      {"mymod", std::make_shared<const btf::Spec>(spec_with_func("mod_func", "mod_struct"))}};
  auto t = detail::core_targets(tracing_program("vm_func"), &vmlinux, &modules);
  ASSERT_TRUE(t) << t.error().message();
  ASSERT_EQ(t->specs.size(), 1u);
  EXPECT_TRUE(t->specs[0].find("vm_struct", btf::Kind::struct_));
}

TEST(CoreTargets, ModuleTypesAddedForProgramsAttachedToTheModule) {
  const btf::Spec vmlinux = spec_with_func("vm_func", "vm_struct");
  std::map<std::string, std::shared_ptr<const btf::Spec>, std::less<>> modules{
      {"other", std::make_shared<const btf::Spec>(spec_with_func("other_func", "other_struct"))},
      {"mymod", std::make_shared<const btf::Spec>(spec_with_func("mod_func", "mod_struct"))}};
  auto t = detail::core_targets(tracing_program("mod_func"), &vmlinux, &modules);
  ASSERT_TRUE(t) << t.error().message();
  ASSERT_EQ(t->specs.size(), 2u);
  EXPECT_TRUE(t->specs[0].find("vm_struct", btf::Kind::struct_));
  EXPECT_TRUE(t->specs[1].find("mod_struct", btf::Kind::struct_));
  EXPECT_FALSE(t->specs[1].find("other_struct", btf::Kind::struct_));
}

TEST(CoreTargets, ModuleTypesIgnoredForOtherProgramTypes) {
  const btf::Spec vmlinux = spec_with_func("vm_func", "vm_struct");
  std::map<std::string, std::shared_ptr<const btf::Spec>, std::less<>> modules{
      {"mymod", std::make_shared<const btf::Spec>(spec_with_func("mod_func", "mod_struct"))}};
  ProgramSpec p = tracing_program("mod_func");
  p.type = ProgramType::socket_filter;
  auto t = detail::core_targets(p, &vmlinux, &modules);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->specs.size(), 1u);
}

TEST(CoreTargets, RunningKernelWhenNothingGiven) {
  auto t = detail::core_targets(tracing_program("mod_func_that_does_not_exist"), nullptr, nullptr);
  ASSERT_TRUE(t) << t.error().message();
  ASSERT_EQ(t->specs.size(), 1u);
  EXPECT_TRUE(t->specs[0].find("task_struct", btf::Kind::struct_));
}

}  // namespace
}  // namespace ebpf
