// rts-alloc 0.2.0 allocation and free: the hot paths, the per-worker slab lists, the global
// free list and the remote-free stacks. Spec: protocol-3.1.md §4.5.
//
// Who writes what: the global free list and each slab's remote-free stack are multi-writer
// (lock-free Treiber stacks); a worker's lists, the free stacks of its slabs and the SlabMeta
// of a slab it takes are written only by that worker id. Worker-list links use release
// stores and acquire loads, as rts-alloc does, so another process can walk them (usage()).
//
// Indices read back from the file are range-checked before they are used as array indices:
// a peer that scribbles on the metadata can make allocations fail or overlap, but it cannot
// make this process read or write outside the mapping.
#include <algorithm>
#include <atomic>
#include <cstring>

#include "extpack/shm/allocator.hpp"

namespace extpack::shm {
namespace {

constexpr auto ACQ = std::memory_order_acquire;
constexpr auto REL = std::memory_order_release;
constexpr auto ACQ_REL = std::memory_order_acq_rel;

// A free stack is {u16 top, u16 capacity, u16 entries[]}. Only the owner writes it, but
// usage() may read `top` from another thread, so `top` is accessed atomically (relaxed: a
// plain 16-bit move on x86-64).
inline std::uint32_t stack_top(std::uint16_t* st) {
  return std::atomic_ref<std::uint16_t>(st[0]).load(std::memory_order_relaxed);
}
inline void set_stack_top(std::uint16_t* st, std::uint32_t top) {
  std::atomic_ref<std::uint16_t>(st[0]).store(static_cast<std::uint16_t>(top),
                                              std::memory_order_relaxed);
}
inline std::uint16_t* stack_entries(std::uint16_t* st) {
  return st + 2;
}

// entries[i] = n-1-i for i < n (n is a power of two >= 4): the reset rts-alloc does on each
// take. Four u16 lanes per 64-bit store, each lane counting down by 4; no lane goes below 0,
// so no borrow crosses lanes. About 4x faster than one u16 store per entry.
inline void fill_descending(std::uint16_t* e, std::uint32_t n) {
  constexpr std::uint64_t step = 0x0004'0004'0004'0004ull;
  std::uint64_t v = std::uint64_t{n - 1} | std::uint64_t{n - 2} << 16 | std::uint64_t{n - 3} << 32 |
                    std::uint64_t{n - 4} << 48;
  for (std::uint32_t i = 0; i < n; i += 4, v -= step)
    std::memcpy(e + i, &v, sizeof v);
}

} // namespace

// ---- allocate ------------------------------------------------------------------------------

void* Allocator::allocate(std::uint32_t size) {
  if (size > ALLOC_MAX_SIZE) [[unlikely]]
    return nullptr;
  const std::uint32_t c = alloc_size_class(size);
  AllocListHeads& lists = my_heads_->heads[c];
  std::uint32_t s = lists.partial.load(ACQ);
  if (s == ALLOC_NULL_U32) {
    s = take_slab(c);
    if (s == ALLOC_NULL_U32) return nullptr;
  } else if (s >= layout_.num_slabs) [[unlikely]] {
    ++stats_.corrupt_metadata;
    return nullptr;
  }
  std::uint16_t* st = stack(s);
  const std::uint32_t n = slots(c);
  std::uint32_t top = stack_top(st);
  if (top == 0 || top > n) [[unlikely]] { // a partial slab always has a free slot
    ++stats_.corrupt_metadata;
    return nullptr;
  }
  --top;
  const std::uint32_t slot = stack_entries(st)[top];
  if (slot >= n) [[unlikely]] {
    ++stats_.corrupt_metadata;
    return nullptr;
  }
  set_stack_top(st, top);
  if (top == 0) { // the slab became full
    list_remove(lists.partial, s);
    list_push(lists.full, s);
  }
  return slab(s) + (std::uint64_t{slot} << (8 + c));
}

// Takes an empty slab from the global list for size class `c` and makes it this worker's
// partial slab.
//
// Lazy free-stack reset. rts-alloc rewrites the whole free stack on every take (top = capacity
// = n, entries[i] = n-1-i): 8192 u16 stores for a 2 MiB slab of 256-byte slots, hundreds of
// nanoseconds, paid again each time a lone allocation takes and returns a slab. A slab goes
// back to the global list only when its owner's free stack is full, i.e. {top = capacity = n,
// entries = a permutation of 0..n-1} — already a valid fully-free stack. So when this handle
// itself returned the slab (returned_full_), nobody has owned it since (assigned_worker is
// still this id; another owner would have overwritten it) and the class is the same, the
// stack is kept as it is. The file then always holds a valid free stack that any handle
// following the spec (including a Rust one joining with this id later) can use; the only
// difference from rts-alloc is the order in which slots are handed out, which no reader can
// rely on. Any doubt (another owner, another class, a stack that does not look full, or a
// slab this handle did not return) falls back to the full reset.
std::uint32_t Allocator::take_slab(std::uint32_t c) {
  const std::uint32_t s = global_pop();
  if (s == ALLOC_NULL_U32) return s;
  const std::uint32_t n = slots(c);
  std::uint16_t* st = stack(s);
  AllocSlabMeta& m = meta(s);
  const bool reuse = returned_full_[s] == c + 1 &&
                     m.assigned_worker.load(std::memory_order_relaxed) == worker_id_ &&
                     m.size_class_index.load(std::memory_order_relaxed) == c &&
                     stack_top(st) == n && st[1] == n;
  returned_full_[s] = 0;
  ledger_clear(s); // this id's own slab now: its frees are local, the ledger is moot
  m.assigned_worker.store(worker_id_, REL);
  m.size_class_index.store(c, REL);
  m.remote_free_stack_head.store(ALLOC_NULL_U16, REL);
  if (!reuse) {
    fill_descending(stack_entries(st), n);
    st[1] = static_cast<std::uint16_t>(n);
    set_stack_top(st, n);
    ++stats_.stack_resets;
  }
  list_push(my_heads_->heads[c].partial, s);
  ++stats_.slabs_taken;
  return s;
}

// ---- free ----------------------------------------------------------------------------------

void Allocator::free(void* p) {
  if (p == nullptr) return;
  const std::uint64_t rel =
      reinterpret_cast<std::uintptr_t>(p) - reinterpret_cast<std::uintptr_t>(slabs_);
  if (rel >= slab_area_) [[unlikely]] {
    ++stats_.rejected_frees;
    return;
  }
  const auto s = static_cast<std::uint32_t>(rel >> slab_shift_);
  AllocSlabMeta& m = meta(s);
  const std::uint64_t c = m.size_class_index.load(ACQ);
  if (c >= ALLOC_NUM_SIZE_CLASSES) [[unlikely]] {
    ++stats_.rejected_frees;
    return;
  }
  const auto cls = static_cast<std::uint32_t>(c);
  const auto slot = static_cast<std::uint32_t>((rel & (layout_.slab_size - 1)) >> (8 + cls));
  if (m.assigned_worker.load(ACQ) == worker_id_) {
    local_free(s, cls, slot);
  } else {
    remote_free(s, cls, slot);
  }
}

// Pushes `slot` back on this worker's slab `s`; returns true when that emptied the slab and
// sent it back to the global list.
bool Allocator::local_free(std::uint32_t s, std::uint32_t c, std::uint32_t slot) {
  std::uint16_t* st = stack(s);
  const std::uint32_t n = slots(c);
  const std::uint32_t top = stack_top(st);
  if (top >= n) [[unlikely]] { // every slot is already free: a double free
    ++stats_.rejected_frees;
    return false;
  }
  // Atomic (a plain 16-bit store on x86-64): check_reuse() of another handle may read it.
  std::atomic_ref<std::uint16_t>(stack_entries(st)[top])
      .store(static_cast<std::uint16_t>(slot), std::memory_order_relaxed);
  set_stack_top(st, top + 1);
  AllocListHeads& lists = my_heads_->heads[c];
  if (top == 0) { // was full, now partial (n >= 4, so it cannot also be empty)
    list_remove(lists.full, s);
    list_push(lists.partial, s);
  } else if (top + 1 == n) { // now empty: back to the pool
    if (keep_last_slab_ && lists.partial.load(std::memory_order_relaxed) == s &&
        node(s).worker_local_next.load(std::memory_order_relaxed) == ALLOC_NULL_U32) {
      return false; // the class's only partial slab: kept (set_keep_last_slab)
    }
    list_remove(lists.partial, s);
    returned_full_[s] = static_cast<std::uint8_t>(c + 1);
    global_push(s);
    ++stats_.slabs_returned;
    return true;
  }
  return false;
}

// Lock-free push of `slot` on slab `s`'s remote-free stack; the link lives in the first two
// bytes of the freed slot.
void Allocator::remote_free(std::uint32_t s, std::uint32_t c, std::uint32_t slot) {
  auto* first = reinterpret_cast<std::uint16_t*>(slab(s) + (std::uint64_t{slot} << (8 + c)));
  std::atomic_ref<std::uint16_t> item(*first);
  auto& head = meta(s).remote_free_stack_head;
  std::uint16_t h = head.load(ACQ);
  do {
    item.store(h, REL);
  } while (!head.compare_exchange_weak(h, static_cast<std::uint16_t>(slot), ACQ_REL, ACQ));
  ++stats_.remote_frees;
  ledger_mark(s, std::uint64_t{slot} << (8 + c));
}

bool Allocator::reserve(std::uint32_t size) {
  keep_last_slab_ = true;
  const std::uint32_t c = alloc_size_class(std::min(size, ALLOC_MAX_SIZE));
  if (my_heads_->heads[c].partial.load(ACQ) != ALLOC_NULL_U32) return true;
  // Taking a slot takes a slab; freeing it keeps the slab (the class's only partial one).
  void* p = allocate(256u << c);
  if (p == nullptr) return false;
  free(p);
  return true;
}

void Allocator::clean_remote_free_lists() {
  const std::uint32_t num = layout_.num_slabs;
  for (std::uint32_t c = 0; c < ALLOC_NUM_SIZE_CLASSES; ++c) {
    AllocListHeads& lists = my_heads_->heads[c];
    // Draining may move the current slab (full -> partial head, or partial -> global), so
    // the next link is read first; a moved slab is never revisited in this pass.
    for (std::atomic<std::uint32_t>* list : {&lists.partial, &lists.full}) {
      std::uint32_t s = list->load(ACQ);
      for (std::uint32_t steps = 0; s != ALLOC_NULL_U32; ++steps) {
        if (s >= num || steps >= num) {
          ++stats_.corrupt_metadata;
          break;
        }
        const std::uint32_t next = node(s).worker_local_next.load(ACQ);
        drain_remote(s, c);
        s = next;
      }
    }
  }
}

void Allocator::drain_remote(std::uint32_t s, std::uint32_t c) {
  auto& head = meta(s).remote_free_stack_head;
  if (head.load(std::memory_order_relaxed) == ALLOC_NULL_U16) return;
  std::uint16_t h = head.exchange(ALLOC_NULL_U16, ACQ_REL);
  const std::uint32_t n = slots(c);
  // At most the slots now allocated can have been freed remotely; a longer chain is a
  // cycle (a slot freed twice, or garbage) and is cut off there.
  const std::uint32_t budget = n - std::min(stack_top(stack(s)), n);
  for (std::uint32_t steps = 0; h != ALLOC_NULL_U16; ++steps) {
    if (h >= n || steps >= budget) [[unlikely]] {
      ++stats_.corrupt_metadata;
      return;
    }
    auto* first = reinterpret_cast<std::uint16_t*>(slab(s) + (std::uint64_t{h} << (8 + c)));
    const std::uint16_t next = std::atomic_ref<std::uint16_t>(*first).load(ACQ);
    ++stats_.remote_cleaned;
    // Once the slab is back in the global pool it is no longer ours; anything left on the
    // chain would be a double free.
    if (local_free(s, c, h)) {
      if (next != ALLOC_NULL_U16) ++stats_.corrupt_metadata;
      return;
    }
    if (next == h) [[unlikely]] { // the same slot freed twice in a row
      ++stats_.corrupt_metadata;
      return;
    }
    h = next;
  }
}

// ---- global free list (multi-writer Treiber stack of slab indices) -------------------------
// KNOWN GAP (as in rts-alloc 0.2.0): the head carries no ABA tag. If another handle pops the
// head, pops its successor and pushes the head back between our load of `next` and our CAS,
// the CAS installs a slab that is in use as the new head. The window is a few instructions
// and needs three global-list operations elsewhere inside it; the format cannot fix it.

std::uint32_t Allocator::global_pop() {
  auto& head = header_->global_free_list_head;
  std::uint32_t h = head.load(ACQ);
  for (;;) {
    if (h == ALLOC_NULL_U32) return h;
    if (h >= layout_.num_slabs) [[unlikely]] {
      ++stats_.corrupt_metadata;
      return ALLOC_NULL_U32;
    }
    const std::uint32_t next = node(h).global_next.load(ACQ);
    if (head.compare_exchange_weak(h, next, ACQ_REL, ACQ)) {
      node(h).global_next.store(ALLOC_NULL_U32, REL);
      return h;
    }
  }
}

void Allocator::global_push(std::uint32_t s) {
  auto& head = header_->global_free_list_head;
  std::uint32_t h = head.load(ACQ);
  do {
    node(s).global_next.store(h, REL);
  } while (!head.compare_exchange_weak(h, s, ACQ_REL, ACQ));
}

std::uint32_t Allocator::global_free_head() const {
  return header_ == nullptr ? ALLOC_NULL_U32 : header_->global_free_list_head.load(ACQ);
}

// ---- worker-local doubly linked lists (owner-only) -----------------------------------------

void Allocator::list_push(std::atomic<std::uint32_t>& head, std::uint32_t s) {
  const std::uint32_t h = head.load(ACQ);
  AllocListNode& ns = node(s);
  ns.worker_local_prev.store(ALLOC_NULL_U32, REL);
  ns.worker_local_next.store(h, REL);
  if (h < layout_.num_slabs) {
    node(h).worker_local_prev.store(s, REL);
  } else if (h != ALLOC_NULL_U32) [[unlikely]] {
    ++stats_.corrupt_metadata;
    ns.worker_local_next.store(ALLOC_NULL_U32, REL);
  }
  head.store(s, REL);
}

void Allocator::list_remove(std::atomic<std::uint32_t>& head, std::uint32_t s) {
  AllocListNode& ns = node(s);
  const std::uint32_t prev = ns.worker_local_prev.load(ACQ);
  std::uint32_t next = ns.worker_local_next.load(ACQ);
  const std::uint32_t num = layout_.num_slabs;
  if (next != ALLOC_NULL_U32 && next >= num) [[unlikely]] {
    ++stats_.corrupt_metadata;
    next = ALLOC_NULL_U32;
  }
  if (prev == ALLOC_NULL_U32) {
    head.store(next, REL);
  } else if (prev < num) {
    node(prev).worker_local_next.store(next, REL);
  } else [[unlikely]] {
    ++stats_.corrupt_metadata;
  }
  if (next != ALLOC_NULL_U32)
    node(next).worker_local_prev.store(prev < num ? prev : ALLOC_NULL_U32, REL);
  ns.worker_local_prev.store(ALLOC_NULL_U32, REL);
  ns.worker_local_next.store(ALLOC_NULL_U32, REL);
}

} // namespace extpack::shm
