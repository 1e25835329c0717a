// PriorityIndex: the order in which queued transactions are considered, with cheap
// access to both ends: the best (to schedule) and the worst (to evict when full).
//
// Two implicit d-ary heaps (d = ARITY) over the same set of EntryIds, one keyed
// best-first and one worst-first, each with a position table so any id can be removed
// from both in O(log n). Keys are (rank, seq): a higher rank is better; for equal ranks
// the earlier arrival (lower seq) is better, so a rank of 0 for everything yields plain
// FIFO.
//
// Heap nodes carry their rank and a 32-bit arrival tag next to the id, so a sift compares
// memory it has already loaded (siblings share a cache line) instead of looking every id
// up in a key table. A node is 16 bytes and each heap's array is laid out so that the four
// children of a node fill exactly one 64-byte line: a 4-ary heap is half as deep as a
// binary one and each level costs one line.
//
// The arrival tag is seq minus a base, when that fits below the tie limit (2^32 - 1 by
// default); otherwise (an arrival that far after the base, or a re-pushed entry older than
// the base) it is the limit itself, and a rank tie with such a node is decided by the full
// seqs in the key table. Order is therefore exact for any seqs; the tags only make the
// common case fast. When a push finds its seq past the limit, the index moves the base up
// to the oldest seq it holds, but never further back than half the limit before the new
// seq (entries older than that stay untagged), re-tags every node (a pass over the heaps
// that reads each entry's key), and does not try again until seqs have advanced by half
// the limit: a long-lived old entry can neither make every push rescan nor keep the newer
// arrivals untagged.
//
// Trade-offs: a min-max heap or a treap would store one structure instead of two, but
// the twin heaps are simple, branch-light and allocation-free after construction
// (every array is sized to the pool capacity). Iterating in order is not supported;
// the scheduler pops and re-pushes entries it has to skip, as Agave's greedy scheduler
// does.
#pragma once

#include <cstdint>
#include <memory>
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
  static constexpr std::uint32_t DEFAULT_TIE_LIMIT = 0xFFFF'FFFFu;

  /// Ids must be < capacity. `tie_limit` bounds the arrival tags (tests lower it to reach
  /// the rebasing and full-seq paths with few pushes); 0 counts as 1.
  explicit PriorityIndex(std::size_t capacity, std::uint32_t tie_limit = DEFAULT_TIE_LIMIT);

  void push(EntryId id, PriorityKey key);
  void erase(EntryId id);
  [[nodiscard]] bool contains(EntryId id) const { return best_pos_[id] != NPOS; }
  [[nodiscard]] EntryId best() const { return best_.size == 0 ? NO_ENTRY : best_.at[0].id; }
  [[nodiscard]] EntryId worst() const { return worst_.size == 0 ? NO_ENTRY : worst_.at[0].id; }
  [[nodiscard]] const PriorityKey& key(EntryId id) const { return key_[id]; }
  /// Removes and returns the best id, or NO_ENTRY when empty.
  EntryId pop_best();
  [[nodiscard]] std::size_t size() const { return best_.size; }
  [[nodiscard]] bool empty() const { return best_.size == 0; }
  /// Times the arrival tags were rebased (observability and tests).
  [[nodiscard]] std::uint64_t rebases() const { return rebases_; }

private:
  static constexpr std::uint32_t NPOS = 0xFFFF'FFFFu;
  static constexpr std::uint32_t ARITY = 4;

  struct alignas(16) Node {
    std::uint64_t rank = 0;
    std::uint32_t tie = 0; ///< seq - base_, or tie_limit_ when that does not fit
    EntryId id = NO_ENTRY;
  };
  static_assert(sizeof(Node) == 16 && ARITY * sizeof(Node) == 64);

  /// One heap: `at` points 0-3 nodes into its buffer, chosen so that node 1 starts a
  /// 64-byte line; the children of node i (4i+1 .. 4i+4) then share one line.
  struct Heap {
    std::unique_ptr<Node[]> buffer;
    Node* at = nullptr;
    std::uint32_t size = 0;
  };
  using Pos = std::vector<std::uint32_t>;

  [[nodiscard]] std::uint32_t tie(std::uint64_t seq) const {
    return seq >= base_ && seq - base_ < tie_limit_ ? static_cast<std::uint32_t>(seq - base_)
                                                    : tie_limit_;
  }
  /// a is scheduled before b: higher rank, then the earlier arrival.
  [[nodiscard]] bool ahead(const Node& a, const Node& b) const {
    if (a.rank != b.rank) return a.rank > b.rank;
    if (a.tie != tie_limit_ && b.tie != tie_limit_) return a.tie < b.tie;
    return key_[a.id].seq < key_[b.id].seq;
  }
  // `MaxFirst` selects which heap: true = best at the root.
  template <bool MaxFirst> [[nodiscard]] bool above(const Node& a, const Node& b) const {
    return MaxFirst ? ahead(a, b) : ahead(b, a);
  }
  template <bool MaxFirst> void sift_up(Heap& heap, Pos& pos, std::uint32_t i);
  template <bool MaxFirst> void sift_down(Heap& heap, Pos& pos, std::uint32_t i);
  template <bool MaxFirst> void remove_at(Heap& heap, Pos& pos, std::uint32_t i);
  template <bool MaxFirst> void push_into(Heap& heap, Pos& pos, const Node& n);
  void rebase(std::uint64_t incoming_seq);

  std::vector<PriorityKey> key_;
  Heap best_, worst_;
  Pos best_pos_, worst_pos_;
  std::uint32_t tie_limit_;
  std::uint64_t base_ = 0;
  std::uint64_t next_rebase_ = 0; ///< no rebase for seqs below this
  std::uint64_t rebases_ = 0;
};

} // namespace extpack::sched
