// FlatIdIndex: an open-addressing hash index from a key to a 32-bit id, for tables whose
// keys already live in the records the ids name (the container's signatures, the account
// table's keys). A slot holds only {id, 32 bits of the key's hash}; equality is decided
// by the caller, who looks the id up.
//
// Linear probing over a power-of-two array kept at most half full, with backward-shift
// deletion (no tombstones, so heavy insert/erase churn never degrades probing). Lookups
// compare the stored hash bits first and call the caller's equality only on a match.
// Nothing is allocated per operation: the array is sized by reserve() and grows (doubling,
// rehashing from the stored hash bits, no key is re-read) only when a table outgrows it.
//
// Hashes are keyed with a per-process random seed (hash_seed(), odd and never 0), so a peer
// that chooses keys or signatures cannot aim them at one probe sequence without knowing it. The
// mixer (a 64x64->128 multiply folded to 64 bits per pair of words, as in wyhash) is fast, not
// cryptographic.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace extpack::sched {

/// Random once per process (std::random_device, falling back to the clock).
[[nodiscard]] std::uint64_t hash_seed();

__extension__ using HashU128 = unsigned __int128; // GCC/Clang; one MUL on x86-64

/// Folded 128-bit product of two words.
[[nodiscard]] inline std::uint64_t hash_mum(std::uint64_t a, std::uint64_t b) {
  const HashU128 p = static_cast<HashU128>(a) * b;
  return static_cast<std::uint64_t>(p) ^ static_cast<std::uint64_t>(p >> 64);
}

/// Seeded hash of four 8-byte words read from `p` at byte offsets o0..o3.
[[nodiscard]] inline std::uint64_t hash_words(const std::uint8_t* p, std::size_t o0, std::size_t o1,
                                              std::size_t o2, std::size_t o3, std::uint64_t seed) {
  std::uint64_t w[4];
  std::memcpy(&w[0], p + o0, 8);
  std::memcpy(&w[1], p + o1, 8);
  std::memcpy(&w[2], p + o2, 8);
  std::memcpy(&w[3], p + o3, 8);
  // Every word is masked with its own secret derived from the seed (odd multipliers keep
  // them distinct and unknown): a public mask would let a chosen word zero its product
  // and make its partner word irrelevant.
  const std::uint64_t h =
      hash_mum(w[0] ^ (seed * 0xA076'1D64'78BD'642FULL), w[1] ^ (seed * 0xE703'7ED1'A0B4'28DBULL)) ^
      hash_mum(w[2] ^ (seed * 0x8EBC'6AF0'9C88'C6E3ULL), w[3] ^ (seed * 0x5899'65CC'75A0'A3A5ULL));
  return hash_mum(h ^ seed, 0x1D8E'4E27'C47D'124FULL);
}

/// Seeded hash of two 8-byte words at byte offsets o0, o1 (keys that are random already).
[[nodiscard]] inline std::uint64_t hash_two_words(const std::uint8_t* p, std::size_t o0,
                                                  std::size_t o1, std::uint64_t seed) {
  std::uint64_t w0 = 0, w1 = 0;
  std::memcpy(&w0, p + o0, 8);
  std::memcpy(&w1, p + o1, 8);
  return hash_mum(w0 ^ (seed * 0xA076'1D64'78BD'642FULL), w1 ^ (seed * 0xE703'7ED1'A0B4'28DBULL));
}

class FlatIdIndex {
public:
  static constexpr std::uint32_t NONE = 0xFFFF'FFFFu;

  FlatIdIndex() { reserve(0); }

  /// Room for `n` keys without growing.
  void reserve(std::size_t n) {
    std::size_t want = 16;
    while (want < 2 * n)
      want *= 2;
    if (want > slots_.size()) rehash(want);
  }

  /// The id whose key matches (`eq(id)` is true), or NONE.
  template <typename Eq> [[nodiscard]] std::uint32_t find(std::uint64_t hash, Eq&& eq) const {
    const auto h = static_cast<std::uint32_t>(hash >> 32);
    for (std::size_t i = home(h);; i = (i + 1) & mask_) {
      const Slot s = slots_[i];
      if (s.id == NONE) return NONE;
      if (s.hash == h && eq(s.id)) return s.id;
    }
  }

  /// Starts loading the home slot of `hash` into the cache, so that a find(), insert() or
  /// erase() issued a little later does not stall on it (the table is too large for L2
  /// once it holds a full container's accounts).
  void prefetch(std::uint64_t hash) const {
    __builtin_prefetch(&slots_[home(static_cast<std::uint32_t>(hash >> 32))]);
  }

  /// Adds `id` under `hash`; the key must not be present.
  void insert(std::uint64_t hash, std::uint32_t id) {
    if (2 * (size_ + 1) > slots_.size()) rehash(2 * slots_.size());
    place(Slot{id, static_cast<std::uint32_t>(hash >> 32)});
    ++size_;
  }

  /// Removes `id`, which must be present under `hash`; false if it was not found.
  bool erase(std::uint64_t hash, std::uint32_t id) {
    const auto h = static_cast<std::uint32_t>(hash >> 32);
    std::size_t i = home(h);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].id == NONE) return false;
      if (slots_[i].id == id) break;
    }
    // Backward shift: move later members of the run into the hole when their home
    // position allows, so that every member stays reachable from its home.
    for (std::size_t j = i;;) {
      j = (j + 1) & mask_;
      const Slot s = slots_[j];
      if (s.id == NONE) break;
      const std::size_t k = home(s.hash);
      // s may move to i unless its home lies cyclically in (i, j].
      const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (stays) continue;
      slots_[i] = s;
      i = j;
    }
    slots_[i] = Slot{};
    --size_;
    return true;
  }

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t slot_count() const { return slots_.size(); }

private:
  struct Slot {
    std::uint32_t id = NONE;
    std::uint32_t hash = 0; ///< bits 63..32 of the key's hash
  };

  [[nodiscard]] std::size_t home(std::uint32_t h) const { return h >> shift_; }

  void place(Slot s) {
    std::size_t i = home(s.hash);
    while (slots_[i].id != NONE)
      i = (i + 1) & mask_;
    slots_[i] = s;
  }

  void rehash(std::size_t n) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(n, Slot{});
    mask_ = n - 1;
    shift_ = 32;
    for (std::size_t m = n; m > 1; m >>= 1)
      --shift_;
    for (const Slot& s : old) {
      if (s.id != NONE) place(s);
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::uint32_t shift_ = 32; ///< 32 - log2(slots): home = top bits of the stored hash
  std::size_t size_ = 0;
};

} // namespace extpack::sched
