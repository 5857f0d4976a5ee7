// Per-instruction metadata: names and debug information that travel with an instruction through
// copies and edits.
//
// Metadata is a single pointer to an immutable, reference-counted block (null when empty), so copying an
// instruction costs a pointer copy and, when metadata is present, an atomic increment. Setters copy the
// block first if it is shared (copy-on-write). All fields are plain data: BTF ids are integers that other
// code (btf/) interprets.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace ebpf::insn {

// A line of source code an instruction was compiled from (from .BTF.ext line info).
//
// The texts are views into an immutable string table (an object's .BTF strings) that `owner` keeps alive, so
// attaching a line to an instruction copies no text and copies of the line share it. A line built by hand
// may view static strings (owner null) or own copies of its texts: SourceLine::copy_of.
struct SourceLine {
  std::string_view file_name;
  std::string_view line;  // the text of the line
  std::uint32_t line_number = 0;
  std::uint32_t column = 0;
  std::shared_ptr<const void> owner;  // keeps file_name and line alive; null if they are static

  // A line owning copies of `file_name` and `line` (one allocation).
  static SourceLine copy_of(std::string_view file_name, std::string_view line, std::uint32_t line_number,
                            std::uint32_t column);

  // Equal texts and positions (wherever the texts are stored).
  friend bool operator==(const SourceLine& a, const SourceLine& b) noexcept {
    return a.file_name == b.file_name && a.line == b.line && a.line_number == b.line_number &&
           a.column == b.column;
  }
};

// A CO-RE relocation record attached to an instruction (from .BTF.ext core relocations).
struct CoreRelocation {
  std::uint32_t type_id = 0;  // BTF type id of the root type in the object's BTF
  std::string access;         // access string, e.g. "0:1:2"
  std::uint32_t kind = 0;     // relocation kind (bpf_core_relo_kind)
  friend bool operator==(const CoreRelocation&, const CoreRelocation&) = default;
};

class MetadataArena;

namespace detail {
struct ArenaStorage;

// 128 bytes, two cache lines when placed by an arena: the first holds the counters and the names, the second the
// source line (what loading a program reads of every instruction's metadata).
struct MetadataBlock {
  mutable std::atomic<std::uint32_t> refs{1};
  std::uint32_t symbol_size = 0;  // names = symbol followed by reference
  std::optional<std::uint32_t> func_info;
  ArenaStorage* arena = nullptr;  // the storage this block was placed in by a MetadataArena; null: own allocation
  // Rare (CO-RE objects only): kept out of line so the common block stays small.
  std::unique_ptr<CoreRelocation> core_relocation;
  std::string names;
  std::optional<SourceLine> source;

  [[nodiscard]] std::string_view symbol() const noexcept { return std::string_view(names).substr(0, symbol_size); }
  [[nodiscard]] std::string_view reference() const noexcept { return std::string_view(names).substr(symbol_size); }
  void set_symbol(std::string_view s) {
    std::string n;
    n.reserve(s.size() + names.size() - symbol_size);
    n.append(s).append(reference());
    names = std::move(n);
    symbol_size = static_cast<std::uint32_t>(s.size());
  }
  void set_reference(std::string_view r) {
    names.resize(symbol_size);
    names.append(r);
  }

  MetadataBlock() = default;
  MetadataBlock(const MetadataBlock& o)
      : symbol_size(o.symbol_size), func_info(o.func_info),
        core_relocation(o.core_relocation ? std::make_unique<CoreRelocation>(*o.core_relocation) : nullptr),
        names(o.names), source(o.source) {}
  MetadataBlock& operator=(const MetadataBlock&) = delete;
};

// Frees a block whose last reference was dropped.
void destroy(MetadataBlock* block) noexcept;
}  // namespace detail

