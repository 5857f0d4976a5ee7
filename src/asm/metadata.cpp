#include "ebpf/asm/metadata.hpp"

namespace ebpf::insn {

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
