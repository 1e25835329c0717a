// PriorityIndex: the order in which queued transactions are considered, with cheap
// access to both ends: the best (to schedule) and the worst (to evict when full).
//
// Two implicit d-ary heaps (d = ARITY) over the same set of EntryIds, one keyed
// best-first and one worst-first, each with a position table so any id can be removed
// from both in O(log n). Keys are (rank, seq): a higher rank is better; for equal ranks
// the earlier arrival (lower seq) is better, so a rank of 0 for everything yields plain
// FIFO.
//
// Heap nodes carry their key next to the id, so a sift compares memory it has already
// loaded (siblings share cache lines) instead of looking every id up in a key table; a
// 4-ary heap is half as deep as a binary one, which halves the moves of a push or of an
// eviction from a 64K-entry index at the price of more comparisons per level.
//
// Trade-offs: a min-max heap or a treap would store one structure instead of two, but
// the twin heaps are simple, branch-light and allocation-free after construction
// (every array is sized to the pool capacity). Iterating in order is not supported;
// the scheduler pops and re-pushes entries it has to skip, as Agave's greedy scheduler
// does.
#pragma once

#include <cstdint>
#include <vector>

#include "extpack/sched/types.hpp"

namespace extpack::sched {

struct PriorityKey {
  std::uint64_t rank = 0;
  std::uint64_t seq = 0;
};

/// True if `a` should be scheduled before `b`.
[[nodiscard]] inline bool better(const PriorityKey& a, const PriorityKey& b) {
  return a.rank > b.rank || (a.rank == b.rank && a.seq < b.seq);
}

class PriorityIndex {
public:
  /// Ids must be < capacity.
  explicit PriorityIndex(std::size_t capacity);

  void push(EntryId id, PriorityKey key);
  void erase(EntryId id);
  [[nodiscard]] bool contains(EntryId id) const { return best_pos_[id] != NPOS; }
  [[nodiscard]] EntryId best() const { return best_.empty() ? NO_ENTRY : best_.front().id; }
  [[nodiscard]] EntryId worst() const { return worst_.empty() ? NO_ENTRY : worst_.front().id; }
  [[nodiscard]] const PriorityKey& key(EntryId id) const { return key_[id]; }
  /// Removes and returns the best id, or NO_ENTRY when empty.
  EntryId pop_best();
  [[nodiscard]] std::size_t size() const { return best_.size(); }
  [[nodiscard]] bool empty() const { return best_.empty(); }

private:
  static constexpr std::uint32_t NPOS = 0xFFFF'FFFFu;
  static constexpr std::uint32_t ARITY = 4;

  /// A key as (hi, lo) that compares larger exactly when better(): hi = rank, lo = the
  /// complement of seq (an earlier arrival is larger).
  struct Node {
    std::uint64_t lo = 0; ///< ~seq
    std::uint64_t hi = 0; ///< rank
    EntryId id = NO_ENTRY;
  };
  [[nodiscard]] static Node node(EntryId id, const PriorityKey& k) { return {~k.seq, k.rank, id}; }
  using Heap = std::vector<Node>;
  using Pos = std::vector<std::uint32_t>;

  // `MaxFirst` selects which heap: true = best at the root.
  template <bool MaxFirst> [[nodiscard]] static bool above(const Node& a, const Node& b) {
    const Node& x = MaxFirst ? a : b;
    const Node& y = MaxFirst ? b : a;
    return x.hi > y.hi || (x.hi == y.hi && x.lo > y.lo);
  }
  template <bool MaxFirst> static void sift_up(Heap& heap, Pos& pos, std::uint32_t i);
  template <bool MaxFirst> static void sift_down(Heap& heap, Pos& pos, std::uint32_t i);
  template <bool MaxFirst> static void remove_at(Heap& heap, Pos& pos, std::uint32_t i);

  std::vector<PriorityKey> key_;
  Heap best_, worst_;
  Pos best_pos_, worst_pos_;
};

} // namespace extpack::sched
