// Raw, JSON and C dumps, through the library and the ebpfpp tool, checked against bpftool and clang.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <unordered_map>

#include "btf_test_util.hpp"
#include "ebpf/btf/btf.hpp"
#include "ebpf/btf/dump.hpp"

namespace ebpf::btf {
namespace {

using test::run_capture;

std::filesystem::path temp_dir() {
  auto d = std::filesystem::temp_directory_path() / ("ebpfpp-btf-dump-" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d;
}

std::size_t count_type_lines(const std::string& s) {
  std::size_t n = 0;
  for (std::size_t pos = 0; pos < s.size();) {
    if (s[pos] == '[') ++n;
    auto nl = s.find('\n', pos);
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return n;
}

TEST(BtfDump, RawDumpOfObjectsMatchesBpftool) {
  for (const char* obj : test::kBtfObjects) {
    for (const char* order : {"bpfel", "bpfeb"}) {
      auto path = test::bpf_object(obj, order).string();
      int st1 = -1, st2 = -1;
      std::string ours = run_capture(test::tool_path().string() + " btf dump " + path, &st1);
      std::string theirs = run_capture("bpftool btf dump file " + path, &st2);
      ASSERT_EQ(st1, 0);
      ASSERT_EQ(st2, 0);
      EXPECT_GT(count_type_lines(ours), 20u);
      EXPECT_EQ(ours, theirs) << path;
    }
  }
}

TEST(BtfDump, RawDumpOfVmlinuxListsAsManyTypesAsBpftool) {
  int st1 = -1, st2 = -1;
  std::string ours = run_capture(test::tool_path().string() + " btf dump /sys/kernel/btf/vmlinux --format raw", &st1);
  std::string theirs = run_capture("bpftool btf dump file /sys/kernel/btf/vmlinux", &st2);
  ASSERT_EQ(st1, 0);
  ASSERT_EQ(st2, 0);
  std::size_t n = count_type_lines(theirs);
  EXPECT_GT(n, 10000u);
  EXPECT_EQ(count_type_lines(ours), n);
  EXPECT_TRUE(ours == theirs) << "raw dump differs from bpftool's";
}

TEST(BtfDump, JsonListsEveryType) {
  auto k = kernel();
  ASSERT_TRUE(k);
  std::string out = run_capture(test::tool_path().string() + " btf dump " +
                                test::bpf_object("btf_types", "bpfeb").string() + " --json");
  ASSERT_TRUE(out.starts_with("{\"types\":[{\"id\":1,"));
  std::size_t ids = 0;
  for (std::size_t p = out.find("{\"id\":"); p != std::string::npos; p = out.find("{\"id\":", p + 1)) ++ids;
  auto secs = test::dump_section(test::bpf_object("btf_types", "bpfeb"), ".BTF");
  auto spec = Spec::parse_elf_section(secs, std::endian::big);
  ASSERT_TRUE(spec);
  EXPECT_EQ(ids, spec->type_count() - 1);
  EXPECT_NE(out.find("\"name\":\"btf_value\""), std::string::npos);
}

TEST(BtfDump, BadInputIsAnError) {
  auto dir = temp_dir();
  auto junk = dir / "junk";
  std::ofstream(junk) << "definitely not btf, and longer than a header";
  int st = 0;
  std::string out = run_capture(test::tool_path().string() + " btf dump " + junk.string() + " 2>&1", &st);
  EXPECT_NE(st, 0);
  EXPECT_NE(out.find("bad magic"), std::string::npos) << out;
  out = run_capture(test::tool_path().string() + " btf dump " + (dir / "missing").string() + " 2>&1", &st);
  EXPECT_NE(st, 0);
  EXPECT_NE(out.find("missing: open: No such file or directory"), std::string::npos) << out;
  std::filesystem::remove_all(dir);
}

// vmlinux.h from this machine's BTF compiles into a CO-RE program, and its layouts match BTF.
TEST(BtfDump, VmlinuxHeaderCompilesAndKeepsLayouts) {
  auto k = kernel();
  ASSERT_TRUE(k);
  auto dir = temp_dir();
  int st = -1;
  std::string header = run_capture(test::tool_path().string() + " btf dump /sys/kernel/btf/vmlinux --format c", &st);
  ASSERT_EQ(st, 0);
  ASSERT_NE(header.find("#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)"),
            std::string::npos);
  std::ofstream(dir / "vmlinux.h") << header;

  // Layout assertions for task_struct and a few well-known structs, generated from BTF.
  std::string asserts = "#include \"vmlinux.h\"\n";
  for (const char* name : {"task_struct", "sk_buff", "list_head", "file", "inode"}) {
    auto t = k->find(name, Kind::struct_);
    ASSERT_TRUE(t) << name;
    asserts += "_Static_assert(sizeof(struct " + std::string(name) + ") == " + std::to_string(t->size()) + ", \"" +
               name + "\");\n";
    for (std::size_t i = 0; i < t->vlen(); ++i) {
      Member m = t->member(i);
      if (m.name.empty() || m.bitfield_size != 0) continue;
      asserts += "_Static_assert(__builtin_offsetof(struct " + std::string(name) + ", " + std::string(m.name) +
                 ") == " + std::to_string(m.bit_offset / 8) + ", \"" + std::string(name) + "." +
                 std::string(m.name) + "\");\n";
    }
  }
  // sizeof of every struct and union whose tag is unique (duplicates are renamed name___2), except those holding
  // __builtin_va_list by value (its size is target-specific: 24 bytes on x86-64, 8 on BPF).
  std::unordered_map<std::string_view, int> tag_count;
  for (Type t : *k)
    if ((t.is_struct_or_union() || t.is_enum()) && !t.name().empty()) ++tag_count[t.name()];
  std::vector<std::int8_t> holds_va(k->type_count(), -1);
  std::function<bool(TypeId, int)> has_va = [&](TypeId id, int depth) -> bool {
    if (depth > 64) return false;
    auto t = k->type(id);
    if (!t) return false;
    if (holds_va[id] >= 0) return holds_va[id] != 0;
    bool r = false;
    switch (t->kind()) {
      case Kind::typedef_: r = t->name() == "__builtin_va_list" || has_va(t->ref(), depth + 1); break;
      case Kind::const_: case Kind::volatile_: case Kind::restrict_: case Kind::type_tag:
        r = has_va(t->ref(), depth + 1);
        break;
      case Kind::array: r = has_va(t->array().elem, depth + 1); break;
      case Kind::struct_: case Kind::union_:
        for (std::size_t i = 0; i < t->vlen() && !r; ++i) r = has_va(t->member(i).type, depth + 1);
        break;
      default: break;
    }
    holds_va[id] = r ? 1 : 0;
    return r;
  };
  std::size_t checked = 0;
  for (Type t : *k) {
    if (!t.is_struct_or_union() || t.name().empty() || tag_count[t.name()] != 1 || has_va(t.id(), 0)) continue;
    asserts += std::string("_Static_assert(sizeof(") + (t.kind() == Kind::union_ ? "union " : "struct ") +
               std::string(t.name()) + ") == " + std::to_string(t.size()) + ", \"" + std::string(t.name()) + "\");\n";
    ++checked;
  }
  EXPECT_GT(checked, 5000u);
  std::ofstream(dir / "layout.c") << asserts;
  std::string cmd = "clang -target bpf -fsyntax-only -I" + dir.string() + " " + (dir / "layout.c").string() + " 2>&1";
  std::string diag = run_capture(cmd, &st);
  EXPECT_EQ(st, 0) << diag.substr(0, 4000);

  // Bitfields: compile a global of every uniquely named struct with bitfields, then compare the member layout
  // clang recorded in the object's BTF with vmlinux's.
  std::string globals = "#include \"vmlinux.h\"\n";
  std::vector<TypeId> bitfield_structs;
  for (Type t : *k) {
    if (t.kind() != Kind::struct_ || !t.kind_flag() || t.name().empty() || tag_count[t.name()] != 1 ||
        has_va(t.id(), 0))
      continue;
    globals += "struct " + std::string(t.name()) + " g_" + std::to_string(t.id()) + ";\n";
    bitfield_structs.push_back(t.id());
  }
  EXPECT_GT(bitfield_structs.size(), 100u);
  std::ofstream(dir / "bitfields.c") << globals;
  diag = run_capture("clang -target bpf -g -O2 -c -I" + dir.string() + " " + (dir / "bitfields.c").string() + " -o " +
                         (dir / "bitfields.o").string() + " 2>&1",
                     &st);
  ASSERT_EQ(st, 0) << diag.substr(0, 4000);
  auto obj_btf = test::dump_section(dir / "bitfields.o", ".BTF");
  auto obj = Spec::parse_elf_section(obj_btf, std::endian::little);
  ASSERT_TRUE(obj) << obj.error().message();
  std::size_t compared = 0;
  for (TypeId id : bitfield_structs) {
    Type want = *k->type(id);
    auto got = obj->find(want.name(), Kind::struct_);
    ASSERT_TRUE(got) << want.name();
    ASSERT_EQ(got->size(), want.size()) << want.name();
    ASSERT_EQ(got->vlen(), want.vlen()) << want.name();
    for (std::size_t i = 0; i < want.vlen(); ++i) {
      Member a = want.member(i), b = got->member(i);
      ASSERT_EQ(a.name, b.name) << want.name();
      ASSERT_EQ(a.bit_offset, b.bit_offset) << want.name() << "." << a.name;
      ASSERT_EQ(a.bitfield_size, b.bitfield_size) << want.name() << "." << a.name;
    }
    ++compared;
  }
  EXPECT_EQ(compared, bitfield_structs.size());

  std::ofstream(dir / "prog.bpf.c") << R"(#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
SEC("socket")
int prog(void *ctx) {
  struct task_struct *t = (struct task_struct *)bpf_get_current_task();
  int pid = BPF_CORE_READ(t, pid);
  int ppid = BPF_CORE_READ(t, real_parent, tgid);
  char comm[16];
  bpf_core_read_str(comm, sizeof comm, &t->comm);
  return pid + ppid + comm[0] + bpf_core_field_size(t->flags);
}
char _license[] SEC("license") = "GPL";
)";
  cmd = "clang -target bpf -O2 -g -Wall -Werror -I" + dir.string() + " -c " + (dir / "prog.bpf.c").string() + " -o " +
        (dir / "prog.o").string() + " 2>&1";
  diag = run_capture(cmd, &st);
  ASSERT_EQ(st, 0) << diag.substr(0, 4000);
  // The program carries CO-RE relocations against task_struct.
  std::string dump = run_capture("bpftool btf dump file " + (dir / "prog.o").string());
  EXPECT_NE(dump.find("STRUCT 'task_struct'"), std::string::npos);
  EXPECT_FALSE(test::dump_section(dir / "prog.o", ".BTF.ext").empty());
  std::filesystem::remove_all(dir);
}

TEST(BtfDump, ObjectHeaderCompilesWithExactLayouts) {
  auto secs = test::dump_section(test::bpf_object("btf_types", "bpfel"), ".BTF");
  auto spec = Spec::parse_elf_section(secs, std::endian::little);
  ASSERT_TRUE(spec);
  CDumpOptions o;
  o.guard = "BTF_TYPES_H";
  auto c = dump_c(*spec, o);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_NE(c->find("struct btf_value {"), std::string::npos);
  EXPECT_NE(c->find("typedef u32_t id_t;"), std::string::npos);
  EXPECT_NE(c->find("unsigned int a: 3;"), std::string::npos);
  EXPECT_NE(c->find("int (*callback_t)(void *, int)"), std::string::npos) << *c;
  auto dir = temp_dir();
  std::string src = "#include \"types.h\"\n";
  for (const char* name : {"btf_value", "flags", "btf_key"}) {
    auto t = spec->find(name, Kind::struct_);
    ASSERT_TRUE(t);
    src += "_Static_assert(sizeof(struct " + std::string(name) + ") == " + std::to_string(t->size()) + ", \"\");\n";
    for (std::size_t i = 0; i < t->vlen(); ++i) {
      Member m = t->member(i);
      if (m.name.empty() || m.bitfield_size) continue;
      src += "_Static_assert(__builtin_offsetof(struct " + std::string(name) + ", " + std::string(m.name) +
             ") == " + std::to_string(m.bit_offset / 8) + ", \"" + std::string(m.name) + "\");\n";
    }
  }
  src += "_Static_assert(BLUE == 4294967293U, \"\");\n";
  std::ofstream(dir / "types.h") << *c;
  std::ofstream(dir / "check.c") << src;
  int st = -1;
  std::string diag = run_capture("clang -target bpf -fsyntax-only -I" + dir.string() + " " +
                                     (dir / "check.c").string() + " 2>&1",
                                 &st);
  EXPECT_EQ(st, 0) << diag << "\n" << *c;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ebpf::btf
