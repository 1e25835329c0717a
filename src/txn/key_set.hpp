// Duplicate detection over a transaction's pubkeys without heap allocation: a small
// open-addressing table on the stack, keyed by the pubkey's first eight bytes (pubkeys are
// hashes or curve points, so those bytes are already well spread).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#include "extpack/txn/view.hpp"

namespace extpack::txn::detail {

/// Up to this many keys a pairwise scan is cheaper than clearing the table.
inline constexpr std::size_t kPairwiseMaxKeys = 8;

inline std::uint64_t key_head(const Pubkey& k) {
  std::uint64_t h = 0;
  std::memcpy(&h, k.data(), sizeof h);
  return h;
}

/// Most keys the hash table takes (the account-lock limit); more fall back to the pairwise scan.
inline constexpr std::size_t kHashedMaxKeys = 64;

/// True if two of the `n` keys returned by `key(i)` are equal.
template <typename KeyAt> bool has_duplicate_keys(std::size_t n, KeyAt key) {
  if (n <= kPairwiseMaxKeys || n > kHashedMaxKeys) {
    for (std::size_t i = 1; i < n; ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (key(i) == key(j)) return true;
      }
    }
    return false;
  }
  // 128 slots for <= 64 keys keeps the load factor at or below one half.
  constexpr std::size_t kSlots = 128;
  constexpr std::uint8_t kEmpty = 0xff;
  std::array<std::uint8_t, kSlots> slot;
  slot.fill(kEmpty);
  for (std::size_t i = 0; i < n; ++i) {
    const Pubkey& k = key(i);
    // Fibonacci hashing of the head spreads even structured ids (the all-zero system id).
    std::size_t s = static_cast<std::size_t>((key_head(k) * 0x9E3779B97F4A7C15ull) >> 57);
    while (slot[s] != kEmpty) {
      if (key(slot[s]) == k) return true;
      s = (s + 1) & (kSlots - 1);
    }
    slot[s] = static_cast<std::uint8_t>(i);
  }
  return false;
}

} // namespace extpack::txn::detail
