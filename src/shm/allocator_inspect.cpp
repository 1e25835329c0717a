// Read-only views of an rts-alloc file: validating untrusted (offset, length) pairs from a
// peer, and counting what each worker id holds. Everything read here may be garbage written
// by a misbehaving peer: indices are range-checked and every walk is bounded.
#include <algorithm>
#include <atomic>

#include "extpack/shm/allocator.hpp"

namespace extpack::shm {

Result<void> Allocator::check_region(std::uint64_t offset, std::uint64_t length) const {
  if (!valid()) return make_error("allocator handle is not mapped");
  const std::uint64_t lo = layout_.slabs_offset;
  const std::uint64_t hi = lo + slab_area_;
  if (offset < lo || offset >= hi) {
    return make_error("region offset {} is outside the slab area [{}, {})", offset, lo, hi);
  }
  const std::uint64_t rel = offset - lo;
  const auto s = static_cast<std::uint32_t>(rel >> slab_shift_);
  const std::uint64_t within = rel & (layout_.slab_size - 1);
  const AllocSlabMeta& m = metas_[s];
  const std::uint32_t w = m.assigned_worker.load(std::memory_order_acquire);
  if (w >= layout_.num_workers) {
    return make_error("region offset {} is in slab {}, which is not assigned to a worker "
                      "(assigned_worker {}, num_workers {})",
                      offset, s, w, layout_.num_workers);
  }
  const std::uint64_t c = m.size_class_index.load(std::memory_order_acquire);
  if (c >= ALLOC_NUM_SIZE_CLASSES) {
    return make_error("region offset {} is in slab {} whose size class index is {} (valid: 0..4)",
                      offset, s, c);
  }
  const std::uint32_t slot_size = ALLOC_SIZE_CLASSES[c];
  if (within % slot_size != 0) {
    return make_error("region offset {} is {} bytes into a {}-byte slot of slab {}, not at a "
                      "slot start",
                      offset, within % slot_size, slot_size, s);
  }
  if (length > slot_size) {
    return make_error("region length {} at offset {} does not fit in its {}-byte slot", length,
                      offset, slot_size);
  }
  return {};
}

// A concurrently running owner (another process allocating and freeing in the same slab)
// can move slots while this walks. The remote-free chain is read before the free stack, so
// a slot that a drain moves from the chain to the stack during the check is normally still
// seen in one of them; a slot pushed on the stack after `top` was read is missed. The only
// slots that can be missed are being freed *during* the check, i.e. the peer freed (again)
// memory it handed over; and a slot still seen as free that the owner has just allocated can
// only be one the peer did not hand over. So a peer that follows the protocol never has a
// live array refused, and a racing misbehaving peer can at worst corrupt its own slab's
// free stack (the double free lands on the owner's remote-free stack), never pack's. Reads
// of the owner-only stack rely on x86-64 store order, as usage() does.
SlotStatus Allocator::slot_status(std::uint64_t offset, bool find_free) const {
  SlotStatus st;
  if (!valid() || offset < layout_.slabs_offset) return st;
  const std::uint64_t rel = offset - layout_.slabs_offset;
  if (rel >= slab_area_) return st;
  const auto s = static_cast<std::uint32_t>(rel >> slab_shift_);
  const AllocSlabMeta& m = metas_[s];
  st.owner = m.assigned_worker.load(std::memory_order_acquire);
  const std::uint64_t c = m.size_class_index.load(std::memory_order_acquire);
  if (c >= ALLOC_NUM_SIZE_CLASSES || !find_free) return st;
  const std::uint32_t n = slots(static_cast<std::uint32_t>(c));
  const auto slot = static_cast<std::uint32_t>((rel & (layout_.slab_size - 1)) >> (8 + c));
  std::uint16_t h = m.remote_free_stack_head.load(std::memory_order_acquire);
  for (std::uint32_t k = 0; h < n && k < n; ++k) {
    if (h == slot) {
      st.free = true;
      return st;
    }
    auto* first = reinterpret_cast<std::uint16_t*>(slab(s) + (std::uint64_t{h} << (8 + c)));
    h = std::atomic_ref<std::uint16_t>(*first).load(std::memory_order_acquire);
  }
  std::uint16_t* stk = stack(s);
  const std::uint32_t top = std::min<std::uint32_t>(
      std::atomic_ref<std::uint16_t>(stk[0]).load(std::memory_order_acquire), n);
  const std::uint16_t* entries = stk + ALLOC_FREE_STACK_ENTRIES_OFFSET / sizeof(std::uint16_t);
  for (std::uint32_t i = 0; i < top; ++i) {
    if (entries[i] == slot) {
      st.free = true;
      return st;
    }
  }
  return st;
}

WorkerUsage Allocator::usage(std::uint32_t worker) const {
  WorkerUsage u;
  if (!valid() || worker >= layout_.num_workers) return u;
  const auto* heads =
      reinterpret_cast<const AllocWorkerHeads*>(map_.data() + sizeof(AllocHeader)) + worker;
  const std::uint32_t num = layout_.num_slabs;
  for (std::uint32_t c = 0; c < ALLOC_NUM_SIZE_CLASSES; ++c) {
    const std::uint32_t n = slots(c);
    for (const std::atomic<std::uint32_t>* list :
         {&heads->heads[c].partial, &heads->heads[c].full}) {
      std::uint32_t s = list->load(std::memory_order_acquire);
      for (std::uint32_t steps = 0; s < num && steps < num; ++steps) {
        ++u.slabs;
        std::uint16_t* st = stack(s);
        std::uint32_t free_slots =
            std::atomic_ref<std::uint16_t>(st[0]).load(std::memory_order_relaxed);
        // Remote frees not yet cleaned are free too; walk that stack, bounded by n.
        std::uint16_t h = metas_[s].remote_free_stack_head.load(std::memory_order_acquire);
        for (std::uint32_t k = 0; h < n && k < n; ++k) {
          ++free_slots;
          auto* first = reinterpret_cast<std::uint16_t*>(slab(s) + (std::uint64_t{h} << (8 + c)));
          h = std::atomic_ref<std::uint16_t>(*first).load(std::memory_order_acquire);
        }
        u.allocations += n - std::min(free_slots, n);
        s = nodes_[s].worker_local_next.load(std::memory_order_acquire);
      }
    }
  }
  return u;
}

std::vector<WorkerUsage> Allocator::usage_all() const {
  std::vector<WorkerUsage> out(layout_.num_workers);
  for (std::uint32_t w = 0; w < layout_.num_workers; ++w)
    out[w] = usage(w);
  return out;
}

} // namespace extpack::shm
