// Twin indexed binary heaps; see priority_index.hpp.
#include "extpack/sched/priority_index.hpp"

#include <cassert>
#include <utility>

namespace extpack::sched {

PriorityIndex::PriorityIndex(std::size_t capacity)
    : key_(capacity), best_pos_(capacity, NPOS), worst_pos_(capacity, NPOS) {
  best_.reserve(capacity);
  worst_.reserve(capacity);
}

void PriorityIndex::push(EntryId id, PriorityKey key) {
  assert(id < key_.size() && !contains(id));
  key_[id] = key;
  best_.push_back(id);
  best_pos_[id] = static_cast<std::uint32_t>(best_.size() - 1);
  sift_up(best_, best_pos_, best_pos_[id], true);
  worst_.push_back(id);
  worst_pos_[id] = static_cast<std::uint32_t>(worst_.size() - 1);
  sift_up(worst_, worst_pos_, worst_pos_[id], false);
}

void PriorityIndex::erase(EntryId id) {
  assert(contains(id));
  remove_at(best_, best_pos_, best_pos_[id], true);
  remove_at(worst_, worst_pos_, worst_pos_[id], false);
}

EntryId PriorityIndex::pop_best() {
  if (best_.empty()) return NO_ENTRY;
  EntryId id = best_.front();
  erase(id);
  return id;
}

void PriorityIndex::sift_up(std::vector<EntryId>& heap, std::vector<std::uint32_t>& pos,
                            std::uint32_t i, bool max_first) {
  EntryId moving = heap[i];
  while (i > 0) {
    std::uint32_t parent = (i - 1) / 2;
    if (!above(moving, heap[parent], max_first)) break;
    heap[i] = heap[parent];
    pos[heap[i]] = i;
    i = parent;
  }
  heap[i] = moving;
  pos[moving] = i;
}

void PriorityIndex::sift_down(std::vector<EntryId>& heap, std::vector<std::uint32_t>& pos,
                              std::uint32_t i, bool max_first) {
  const auto n = static_cast<std::uint32_t>(heap.size());
  EntryId moving = heap[i];
  for (;;) {
    std::uint32_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && above(heap[child + 1], heap[child], max_first)) ++child;
    if (!above(heap[child], moving, max_first)) break;
    heap[i] = heap[child];
    pos[heap[i]] = i;
    i = child;
  }
  heap[i] = moving;
  pos[moving] = i;
}

void PriorityIndex::remove_at(std::vector<EntryId>& heap, std::vector<std::uint32_t>& pos,
                              std::uint32_t i, bool max_first) {
  EntryId gone = heap[i];
  EntryId last = heap.back();
  heap.pop_back();
  pos[gone] = NPOS;
  if (gone == last) return;
  heap[i] = last;
  pos[last] = i;
  // The replacement may belong above or below position i.
  if (i > 0 && above(last, heap[(i - 1) / 2], max_first)) {
    sift_up(heap, pos, i, max_first);
  } else {
    sift_down(heap, pos, i, max_first);
  }
}

} // namespace extpack::sched
