// The rts-alloc 0.2.0 shared-memory slab allocator, byte-compatible with the Rust crate
// (spec: protocol-3.1.md §4). One file holds a header, per-worker list heads, per-slab
// metadata and free stacks, and the slabs. Every process maps the file and works through a
// handle bound to one worker id; each id is used by one handle at a time.
//
// Allocations are 256..4096 bytes in five size classes; a slab serves one class for one
// owner. Freeing memory owned by another id pushes it on the slab's remote-free stack; the
// owner makes it reusable with clean_remote_free_lists(). Offsets are byte offsets from the
// start of the file and mean the same in every process.
//
// Pointers do not: every handle maps the file on its own, so two handles — even in one
// process — see the same slot at different addresses. Pass offsets between handles and turn
// them into pointers with the receiving handle's ptr_from_offset(); free() ignores (and
// counts) a pointer that is not inside its own handle's mapping.
//
// Differences from the Rust crate that no reader of the file can observe: a slab that this
// handle returned and takes back for the same size class keeps its (valid, full) free stack
// instead of rewriting it (see take_slab() in allocator.cpp); indices read from the file are
// range-checked; remote-free chains are cut at the number of allocated slots; each handle
// keeps a process-local ledger of the slots it freed remotely, so that a receiver can
// refuse a slot handed over again while still free (check_reuse()).
// Known gap shared with rts-alloc 0.2.0: the global free list has no ABA tag (allocator.cpp).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "extpack/common/result.hpp"
#include "extpack/shm/mapping.hpp"

