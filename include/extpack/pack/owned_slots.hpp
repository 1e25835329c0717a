// OwnedSlots: the set of allocation offsets pack holds, as one bit per possible slot.
//
// Every offset pack takes ownership of (transaction bytes from tpu_to_pack, batch arrays
// it allocated) is the start of a slot inside the allocator's slab area: peer offsets
// pass Allocator::check_region() first, and pack's own come from allocate(). Slot starts
// are multiples of the smallest size class (256 bytes) from the start of the slab area
// (slabs are a power of two of at least 4 KiB, slots a power of two of 256..4096 bytes),
// so bit (offset - slabs_offset) / 256 names each one uniquely, whatever the slab's class.
//
// The bitmap is sized once from the slab area (1 bit per 256 bytes: 512 KiB for a 1 GiB
// file), so insert, erase and contains are O(1), with no hashing and no allocation. An
// offset outside the area or not at a 256-byte boundary is never a member: contains() is
// false, and insert() refuses it (callers only insert validated slot starts).
#pragma once

#include <cstdint>
#include <memory>

#include "extpack/shm/allocator.hpp"

namespace extpack::pack {

class OwnedSlots {
public:
  /// Bytes per bit: the smallest slot size (shm::ALLOC_MIN_SIZE).
  static constexpr std::uint32_t GRANULE_SHIFT = 8;
  static_assert((std::uint32_t{1} << GRANULE_SHIFT) == shm::ALLOC_MIN_SIZE);

  OwnedSlots() = default;
  /// A set able to hold every 256-byte-aligned offset in [base, base + area_bytes).
  OwnedSlots(std::uint64_t base, std::uint64_t area_bytes)
      : base_(base), bits_(area_bytes >> GRANULE_SHIFT),
        words_(std::make_unique<std::uint64_t[]>((bits_ + 63) / 64)) {}

  [[nodiscard]] bool contains(std::uint64_t offset) const {
    std::uint64_t i = 0;
    if (!index(offset, i)) return false;
    return (words_[i >> 6] >> (i & 63)) & 1u;
  }
  /// Adds `offset`; false if it was already a member or cannot be one (see above).
  bool insert(std::uint64_t offset) {
    std::uint64_t i = 0;
    if (!index(offset, i)) return false;
    std::uint64_t& w = words_[i >> 6];
    const std::uint64_t bit = std::uint64_t{1} << (i & 63);
    if ((w & bit) != 0) return false;
    w |= bit;
    ++size_;
    return true;
  }
  /// Removes `offset`; false if it was not a member.
  bool erase(std::uint64_t offset) {
    std::uint64_t i = 0;
    if (!index(offset, i)) return false;
    std::uint64_t& w = words_[i >> 6];
    const std::uint64_t bit = std::uint64_t{1} << (i & 63);
    if ((w & bit) == 0) return false;
    w &= ~bit;
    --size_;
    return true;
  }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }

private:
  [[nodiscard]] bool index(std::uint64_t offset, std::uint64_t& i) const {
    if (offset < base_) return false;
    const std::uint64_t rel = offset - base_;
    if ((rel & ((std::uint64_t{1} << GRANULE_SHIFT) - 1)) != 0) return false;
    i = rel >> GRANULE_SHIFT;
    return i < bits_;
  }

  std::uint64_t base_ = 0;
  std::uint64_t bits_ = 0;
  std::unique_ptr<std::uint64_t[]> words_;
  std::size_t size_ = 0;
};

} // namespace extpack::pack
