// Twin indexed d-ary heaps; see priority_index.hpp.
#include "extpack/sched/priority_index.hpp"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <utility>

namespace extpack::sched {

namespace {

constexpr std::uintptr_t LINE = 64;

} // namespace

PriorityIndex::PriorityIndex(std::size_t capacity, std::uint32_t tie_limit)
    : key_(capacity), best_pos_(capacity, NPOS), worst_pos_(capacity, NPOS),
      tie_limit_(std::max<std::uint32_t>(tie_limit, 1)) {
  for (Heap* h : {&best_, &worst_}) {
    // new[] aligns to 16 (alignof(Node)); one line of slack lets node 1 start a line.
    h->buffer = std::make_unique<Node[]>(capacity + LINE / sizeof(Node));
    // (Alignment only speeds the sifts up; a buffer new[] aligned less would still work.)
    Node* p = h->buffer.get();
    for (std::size_t k = 0; k + 1 < LINE / sizeof(Node); ++k) {
      if ((reinterpret_cast<std::uintptr_t>(p + 1) & (LINE - 1)) == 0) break;
      ++p;
    }
    h->at = p;
  }
  next_rebase_ = tie_limit_;
}

void PriorityIndex::push(EntryId id, PriorityKey key) {
  assert(id < key_.size() && !contains(id));
  key_[id] = key;
  if (key.seq >= next_rebase_ && key.seq - base_ >= tie_limit_) rebase(key.seq);
  const Node n{key.rank, tie(key.seq), id};
  push_into<true>(best_, best_pos_, n);
  push_into<false>(worst_, worst_pos_, n);
}

void PriorityIndex::erase(EntryId id) {
  assert(contains(id));
  remove_at<true>(best_, best_pos_, best_pos_[id]);
  remove_at<false>(worst_, worst_pos_, worst_pos_[id]);
}

EntryId PriorityIndex::pop_best() {
  if (best_.size == 0) return NO_ENTRY;
  EntryId id = best_.at[0].id;
  erase(id);
  return id;
}

void PriorityIndex::rebase(std::uint64_t incoming_seq) {
  // The new base is the oldest seq held, but at least half the limit before the incoming
  // seq, so that it and the next half-limit of arrivals are tagged; older entries become
  // untagged. `incoming_seq - base_ >= tie_limit_` (the caller's condition) makes the base
  // move up. Order is unchanged: tags only stand for seqs, and ties involving untagged
  // nodes are decided by the seqs themselves.
  const std::uint64_t half = std::max<std::uint64_t>(tie_limit_ / 2, 1);
  std::uint64_t oldest = incoming_seq;
  for (std::uint32_t i = 0; i < best_.size; ++i)
    oldest = std::min(oldest, key_[best_.at[i].id].seq);
  base_ = std::max(oldest, incoming_seq - std::min(incoming_seq, half));
  for (Heap* h : {&best_, &worst_}) {
    for (std::uint32_t i = 0; i < h->size; ++i)
      h->at[i].tie = tie(key_[h->at[i].id].seq);
  }
  // Try again only after seqs advance by half the limit (saturating at the top of the range).
  next_rebase_ = incoming_seq + std::min(half, UINT64_MAX - incoming_seq);
  ++rebases_;
}

template <bool MaxFirst> void PriorityIndex::push_into(Heap& heap, Pos& pos, const Node& n) {
  assert(heap.size < key_.size());
  heap.at[heap.size] = n;
  sift_up<MaxFirst>(heap, pos, heap.size++);
}

template <bool MaxFirst> void PriorityIndex::sift_up(Heap& heap, Pos& pos, std::uint32_t i) {
  const Node moving = heap.at[i];
  while (i > 0) {
    const std::uint32_t parent = (i - 1) / ARITY;
    if (!above<MaxFirst>(moving, heap.at[parent])) break;
    heap.at[i] = heap.at[parent];
    pos[heap.at[i].id] = i;
    i = parent;
  }
  heap.at[i] = moving;
  pos[moving.id] = i;
}

template <bool MaxFirst> void PriorityIndex::sift_down(Heap& heap, Pos& pos, std::uint32_t i) {
  const std::uint32_t n = heap.size;
  const Node moving = heap.at[i];
  for (;;) {
    const std::uint32_t first = ARITY * i + 1;
    if (first >= n) break;
    const std::uint32_t last = first + ARITY < n ? first + ARITY : n;
    std::uint32_t child = first;
    for (std::uint32_t c = first + 1; c < last; ++c) {
      if (above<MaxFirst>(heap.at[c], heap.at[child])) child = c;
    }
    if (!above<MaxFirst>(heap.at[child], moving)) break;
    heap.at[i] = heap.at[child];
    pos[heap.at[i].id] = i;
    i = child;
  }
  heap.at[i] = moving;
  pos[moving.id] = i;
}

template <bool MaxFirst> void PriorityIndex::remove_at(Heap& heap, Pos& pos, std::uint32_t i) {
  const EntryId gone = heap.at[i].id;
  const Node last = heap.at[--heap.size];
  pos[gone] = NPOS;
  if (gone == last.id) return;
  heap.at[i] = last;
  pos[last.id] = i;
  // The replacement may belong above or below position i.
  if (i > 0 && above<MaxFirst>(last, heap.at[(i - 1) / ARITY])) {
    sift_up<MaxFirst>(heap, pos, i);
  } else {
    sift_down<MaxFirst>(heap, pos, i);
  }
}

} // namespace extpack::sched
