// PriorityIndex: the order in which queued transactions are considered, with cheap
// access to both ends: the best (to schedule) and the worst (to evict when full).
//
// Two binary heaps over the same set of EntryIds, one keyed best-first and one
// worst-first, each with a position table so any id can be removed from both in
// O(log n). Keys are (rank, seq): a higher rank is better; for equal ranks the earlier
// arrival (lower seq) is better, so a rank of 0 for everything yields plain FIFO.
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
  [[nodiscard]] EntryId best() const { return best_.empty() ? NO_ENTRY : best_.front(); }
  [[nodiscard]] EntryId worst() const { return worst_.empty() ? NO_ENTRY : worst_.front(); }
  [[nodiscard]] const PriorityKey& key(EntryId id) const { return key_[id]; }
  /// Removes and returns the best id, or NO_ENTRY when empty.
  EntryId pop_best();
  [[nodiscard]] std::size_t size() const { return best_.size(); }
  [[nodiscard]] bool empty() const { return best_.empty(); }

private:
  static constexpr std::uint32_t NPOS = 0xFFFF'FFFFu;

  // `max_first` selects which heap: true = best at the root.
  void sift_up(std::vector<EntryId>& heap, std::vector<std::uint32_t>& pos, std::uint32_t i,
               bool max_first);
  void sift_down(std::vector<EntryId>& heap, std::vector<std::uint32_t>& pos, std::uint32_t i,
                 bool max_first);
  void remove_at(std::vector<EntryId>& heap, std::vector<std::uint32_t>& pos, std::uint32_t i,
                 bool max_first);
  [[nodiscard]] bool above(EntryId a, EntryId b, bool max_first) const {
    return max_first ? better(key_[a], key_[b]) : better(key_[b], key_[a]);
  }

  std::vector<PriorityKey> key_;
  std::vector<EntryId> best_, worst_;
  std::vector<std::uint32_t> best_pos_, worst_pos_;
};

} // namespace extpack::sched