class Metadata {
 public:
  Metadata() noexcept = default;
  Metadata(const Metadata& o) noexcept : block_(o.block_) {
    if (block_ != nullptr) block_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  Metadata(Metadata&& o) noexcept : block_(std::exchange(o.block_, nullptr)) {}
  Metadata& operator=(const Metadata& o) noexcept {
    Metadata tmp(o);
    std::swap(block_, tmp.block_);
    return *this;
  }
  Metadata& operator=(Metadata&& o) noexcept {
    Metadata tmp(std::move(o));
    std::swap(block_, tmp.block_);
    return *this;
  }
  ~Metadata() { release(); }

  [[nodiscard]] bool empty() const noexcept { return block_ == nullptr; }
  void clear() noexcept { release(); }

  // Name of the function or label that starts at this instruction; empty if none.
  [[nodiscard]] std::string_view symbol() const noexcept {
    return block_ != nullptr ? block_->symbol() : std::string_view();
  }
  void set_symbol(std::string_view name) { edit().set_symbol(name); }

  // Name of the symbol this instruction refers to (a map, data section, function, kfunc or jump
  // label); empty if none.
  [[nodiscard]] std::string_view reference() const noexcept {
    return block_ != nullptr ? block_->reference() : std::string_view();
  }
  void set_reference(std::string_view name) { edit().set_reference(name); }

  // Source line info; null if none.
  [[nodiscard]] const SourceLine* source() const noexcept {
    return block_ != nullptr && block_->source ? &*block_->source : nullptr;
  }
  void set_source(std::optional<SourceLine> line) { edit().source = std::move(line); }
  // The same, built in place (no temporary line: loaders attach one to many instructions).
  void set_source(std::string_view file_name, std::string_view line, std::uint32_t line_number, std::uint32_t column,
                  const std::shared_ptr<const void>& owner) {
    SourceLine& s = edit().source.emplace();
    s.file_name = file_name;
    s.line = line;
    s.line_number = line_number;
    s.column = column;
    s.owner = owner;
  }

  // BTF type id (BTF_KIND_FUNC) of the function starting at this instruction, from func info.
  [[nodiscard]] std::optional<std::uint32_t> func_info() const noexcept {
    return block_ != nullptr ? block_->func_info : std::nullopt;
  }
  void set_func_info(std::optional<std::uint32_t> btf_type_id) { edit().func_info = btf_type_id; }

  // CO-RE relocation to apply to this instruction; null if none.
  [[nodiscard]] const CoreRelocation* core_relocation() const noexcept {
    return block_ != nullptr ? block_->core_relocation.get() : nullptr;
  }
  void set_core_relocation(std::optional<CoreRelocation> relo) {
    edit().core_relocation = relo ? std::make_unique<CoreRelocation>(std::move(*relo)) : nullptr;
  }

  // Whether two metadata hold equal values (not whether they share a block).
  friend bool operator==(const Metadata& a, const Metadata& b) noexcept;

 private:
  void release() noexcept {
    if (block_ != nullptr) {
      // Sole owner (the common case): nobody else can take a reference meanwhile, so no atomic write is needed.
      if (block_->refs.load(std::memory_order_acquire) == 1 ||
          block_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
        detail::destroy(block_);
    }
    block_ = nullptr;
  }
  // The block, unshared: allocated or copied as needed.
  detail::MetadataBlock& edit();
  friend class MetadataArena;

  detail::MetadataBlock* block_ = nullptr;
};

// Places the metadata blocks of many instructions in one allocation, for loaders that attach metadata to
// many instructions at once (the ELF loader: symbols, references, line and func info, CO-RE relocations).
// Blocks behave as usual (copies share them, edits of shared blocks copy them out to the heap); the storage
// is freed when the arena and every block placed in it are gone.
class MetadataArena {
 public:
  explicit MetadataArena(std::size_t capacity);
  ~MetadataArena();
  MetadataArena(const MetadataArena&) = delete;
  MetadataArena& operator=(const MetadataArena&) = delete;

  // Gives `m` a block from the arena if it has none and the arena is not full (then the next edit allocates
  // on its own, as without an arena).
  void place(Metadata& m) noexcept;

 private:
  detail::ArenaStorage* storage_ = nullptr;
};

}  // namespace ebpf::insn
