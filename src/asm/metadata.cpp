#include "ebpf/asm/metadata.hpp"

#include <atomic>
#include <memory>
#include <new>
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

namespace detail {

// Header followed by `capacity` slots for blocks. `live` counts the slots not yet destroyed (all of them while
// the arena hands them out: the arena gives back the unused ones when it goes) plus one for the arena object.
struct ArenaStorage {
  std::atomic<std::size_t> live{1};
  std::size_t capacity = 0;
  std::size_t used = 0;
  MetadataBlock* slot(std::size_t i) noexcept {
    // Blocks start on a cache line: the first line boundary after this header (the allocation has room for it;
    // a plain allocation and this rounding are cheaper than an aligned allocation).
    auto first = (reinterpret_cast<std::uintptr_t>(this) + sizeof(ArenaStorage) + kLine - 1) & ~(kLine - 1);
    return reinterpret_cast<MetadataBlock*>(first + i * sizeof(MetadataBlock));
  }
  static constexpr std::uintptr_t kLine = 64;
  static constexpr std::size_t bytes_for(std::size_t capacity) noexcept {
    return sizeof(ArenaStorage) + kLine - 1 + capacity * sizeof(MetadataBlock);
  }
};

namespace {
void release_storage(ArenaStorage* s) noexcept {
  if (s->live.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  s->~ArenaStorage();
  ::operator delete(static_cast<void*>(s));
}
}  // namespace

void destroy(MetadataBlock* block) noexcept {
  ArenaStorage* arena = block->arena;
  if (arena == nullptr) {
    delete block;
    return;
  }
  block->~MetadataBlock();
  release_storage(arena);
}

}  // namespace detail

static_assert(sizeof(detail::MetadataBlock) <= 128, "a metadata block should fit two cache lines");

MetadataArena::MetadataArena(std::size_t capacity) {
  if (capacity == 0) return;
  static_assert(alignof(detail::MetadataBlock) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__ &&
                alignof(detail::ArenaStorage) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
  void* mem = ::operator new(detail::ArenaStorage::bytes_for(capacity));
  storage_ = new (mem) detail::ArenaStorage();
  storage_->capacity = capacity;
  storage_->live.store(capacity + 1, std::memory_order_relaxed);  // placing a block then needs no atomic
}

MetadataArena::~MetadataArena() {
  if (storage_ == nullptr) return;
  const std::size_t unused = storage_->capacity - storage_->used;
  if (unused > 0) storage_->live.fetch_sub(unused, std::memory_order_relaxed);  // still held by the arena: > 0
  detail::release_storage(storage_);
}

void MetadataArena::place(Metadata& m) noexcept {
  if (m.block_ != nullptr || storage_ == nullptr || storage_->used == storage_->capacity) return;
  auto* block = new (storage_->slot(storage_->used++)) detail::MetadataBlock();
  block->arena = storage_;
  m.block_ = block;
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
