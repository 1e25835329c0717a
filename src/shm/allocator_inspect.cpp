// Read-only views of an rts-alloc file: validating untrusted (offset, length) pairs from a
// peer, finding slots a peer hands over again after this handle freed them (the remote-free
// ledger, at the end), and counting what each worker id holds. Everything read here may be
// garbage written by a misbehaving peer: indices are range-checked and every walk is bounded.
#include <algorithm>
#include <atomic>
#include <bit>

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


// ---- remote-free ledger ---------------------------------------------------------------------
//
// The problem: a peer that hands over a slot this handle has already freed (a transaction
// sent a second time) would make the receiver free it again. The allocator cannot see that
// at free time: rts-alloc keeps no per-slot state, a slot is free exactly when it is on its
// slab's remote-free chain or in the owner's free stack, and finding it there reads up to
// every slot of the slab (8192 for 256-byte slots of a 2 MiB slab): microseconds, too much
// for every transaction.
//
// The design: every remote free sets a ledger bit, so the bit test rules out at once every
// slot this handle never freed (or has seen allocated since). A set bit is not proof of a
// double free: in steady state the owner drains its remote-free stack and re-allocates the
// slots the receiver freed, so most arriving transactions name a slot with a bit. Those are
// settled per slab, not per slot: one audit walks the chain and the free stack once, builds
// the set of free slots and clears every ledger bit of the slab whose slot is allocated
// now. Everything the owner re-allocated before the audit — every message already queued —
// then passes with the bit test, so under load the audit is paid about once per slab per
// batch of messages read, and a bit that survives an audit is a slot that is free: the
// message names freed memory and is refused.
//
// Bounds: the chain walk stops after `slots` links or at the first index >= slots (a longer
// chain has a cycle, and `slots` steps have then visited every slot reachable); the stack
// scan reads at most `slots` entries. Indices are checked before use and the class is read
// once, so every address lies in the slab or its free stack whatever the owner writes. A
// peer that builds a long cyclic chain can make each audit cost O(slots), never more.
//
// A concurrently running owner. Shared words are read through atomics (the owner writes
// head and links atomically; `top` and the entries are owner-only words that this
// allocator stores atomically and rts-alloc with plain 16-bit moves, which x86-64 keeps in
// program order). A slot that stays free through the whole audit is found unless the
// owner's drain moves it from the chain to the stack during the audit: the drain detaches
// the whole chain with one swap and pushes its slots one by one, so a detached slot can be
// in neither place when read. If the chain head changed while auditing, the audit runs a
// second time; if the chain moves again, the result stands. The slot missed that way is one
// the owner is draining right then; only an owner that also re-sends that very slot at that
// moment gets a double free, and it lands on the owner's own slab. A slot that is
// allocated is never reported free by a stable audit, so a well-behaved owner never has a
// transaction refused. Not covered: a slot whose last free was by its owner (allocated and
// freed again without being handed over) — the receiver never freed it, so the ledger has
// no entry; rts-alloc has no per-slot state to tell it from an allocation.

void Allocator::ledger_mark(std::uint32_t s, std::uint64_t within) {
  std::uint64_t* blk = ledger_of(s);
  const std::uint64_t u = within >> 8;
  blk[u / 64] |= std::uint64_t{1} << (u % 64);
}

bool Allocator::ledger_has(std::uint64_t offset) const {
  if (!valid() || offset < layout_.slabs_offset) return false;
  const std::uint64_t rel = offset - layout_.slabs_offset;
  if (rel >= slab_area_) return false;
  const auto s = static_cast<std::uint32_t>(rel >> slab_shift_);
  const std::uint64_t u = (rel & (layout_.slab_size - 1)) >> 8;
  return ((ledger_[s * ledger_words_ + u / 64] >> (u % 64)) & 1) != 0;
}

ReuseCheck Allocator::check_reuse(std::uint64_t offset) {
  if (!ledger_has(offset)) return ReuseCheck::NotFreedHere;
  const std::uint64_t rel = offset - layout_.slabs_offset;
  const auto s = static_cast<std::uint32_t>(rel >> slab_shift_);
  audit_slab(s);
  return ledger_has(offset) ? ReuseCheck::StillFree : ReuseCheck::Reallocated;
}

void Allocator::audit_slab(std::uint32_t s) {
  std::uint64_t* blk = ledger_of(s);
  const AllocSlabMeta& m = metas_[s];
  if (m.assigned_worker.load(std::memory_order_acquire) == worker_id_) {
    ledger_clear(s); // ours now (taken after we freed into it): frees are local
    return;
  }
  const std::uint64_t cls = m.size_class_index.load(std::memory_order_acquire);
  if (cls >= ALLOC_NUM_SIZE_CLASSES) {
    ++stats_.corrupt_metadata; // cannot tell free from allocated: keep every entry
    return;
  }
  const auto c = static_cast<std::uint32_t>(cls);
  const std::uint32_t n = slots(c);
  const std::uint32_t words = (n + 63) / 64;
  ++stats_.reuse_audits;
  std::uint64_t reads = 0;
  auto scan = [&] {
    audit_free_.assign(words, 0);
    std::uint64_t* fr = audit_free_.data();
    auto& head = metas_[s].remote_free_stack_head;
    const std::uint16_t h0 = head.load(std::memory_order_acquire);
    std::uint32_t h = h0;
    for (std::uint32_t k = 0; h < n && k < n; ++k, ++reads) {
      fr[h / 64] |= std::uint64_t{1} << (h % 64);
      auto* first = reinterpret_cast<std::uint16_t*>(slab(s) + (std::uint64_t{h} << (8 + c)));
      h = std::atomic_ref<std::uint16_t>(*first).load(std::memory_order_acquire);
    }
    std::uint16_t* stk = stack(s);
    const std::uint32_t top = std::min<std::uint32_t>(
        std::atomic_ref<std::uint16_t>(stk[0]).load(std::memory_order_acquire), n);
    std::uint16_t* entries = stk + ALLOC_FREE_STACK_ENTRIES_OFFSET / sizeof(std::uint16_t);
    for (std::uint32_t i = 0; i < top; ++i) {
      const std::uint32_t e =
          std::atomic_ref<std::uint16_t>(entries[i]).load(std::memory_order_relaxed);
      if (e < n) fr[e / 64] |= std::uint64_t{1} << (e % 64);
    }
    reads += top;
    // Stable unless a drain (or a push) moved the chain while it was read.
    return h0 == ALLOC_NULL_U16 || head.load(std::memory_order_acquire) == h0;
  };
  if (!scan()) (void)scan();
  stats_.reuse_audit_reads += reads;
  // Keep a ledger bit only where a slot of the current class starts and that slot is free.
  const std::uint64_t units = std::uint64_t{layout_.slab_size} >> 8;
  const std::uint64_t unit_mask = (std::uint64_t{1} << c) - 1;
  const std::uint64_t* fr = audit_free_.data();
  for (std::uint64_t w = 0; w < (units + 63) / 64; ++w) {
    std::uint64_t bits = blk[w];
    std::uint64_t keep = 0;
    while (bits != 0) {
      const auto b = static_cast<std::uint32_t>(std::countr_zero(bits));
      bits &= bits - 1;
      const std::uint64_t u = w * 64 + b;
      const std::uint64_t slot = u >> c;
      if ((u & unit_mask) == 0 && slot < n && ((fr[slot / 64] >> (slot % 64)) & 1) != 0) {
        keep |= std::uint64_t{1} << b;
      } else {
        ++stats_.reuse_cleared;
      }
    }
    blk[w] = keep;
  }
}

} // namespace extpack::shm
