// The rts-alloc 0.2.0 shared-memory slab allocator, byte-compatible with the Rust crate
// (spec: protocol-3.1.md §4). One file holds a header, per-worker list heads, per-slab
// metadata and free stacks, and the slabs. Every process maps the file and works through a
// handle bound to one worker id; each id is used by one handle at a time.
//
// Allocations are 256..4096 bytes in five size classes; a slab serves one class for one
// owner. Freeing memory owned by another id pushes it on the slab's remote-free stack; the
// owner makes it reusable with clean_remote_free_lists(). Offsets are byte offsets from the
// start of the file and mean the same in every process.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
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

  /// Memory for `size` bytes (1..4096), or nullptr if the size is too large or no slab is
  /// free. Never cleans remote frees by itself.
  [[nodiscard]] void* allocate(std::uint32_t size);
  /// Frees memory that this allocator returned (to any handle). Local if this id owns the
  /// slab, remote otherwise.
  void free(void* p);
  /// Drains the remote-free stacks of every slab this id owns.
  void clean_remote_free_lists();

  [[nodiscard]] std::uint64_t offset(const void* p) const {
    return static_cast<std::uint64_t>(static_cast<const std::uint8_t*>(p) - map_.data());
  }
  /// No validation: use check_region() first on offsets from a peer.
  [[nodiscard]] std::uint8_t* ptr_from_offset(std::uint64_t off) const { return map_.data() + off; }

  /// Validates an untrusted (offset, length): inside the slab area, in a slab that is
  /// assigned to a worker with a valid size class, at the start of a slot, and with
  /// `length` bytes fitting in that slot. The error says which check failed, with numbers.
  [[nodiscard]] Result<void> check_region(std::uint64_t offset, std::uint64_t length) const;

  /// Allocations outstanding for `worker`, read from the shared file. Exact when no
  /// handle is allocating or freeing concurrently.
  [[nodiscard]] WorkerUsage usage(std::uint32_t worker) const;
  /// usage() for every worker id.
  [[nodiscard]] std::vector<WorkerUsage> usage_all() const;

  [[nodiscard]] std::uint32_t worker_id() const { return worker_id_; }
  [[nodiscard]] const AllocatorLayout& layout() const { return layout_; }
  [[nodiscard]] std::uint8_t* base() const { return map_.data(); }
  [[nodiscard]] bool valid() const { return map_.valid(); }

private:
  Mapping map_;
  AllocatorLayout layout_{};
  std::uint32_t worker_id_ = 0;
};

}  // namespace extpack::shm
