// BTF features: each decided by loading a blob with one new kind, and func/line info by loading a program
// that carries them.
#include <cstring>

#include "btf_blobs.hpp"
#include "probe.hpp"

namespace ebpf::features::detail {

std::uint32_t BtfBlob::name(std::string_view s) {
  const auto off = static_cast<std::uint32_t>(strings_.size());
  strings_.insert(strings_.end(), s.begin(), s.end());
  strings_.push_back('\0');
  return off;
}

std::uint32_t BtfBlob::type(std::uint32_t name_off, BtfKind kind, std::uint32_t vlen, bool kind_flag,
                            std::uint32_t size_or_type) {
  types_.push_back(name_off);
  types_.push_back((static_cast<std::uint32_t>(kind) << 24) | (vlen & 0xffff) | (kind_flag ? 1u << 31 : 0));
  types_.push_back(size_or_type);
  return next_id_++;
}

std::uint32_t BtfBlob::add_int() {
  const std::uint32_t id = type(name("int"), BtfKind::int_, 0, false, 4);
  word((1u << 24) | 32);  // BTF_INT_SIGNED, 32 bits at offset 0
  return id;
}

std::vector<std::uint8_t> BtfBlob::blob() const {
  const auto type_len = static_cast<std::uint32_t>(types_.size() * 4);
  const auto str_len = static_cast<std::uint32_t>(strings_.size());
  // struct btf_header: magic, version, flags, hdr_len, type_off, type_len, str_off, str_len.
  const std::uint16_t magic = 0xeB9F;
  const std::uint8_t version = 1, flags = 0;
  const std::uint32_t hdr[] = {24, 0, type_len, type_len, str_len};
  std::vector<std::uint8_t> out(24 + type_len + str_len);
  std::memcpy(out.data(), &magic, 2);
  out[2] = version;
  out[3] = flags;
  std::memcpy(out.data() + 4, hdr, sizeof hdr);
  if (type_len != 0) std::memcpy(out.data() + 24, types_.data(), type_len);
  std::memcpy(out.data() + 24 + type_len, strings_.data(), str_len);
  return out;
}

namespace {

// 0 when the kernel accepts the blob, else the errno.
int try_btf(const BtfBlob& b, sys::Fd* keep = nullptr) {
  auto bytes = b.blob();
  sys::BtfLoadAttr attr{.btf = bytes.data(), .btf_size = static_cast<std::uint32_t>(bytes.size())};
  auto fd = sys::btf_load(attr);
  if (!fd) return fd.error().sys_errno();
  if (keep != nullptr) *keep = std::move(*fd);
  return 0;
}

Support btf_answer(int err, std::string_view what) {
  if (err == 0) return yes();
  // EINVAL: the kernel's BTF checker refused the blob (an unknown kind); E2BIG on kernels without BTF_LOAD
  // reading the attr; EOPNOTSUPP without CONFIG_DEBUG_INFO_BTF.
  if (err == EINVAL || err == E2BIG || err == EOPNOTSUPP || err == kENOTSUPP) return no();
  return cannot_tell(err, what);
}

// int, and a FUNC_PROTO int(int) named function "f" with `linkage` (0 static, 1 global). Returns the FUNC id.
std::uint32_t add_func(BtfBlob& b, std::uint32_t int_id, std::uint32_t linkage) {
  const std::uint32_t proto = b.type(0, BtfKind::func_proto, 0, false, int_id);
  return b.type(b.name("f"), BtfKind::func, linkage, false, proto);
}

}  // namespace

sys::Fd load_int_btf(int* err) {
  BtfBlob b;
  b.add_int();
  sys::Fd fd;
  *err = try_btf(b, &fd);
  return fd;
}

Support probe_btf_feature(Feature f) {
  BtfBlob b;
  const std::uint32_t i = b.add_int();
  switch (f) {
    case Feature::btf: break;
    case Feature::btf_func: add_func(b, i, 0); break;
    case Feature::btf_func_global: add_func(b, i, 1); break;
    case Feature::btf_datasec: {
      const std::uint32_t v = b.type(b.name("x"), BtfKind::var, 0, false, i);
      b.word(0);  // static linkage
      b.type(b.name(".data"), BtfKind::datasec, 1, false, 4);
      b.word(v);
      b.word(0);
      b.word(4);
      break;
    }
    case Feature::btf_float: b.type(b.name("float"), BtfKind::float_, 0, false, 4); break;
    case Feature::btf_decl_tag: {
      const std::uint32_t v = b.type(b.name("x"), BtfKind::var, 0, false, i);
      b.word(0);
      b.type(b.name("tag"), BtfKind::decl_tag, 0, false, v);
      b.word(0xffffffffu);  // component_idx -1: the variable itself
      break;
    }
    case Feature::btf_type_tag: {
      const std::uint32_t t = b.type(b.name("tag"), BtfKind::type_tag, 0, false, i);
      b.type(0, BtfKind::ptr, 0, false, t);
      break;
    }
    case Feature::btf_enum64:
      b.type(b.name("e"), BtfKind::enum64, 1, false, 8);
      b.word(b.name("A"));
      b.word(1);
      b.word(0);
      break;
    default: return cannot_tell(0, "not a BTF feature");
  }
  return btf_answer(try_btf(b), to_string(f));
}

Support probe_func_line_info(Feature f) {
  BtfBlob b;
  const std::uint32_t i = b.add_int();
  const std::uint32_t func = add_func(b, i, 0);
  const std::uint32_t file = b.name("probe.c");
  const std::uint32_t line = b.name("return 0;");
  sys::Fd btf;
  if (int err = try_btf(b, &btf); err != 0) return btf_answer(err, to_string(f));
  const RawInsn insns[] = {mov64_imm(0, 0), exit_insn()};
  struct FuncInfo {
    std::uint32_t insn_off, type_id;
  } fi{0, func};
  struct LineInfo {
    std::uint32_t insn_off, file_name_off, line_off, line_col;
  } li{0, file, line, (1u << 10) | 1};
  sys::ProgLoadAttr attr{};
  attr.prog_btf_fd = static_cast<std::uint32_t>(btf.get());
  attr.func_info_rec_size = sizeof fi;
  attr.func_info = &fi;
  attr.func_info_cnt = 1;
  if (f == Feature::btf_line_info) {
    attr.line_info_rec_size = sizeof li;
    attr.line_info = &li;
    attr.line_info_cnt = 1;
  }
  LoadOutcome out = try_load(LoadSpec{}, insns, {}, &attr);
  if (out.err == 0) return yes();
  if (out.err == EINVAL || out.err == E2BIG) return no();
  return cannot_tell(out.err, to_string(f));
}

}  // namespace ebpf::features::detail