namespace extpack::shm {

/// "\0rtsaloc" as a little-endian u64 at offset 0 of the file.
inline constexpr std::uint64_t ALLOC_MAGIC = 0x0072'7473'616c'6f63ULL;
/// Binary format version of rts-alloc 0.1.x / 0.2.0.
inline constexpr std::uint32_t ALLOC_VERSION = 1;
inline constexpr std::size_t ALLOC_NUM_SIZE_CLASSES = 5;
inline constexpr std::array<std::uint32_t, ALLOC_NUM_SIZE_CLASSES> ALLOC_SIZE_CLASSES = {
    256, 512, 1024, 2048, 4096};
inline constexpr std::uint32_t ALLOC_MIN_SIZE = 256;
inline constexpr std::uint32_t ALLOC_MAX_SIZE = 4096;
inline constexpr std::uint32_t ALLOC_NULL_U32 = 0xFFFF'FFFFu;
inline constexpr std::uint16_t ALLOC_NULL_U16 = 0xFFFFu;
/// Slab size Agave's handshake uses (bytes).
inline constexpr std::uint32_t AGAVE_SLAB_SIZE = 2u * 1024 * 1024;

// ---- Raw file layout (protocol-3.1.md §4.2) -------------------------------------------
// These structs are placed over the mapped file. Atomics are lock-free and have the size
// and representation of the plain integer, so they match Rust's AtomicU32/AtomicUsize.

/// File header at offset 0 (size 128, align 64).
struct AllocHeader {
  std::uint64_t magic;
  std::uint32_t version;
  std::uint32_t num_workers;
  std::uint32_t num_slabs;
  std::uint32_t slab_size;
  std::uint32_t free_list_elements_offset;
  std::uint32_t slab_shared_meta_offset;
  std::uint32_t slab_free_stacks_offset;
  std::uint32_t slabs_offset;
  /// Head slab of the global free list (a Treiber stack, no ABA tag), NULL_U32 if empty.
  alignas(64) std::atomic<std::uint32_t> global_free_list_head;
};

/// Heads of one worker's partial and full slab lists for one size class.
struct AllocListHeads {
  std::atomic<std::uint32_t> partial;
  std::atomic<std::uint32_t> full;
};

/// One per worker id at 128 + 64 * id (size 64).
struct alignas(64) AllocWorkerHeads {
  AllocListHeads heads[ALLOC_NUM_SIZE_CLASSES];
};

/// One per slab at free_list_elements_offset + 12 * slab (size 12, align 4).
struct AllocListNode {
  std::atomic<std::uint32_t> global_next;
  std::atomic<std::uint32_t> worker_local_prev;
  std::atomic<std::uint32_t> worker_local_next;
};

/// One per slab at slab_shared_meta_offset + 128 * slab (size 128, align 64).
struct alignas(64) AllocSlabMeta {
  std::atomic<std::uint32_t> assigned_worker; ///< NULL_U32 until first taken; not reset
  std::atomic<std::uint64_t> size_class_index;
  /// Head slot of the slab's remote-free stack (NULL_U16 if empty); each freed slot holds
  /// the next slot index in its first two bytes.
  alignas(64) std::atomic<std::uint16_t> remote_free_stack_head;
};

/// Free stack of a slab at slab_free_stacks_offset + slab * (4 + 2 * (slab_size / 256)):
/// u16 top (free slots) @0, u16 capacity @2, u16 entries[slab_size / 256] @4. Owner-only.
inline constexpr std::size_t ALLOC_FREE_STACK_ENTRIES_OFFSET = 4;

static_assert(sizeof(AllocHeader) == 128 && alignof(AllocHeader) == 64);
static_assert(offsetof(AllocHeader, magic) == 0);
static_assert(offsetof(AllocHeader, version) == 8);
static_assert(offsetof(AllocHeader, num_workers) == 12);
static_assert(offsetof(AllocHeader, num_slabs) == 16);
static_assert(offsetof(AllocHeader, slab_size) == 20);
static_assert(offsetof(AllocHeader, free_list_elements_offset) == 24);
static_assert(offsetof(AllocHeader, slab_shared_meta_offset) == 28);
static_assert(offsetof(AllocHeader, slab_free_stacks_offset) == 32);
static_assert(offsetof(AllocHeader, slabs_offset) == 36);
static_assert(offsetof(AllocHeader, global_free_list_head) == 64);
static_assert(sizeof(AllocWorkerHeads) == 64 && alignof(AllocWorkerHeads) == 64);
static_assert(offsetof(AllocListHeads, partial) == 0 && offsetof(AllocListHeads, full) == 4);
static_assert(sizeof(AllocListNode) == 12 && alignof(AllocListNode) == 4);
static_assert(offsetof(AllocListNode, global_next) == 0);
static_assert(offsetof(AllocListNode, worker_local_prev) == 4);
static_assert(offsetof(AllocListNode, worker_local_next) == 8);
static_assert(sizeof(AllocSlabMeta) == 128 && alignof(AllocSlabMeta) == 64);
static_assert(offsetof(AllocSlabMeta, assigned_worker) == 0);
static_assert(offsetof(AllocSlabMeta, size_class_index) == 8);
static_assert(offsetof(AllocSlabMeta, remote_free_stack_head) == 64);
static_assert(std::atomic<std::uint16_t>::is_always_lock_free &&
              std::atomic<std::uint32_t>::is_always_lock_free &&
              std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(sizeof(std::atomic<std::uint16_t>) == 2 && sizeof(std::atomic<std::uint32_t>) == 4 &&
              sizeof(std::atomic<std::uint64_t>) == 8);

/// Size class index for a request: 0..=256 -> 0 (256 B), 257..=512 -> 1, ... 2049..=4096 -> 4.
/// Only meaningful for size <= ALLOC_MAX_SIZE.
constexpr std::uint32_t alloc_size_class(std::uint32_t size) {
  std::uint32_t v = (size == 0 ? 0u : size - 1u) | (ALLOC_MIN_SIZE - 1u);
  return static_cast<std::uint32_t>(32 - std::countl_zero(v)) - 8u;
}

/// Where everything lives in an allocator file; recomputed and compared on join.
struct AllocatorLayout {
  std::uint64_t file_size = 0;
  std::uint32_t num_workers = 0;
  std::uint32_t num_slabs = 0;
  std::uint32_t slab_size = 0;
  std::uint32_t free_list_elements_offset = 0;
  std::uint32_t slab_shared_meta_offset = 0;
  std::uint32_t slab_free_stacks_offset = 0;
  std::uint32_t slabs_offset = 0;

  /// The rts-alloc layout computation, including its u32 truncation of the file size.
  static Result<AllocatorLayout> compute(std::uint64_t file_size, std::uint32_t slab_size,
                                         std::uint32_t num_workers);
};

/// Outstanding allocations of one worker id: slots handed out and not yet freed back
/// (a slot freed remotely but not yet cleaned by its owner counts as free).
struct WorkerUsage {
  std::uint64_t allocations = 0;
  std::uint64_t slabs = 0;
};

/// What slot_status() found for one slot: the id its slab is assigned to, and whether the
/// slot is free now (on the slab's free stack or its remote-free stack).
struct SlotStatus {
  std::uint32_t owner = ALLOC_NULL_U32;
  bool free = false;
};

/// What one handle has seen, for operators (process-local, never shared).
struct AllocatorStats {
  std::uint64_t slabs_taken = 0;       ///< slabs popped from the global list
  std::uint64_t slabs_returned = 0;    ///< empty slabs pushed back on the global list
  std::uint64_t stack_resets = 0;      ///< takes that rewrote the whole free stack
  std::uint64_t remote_frees = 0;      ///< frees pushed on another owner's remote stack
  std::uint64_t remote_cleaned = 0;    ///< slots drained by clean_remote_free_lists()
  std::uint64_t rejected_frees = 0;    ///< frees of pointers outside any valid slot, or
                                       ///< into a slab whose free stack is already full
  std::uint64_t corrupt_metadata = 0;  ///< out-of-range indices read from the file
  std::uint64_t reuse_audits = 0;      ///< slab audits run by check_reuse()
  std::uint64_t reuse_audit_reads = 0; ///< chain links and free-stack entries they read
  std::uint64_t reuse_cleared = 0;     ///< ledger entries an audit found allocated again
};

/// What check_reuse() found for a peer-supplied slot of another id's slab.
enum class ReuseCheck : std::uint8_t {
  NotFreedHere, ///< this handle has not freed the slot since it was last seen allocated
  Reallocated,  ///< it had; an audit of the slab found the slot allocated again
  StillFree,    ///< it had, and the slot is still free (remote-free chain or free stack)
};

/// A handle on an rts-alloc file bound to one worker id.
///
/// Error messages start with the name of the matching rts-alloc 0.2.0 error variant
/// ("InvalidHeader: ...", "InvalidFileSize: ...") so a handshake can report it as Rust does.
class Allocator {
public:
  Allocator() = default;
  Allocator(Allocator&&) noexcept = default;
  Allocator& operator=(Allocator&&) noexcept = default;
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  /// Initialises an empty file (it must be empty) and returns a handle for `worker_id`.
  static Result<Allocator> create(int fd, std::uint64_t file_size, std::uint32_t num_workers,
                                  std::uint32_t slab_size, std::uint32_t worker_id);
  /// Maps an initialised file and validates magic, version and the whole layout.
  /// The caller guarantees no other live handle uses `worker_id`.
  static Result<Allocator> join(int fd, std::uint32_t worker_id);

  /// Memory for `size` bytes (0..4096; 0 gets a 256-byte slot as in rts-alloc), or nullptr
  /// if the size is too large or no slab is free. Never cleans remote frees by itself.
  [[nodiscard]] void* allocate(std::uint32_t size);
  /// Frees memory that this allocator returned (to any handle). Local if this id owns the
  /// slab, remote otherwise. A pointer outside the slab area, or into a slab with a
  /// nonsensical size class, is ignored and counted in stats().rejected_frees.
  void free(void* p);
  /// Drains the remote-free stacks of every slab this id owns.
  void clean_remote_free_lists();
  /// When on, a slab that becomes empty stays this id's if it is the only slab of its size
  /// class this id can allocate from (rts-alloc returns every empty slab to the global
  /// list). A peer that allocates until the file is full — a flooding TPU producer, which
  /// cleans its remote frees only when it runs out — then cannot take the last slab of an
  /// id that allocates in bursts (pack's batch arrays, a worker's responses) between two
  /// bursts. The file stays valid for any rts-alloc reader: an empty slab on an owner's
  /// partial list is a state rts-alloc itself passes through. Off by default.
  void set_keep_last_slab(bool on) { keep_last_slab_ = on; }
  /// Turns set_keep_last_slab() on and, unless this id already has a partial slab of the
  /// size class of `size` (<= 4096), takes one now, so an id whose first allocation comes
  /// late is not starved by a peer that filled the file first. False if no slab was free.
  bool reserve(std::uint32_t size);

  [[nodiscard]] std::uint64_t offset(const void* p) const {
    return static_cast<std::uint64_t>(static_cast<const std::uint8_t*>(p) - map_.data());
  }
  /// No validation: use check_region() first on offsets from a peer.
  [[nodiscard]] std::uint8_t* ptr_from_offset(std::uint64_t off) const { return map_.data() + off; }

  /// Validates an untrusted (offset, length): inside the slab area, in a slab that is
  /// assigned to a worker with a valid size class, at the start of a slot, and with
  /// `length` bytes fitting in that slot. The error says which check failed, with numbers.
  [[nodiscard]] Result<void> check_region(std::uint64_t offset, std::uint64_t length) const;

  /// Whether the slot starting at `offset` (which must have passed check_region()) is free,
  /// and which id owns its slab: lets a receiver refuse to free a peer-supplied offset that
  /// names a free slot (a double free the allocator itself cannot detect). Read-only; walks
  /// the slab's free stack and remote-free chain, each bounded by the slab's slot count
  /// (O(slots): meant for once-per-batch arrays, not per transaction). Exact when the owner
  /// is this handle or idle; see allocator_inspect.cpp for a concurrently running owner.
  /// With `find_free` false only the owner is read (O(1)) and `free` stays false.
  [[nodiscard]] SlotStatus slot_status(std::uint64_t offset, bool find_free = true) const;

  /// Remote-free ledger: every slot this handle pushes on another id's remote-free stack
  /// is remembered (one bit per 256 bytes, per slab, allocated on the first remote free
  /// into that slab) until an audit proves it allocated again. check_reuse() tells a
  /// receiver whether a peer-supplied slot (which must have passed check_region()) is one
  /// it freed and that is still free — a transaction sent again after it was freed — at
  /// O(1) when the ledger has no entry for it. Otherwise it audits the slab once
  /// (remote-free chain, then free stack, each bounded by the slot count) and drops every
  /// entry of that slab that is allocated now, so one audit serves all the slots the owner
  /// re-allocated since the previous one. See allocator_inspect.cpp for what a concurrently
  /// running owner can and cannot make it miss.
  [[nodiscard]] ReuseCheck check_reuse(std::uint64_t offset);
  /// Whether the ledger holds an entry for the slot at `offset` (no audit; for tests).
  [[nodiscard]] bool ledger_has(std::uint64_t offset) const;

  /// Allocations outstanding for `worker`, read from the shared file. Exact when no
  /// handle is allocating or freeing concurrently. Walks are bounded, so a corrupt file
  /// gives wrong numbers but never hangs or reads outside the mapping.
  [[nodiscard]] WorkerUsage usage(std::uint32_t worker) const;
  /// usage() for every worker id.
  [[nodiscard]] std::vector<WorkerUsage> usage_all() const;

  [[nodiscard]] std::uint32_t worker_id() const { return worker_id_; }
  [[nodiscard]] const AllocatorLayout& layout() const { return layout_; }
  [[nodiscard]] std::uint8_t* base() const { return map_.data(); }
  [[nodiscard]] bool valid() const { return map_.valid(); }
  [[nodiscard]] const AllocatorStats& stats() const { return stats_; }
  /// Head of the global free list as the file says now (NULL_U32 when empty).
  [[nodiscard]] std::uint32_t global_free_head() const;

private:
  static Result<Allocator> bind(Mapping map, const AllocatorLayout& layout,
                                std::uint32_t worker_id);

  // Views of the mapped file.
  [[nodiscard]] AllocSlabMeta& meta(std::uint32_t s) const { return metas_[s]; }
  [[nodiscard]] AllocListNode& node(std::uint32_t s) const { return nodes_[s]; }
  [[nodiscard]] std::uint16_t* stack(std::uint32_t s) const {
    return reinterpret_cast<std::uint16_t*>(stacks_ + std::uint64_t{s} * stack_stride_);
  }
  [[nodiscard]] std::uint8_t* slab(std::uint32_t s) const {
    return slabs_ + (std::uint64_t{s} << slab_shift_);
  }
  [[nodiscard]] std::uint32_t slots(std::uint32_t c) const { return layout_.slab_size >> (8 + c); }

  // Slab movement (allocator.cpp).
  std::uint32_t take_slab(std::uint32_t c);
  bool local_free(std::uint32_t s, std::uint32_t c, std::uint32_t slot);
  void remote_free(std::uint32_t s, std::uint32_t c, std::uint32_t slot);
  std::uint32_t global_pop();
  void global_push(std::uint32_t s);
  void list_push(std::atomic<std::uint32_t>& head, std::uint32_t s);
  void list_remove(std::atomic<std::uint32_t>& head, std::uint32_t s);
  void drain_remote(std::uint32_t s, std::uint32_t c);
  // Remote-free ledger (allocator_inspect.cpp).
  void ledger_mark(std::uint32_t s, std::uint64_t within);
  void audit_slab(std::uint32_t s);

  Mapping map_;
  AllocatorLayout layout_{};
  std::uint32_t worker_id_ = 0;

  // Cached from layout_ so the hot paths do no arithmetic on the header.
  AllocHeader* header_ = nullptr;
  AllocWorkerHeads* my_heads_ = nullptr;
  AllocListNode* nodes_ = nullptr;
  AllocSlabMeta* metas_ = nullptr;
  std::uint8_t* stacks_ = nullptr;
  std::uint8_t* slabs_ = nullptr;
  std::uint64_t slab_area_ = 0; ///< num_slabs * slab_size
  std::uint32_t stack_stride_ = 0;
  std::uint32_t slab_shift_ = 0;
  /// Per slab: 1 + size class if this handle returned the slab to the global list with a
  /// full free stack of that class, else 0. See take_slab() for why.
  std::vector<std::uint8_t> returned_full_;
  bool keep_last_slab_ = false; ///< set_keep_last_slab()
  /// One bit per 256-byte unit of every slab, allocated with the handle (1 bit per 256
  /// bytes of the file: 512 KiB for 1 GiB) so that freeing never allocates: "this handle
  /// freed the slot starting here into another owner's remote-free stack, and no audit
  /// has seen it allocated since". Slab s owns words [s * ledger_words_, (s+1) * ...).
  std::vector<std::uint64_t> ledger_;
  std::size_t ledger_words_ = 0; ///< words per slab
  [[nodiscard]] std::uint64_t* ledger_of(std::uint32_t s) {
    return ledger_.data() + s * ledger_words_;
  }
  void ledger_clear(std::uint32_t s) { std::fill_n(ledger_of(s), ledger_words_, 0); }
  /// Scratch for audit_slab(): one bit per slot of the audited slab, set when free.
  std::vector<std::uint64_t> audit_free_;
  AllocatorStats stats_{};
};

} // namespace extpack::shm
