// tpu_to_pack handling: validate, take ownership, analyse, insert or drop.
#include <cstring>

#include <spdlog/spdlog.h>

#include "extpack/pack/runtime.hpp"
#include "extpack/pack/validate.hpp"
#include "extpack/txn/account_locks.hpp"
#include "extpack/txn/analyze.hpp"

namespace extpack::pack {

std::size_t PackRuntime::ingest(std::uint32_t limit, bool shutting_down) {
  if (tpu_dead_) return 0;
  auto& q = s_.tpu_to_pack;
  q.sync();
  if (q.corrupt()) {
    tpu_dead_ = true;
    stats_.reject(Reject::QueueCorrupt);
    spdlog::error("tpu_to_pack queue corrupt; pack stops reading it");
    return 1;
  }
  std::size_t n = 0;
  while (n < limit) {
    const abi::TpuToPackMessage* p = q.try_read();
    if (p == nullptr) break;
    abi::TpuToPackMessage m;
    std::memcpy(&m, p, sizeof m);
    ++n;
    ++stats_.tpu_messages;
    ingest_one(m, shutting_down);
  }
  q.finalize();
  return n;
}

void PackRuntime::ingest_one(const abi::TpuToPackMessage& m, bool shutting_down) {
  const std::uint64_t off = m.transaction.offset;
  Reject r = check_tpu_region(m.transaction, alloc_);
  if (r == Reject::None && owned_.contains(off)) r = Reject::TpuRegionAlreadyOwned;
  // Pack's own slabs hold only batch arrays, all in owned_: any other slot there is free.
  if (r == Reject::None && alloc_.slot_status(off, false).owner == alloc_.worker_id()) {
    r = Reject::TpuRegionFree;
  }
  // Another id's slot that pack freed and that is still free (a transaction sent again):
  // the allocator's remote-free ledger answers with one bit test unless pack freed this
  // slot before; then one audit of the slab settles it and every other slot the owner has
  // re-allocated since (allocator_inspect.cpp has the design, its cost and its limits).
  if (r == Reject::None && alloc_.check_reuse(off) == shm::ReuseCheck::StillFree) {
    r = Reject::TpuRegionFreed;
    if (stats_.reject_count(r) < 10) {
      spdlog::warn("tpu message names a slot pack already freed and still free: offset {} "
                   "length {} ({} slab audits, {} slots found re-allocated so far)",
                   off, m.transaction.length, alloc_.stats().reuse_audits,
                   alloc_.stats().reuse_cleared);
    }
  }
  if (r != Reject::None) {
    // Not provably pack's: count it and leave the memory alone.
    stats_.reject(r);
    spdlog::debug("tpu message rejected: {} (offset {} length {})", to_string(r), off,
                  m.transaction.length);
    return;
  }
  // From here on pack owns the bytes and must free them exactly once.
  ++stats_.received;
  owned_.insert(off);
  auto drop_now = [&](sched::DropReason reason, std::uint8_t detail) {
    free_owned(off);
    stats_.drop(reason, detail);
  };
  if (shutting_down) return drop_now(sched::DropReason::DrainedAtShutdown, 0);
  if ((m.flags & ~abi::tpu_message_flags::ALL) != 0) {
    stats_.reject(Reject::TpuBadFlags);
    return drop_now(sched::DropReason::InvalidTpuFlags, 0);
  }
  std::span<const std::uint8_t> bytes(alloc_.ptr_from_offset(off), m.transaction.length);
  txn::Analysis a;
  switch (txn::analyze(bytes, a)) {
  case txn::AnalyzeStatus::Ok:
    break;
  case txn::AnalyzeStatus::ParseFailed:
    return drop_now(sched::DropReason::ParseFailed, static_cast<std::uint8_t>(a.parse_error));
  case txn::AnalyzeStatus::SanitizeFailed:
    return drop_now(sched::DropReason::SanitizeFailed, static_cast<std::uint8_t>(a.sanitize_error));
  case txn::AnalyzeStatus::ComputeBudgetFailed:
    return drop_now(sched::DropReason::ComputeBudgetFailed,
                    static_cast<std::uint8_t>(a.budget_error));
  }
  sched::NewTx tx;
  tx.ref = sched::TxRef{off, m.transaction.length};
  tx.priority = a.priority;
  tx.reward = a.reward;
  tx.cost = a.cost.sum();
  tx.signature = a.view.signature(0);
  tx.fee = a.fees.total();
  tx.payer = a.view.fee_payer();
  tx.blockhash = a.view.recent_blockhash();
  tx.arrival_ns = ingest_began_ns_;
  tx.vote = a.cost.simple_vote;
  txn::AccountLocks locks;
  if (a.view.num_lookups() > 0) {
    // Loaded accounts are unknown until a RESOLVE answers; locks are taken then.
    tx.needs_resolve = true;
    tx.loaded_writable = static_cast<std::uint16_t>(a.view.num_loaded_writable());
    tx.loaded_readonly = static_cast<std::uint16_t>(a.view.num_loaded_readonly());
  } else {
    txn::LockError le = txn::collect_account_locks(a.view, {}, {}, locks);
    if (le != txn::LockError::Ok) {
      return drop_now(sched::DropReason::LockError, static_cast<std::uint8_t>(le));
    }
    tx.locks = locks.view();
  }
  sched::Admission adm = sched_.insert(tx);
  if (!adm.accepted) drop_now(adm.reason, adm.detail);
  flush_drops(); // evictions made room for this one
}

} // namespace extpack::pack
