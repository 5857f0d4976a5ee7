#include "ebpf/asm/metadata.hpp"

#include <memory>
#include <string>

namespace ebpf::insn {

SourceLine SourceLine::copy_of(std::string_view file_name, std::string_view line, std::uint32_t line_number,
                               std::uint32_t column) {
  SourceLine out;
  out.line_number = line_number;
  out.column = column;
  if (file_name.empty() && line.empty()) return out;
  auto text = std::make_shared<std::string>();
  text->reserve(file_name.size() + line.size());
  text->append(file_name).append(line);
  out.file_name = std::string_view(*text).substr(0, file_name.size());
  out.line = std::string_view(*text).substr(file_name.size());
  out.owner = std::move(text);
  return out;
}

detail::MetadataBlock& Metadata::edit() {
  if (block_ == nullptr) {
    block_ = new detail::MetadataBlock();
  } else if (block_->refs.load(std::memory_order_acquire) != 1) {
    auto* copy = new detail::MetadataBlock(*block_);
    release();
    block_ = copy;
  }
  return *block_;
}

bool operator==(const Metadata& a, const Metadata& b) noexcept {
  if (a.block_ == b.block_) return true;
  return a.symbol() == b.symbol() && a.reference() == b.reference() && a.func_info() == b.func_info() &&
         (a.source() == nullptr ? b.source() == nullptr : b.source() != nullptr && *a.source() == *b.source()) &&
         (a.core_relocation() == nullptr
              ? b.core_relocation() == nullptr
              : b.core_relocation() != nullptr && *a.core_relocation() == *b.core_relocation());
}

}  // namespace ebpf::insn
