// Twin indexed d-ary heaps; see priority_index.hpp.
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
  const Node n = node(id, key);
  best_.push_back(n);
  sift_up<true>(best_, best_pos_, static_cast<std::uint32_t>(best_.size() - 1));
  worst_.push_back(n);
  sift_up<false>(worst_, worst_pos_, static_cast<std::uint32_t>(worst_.size() - 1));
}

void PriorityIndex::erase(EntryId id) {
  assert(contains(id));
  remove_at<true>(best_, best_pos_, best_pos_[id]);
  remove_at<false>(worst_, worst_pos_, worst_pos_[id]);
}

EntryId PriorityIndex::pop_best() {
  if (best_.empty()) return NO_ENTRY;
  EntryId id = best_.front().id;
  erase(id);
  return id;
}

template <bool MaxFirst> void PriorityIndex::sift_up(Heap& heap, Pos& pos, std::uint32_t i) {
  const Node moving = heap[i];
  while (i > 0) {
    const std::uint32_t parent = (i - 1) / ARITY;
    if (!above<MaxFirst>(moving, heap[parent])) break;
    heap[i] = heap[parent];
    pos[heap[i].id] = i;
    i = parent;
  }
  heap[i] = moving;
  pos[moving.id] = i;
}

template <bool MaxFirst> void PriorityIndex::sift_down(Heap& heap, Pos& pos, std::uint32_t i) {
  const auto n = static_cast<std::uint32_t>(heap.size());
  const Node moving = heap[i];
  for (;;) {
    const std::uint32_t first = ARITY * i + 1;
    if (first >= n) break;
    const std::uint32_t last = first + ARITY < n ? first + ARITY : n;
    std::uint32_t child = first;
    for (std::uint32_t c = first + 1; c < last; ++c) {
      if (above<MaxFirst>(heap[c], heap[child])) child = c;
    }
    if (!above<MaxFirst>(heap[child], moving)) break;
    heap[i] = heap[child];
    pos[heap[i].id] = i;
    i = child;
  }
  heap[i] = moving;
  pos[moving.id] = i;
}

template <bool MaxFirst> void PriorityIndex::remove_at(Heap& heap, Pos& pos, std::uint32_t i) {
  const EntryId gone = heap[i].id;
  const Node last = heap.back();
  heap.pop_back();
  pos[gone] = NPOS;
  if (gone == last.id) return;
  heap[i] = last;
  pos[last.id] = i;
  // The replacement may belong above or below position i.
  if (i > 0 && above<MaxFirst>(last, heap[(i - 1) / ARITY])) {
    sift_up<MaxFirst>(heap, pos, i);
  } else {
    sift_down<MaxFirst>(heap, pos, i);
  }
}

} // namespace extpack::sched
