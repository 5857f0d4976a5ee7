// Fuzzes raw BTF parsing and every accessor over the parsed types.
#include <cstddef>
#include <cstdint>
#include <span>

#include "ebpf/btf/btf.hpp"
#include "ebpf/btf/builder.hpp"
#include "ebpf/btf/dump.hpp"

using namespace ebpf::btf;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> blob(reinterpret_cast<const std::byte*>(data), size);
  // Both as raw BTF and as an ELF section of either byte order.
  auto spec = Spec::parse_borrowed(blob);
  if (!spec) {
    auto be = Spec::parse_elf_section(blob, std::endian::big);
    if (!be) return 0;
    spec = be;
  }
  bool valid = static_cast<bool>(spec->validate());
  std::uint32_t n = spec->type_count();
  std::size_t sink = 0;
  for (TypeId id = 0; id < n && id < 4096; ++id) {
    auto t = spec->type(id);
    if (!t) __builtin_trap();
    sink += t->name().size() + t->vlen() + t->size() + t->ref();
    for (std::size_t i = 0; i < t->vlen(); ++i) {
      sink += t->member(i).name.size() + t->enumerator(i).value + t->param(i).type + t->var_info(i).size;
    }
    (void)spec->size_of(id);
    (void)spec->align_of(id);
    (void)spec->skip_qualifiers(id);
    sink += spec->format_c(id).size();
    (void)spec->find(t->name(), t->kind());
  }
  (void)spec->find("task_struct");
  if (n < 4096) {
    sink += dump_raw(*spec).size() + dump_json(*spec).size();
    auto c = dump_c(*spec);
    if (c) sink += c->size();
  }
  if (valid && n < 4096) {
    Builder b;
    if (b.copy_all(*spec)) {
      MarshalOptions o;
      o.features = Features{false, false, false, false, false, false, false};
      auto again = b.spec(o);
      if (!again) __builtin_trap();  // a validated spec must survive a copy
    }
    Builder c;
    for (TypeId id = 1; id < n && id < 64; ++id) (void)c.copy(*spec, id);
  }
  return static_cast<int>(sink & 0);
}
