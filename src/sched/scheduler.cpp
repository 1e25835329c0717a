// The scheduling state machine; see scheduler.hpp.
#include "extpack/sched/scheduler.hpp"

#include <algorithm>
#include <cassert>

namespace extpack::sched {

Scheduler::Scheduler(const SchedConfig& cfg, std::unique_ptr<Policy> policy,
                     std::uint32_t num_workers)
    : cfg_(cfg), policy_(std::move(policy)), c_(cfg.capacity),
      budget_(cfg.limits, cfg.max_inflight_cost),
      // Several payers per transaction pack can hold in flight, and never more than the
      // container holds (capped: 2^17 ways of 64 bytes, 8 MiB).
      payers_(std::clamp<std::size_t>(cfg.capacity, 4096, std::size_t{1} << 17)),
      out_(num_workers, 0), disabled_(num_workers, false), worker_cost_(num_workers, 0) {
  cfg_.max_batch = std::clamp<std::size_t>(cfg_.max_batch, 1, abi::MAX_TRANSACTIONS_PER_MESSAGE);
  blockhash_seen_.reserve(MAX_TRACKED_BLOCKHASHES);
  if (cfg_.max_batches_per_worker == 0) cfg_.max_batches_per_worker = 1;
  pass_workers_.reserve(num_workers);
  pass_open_.reserve(num_workers);
  pass_skipped_.reserve(cfg_.max_scan_per_pass);
  drops_.reserve(cfg_.max_batch * 2);
}

Admission Scheduler::insert(NewTx tx) {
  Admission a;
  const txn::BlockLimits& L = cfg_.limits;
  if (tx.locks.size() > txn::MAX_TX_ACCOUNT_LOCKS) {
    a.reason = DropReason::LockError;
    a.detail = static_cast<std::uint8_t>(txn::LockError::TooManyAccountLocks);
    return a;
  }
  if (tx.cost > L.max_block_units) {
    a.reason = DropReason::CostExceedsBlockLimit;
    return a;
  }
  // The fee payer is always write-locked, so every transaction charges some account.
  if (tx.cost > L.max_writable_account_units) {
    a.reason = DropReason::CostExceedsAccountLimit;
    return a;
  }
  if (tx.vote && tx.cost > L.max_vote_units) {
    a.reason = DropReason::CostExceedsVoteLimit;
    return a;
  }
  tx.rank = policy_->rank(tx);
  InsertResult r = c_.insert(tx);
  if (r.evicted) drops_.push_back(DroppedTx{*r.evicted, DropReason::Evicted, 0});
  if (r.status != InsertStatus::Duplicate) policy_->arrived(tx);
  switch (r.status) {
  case InsertStatus::Duplicate:
    a.reason = DropReason::Duplicate;
    return a;
  case InsertStatus::Full:
    a.reason = DropReason::ContainerFull;
    return a;
  case InsertStatus::Inserted:
    break;
  }
  TxEntry& e = c_.entry(r.id);
  if (const std::uint64_t now = budget_.slot(); now != NO_SLOT) {
    // The blockhash is at least as old as the first slot pack saw it in. The table is
    // bounded (blockhashes come from senders: made-up ones must not grow it); once full, a
    // new blockhash is dated by this arrival, as if first seen now.
    std::uint64_t seen = now;
    if (auto it = blockhash_seen_.find(tx.blockhash); it != blockhash_seen_.end()) {
      seen = it->second;
    } else if (blockhash_seen_.size() < MAX_TRACKED_BLOCKHASHES) {
      blockhash_seen_.emplace(tx.blockhash, now);
    } else {
      ++n_.blockhashes_untracked;
    }
    e.expires_after = seen + cfg_.blockhash_expiry_slots;
  } else {
    e.expires_after = NO_SLOT; // dated at the first slot change (expire())
  }
  e.fee = tx.fee;
  e.arrival_ns = tx.arrival_ns;
  e.payer = tx.payer;
  e.payer_tracked = false;
  ++n_.inserted;
  a.accepted = true;
  a.id = r.id;
  return a;
}

void Scheduler::on_progress(std::uint64_t slot, bool leader, std::uint64_t remaining_cost_units,
                            std::uint8_t progress_pct, std::uint64_t next_leader_slot,
                            std::uint64_t leader_range_end) {
  const std::uint8_t pct = progress_pct <= 100 ? progress_pct : UNKNOWN_PROGRESS;
  if (slot != budget_.slot()) {
    const bool first = budget_.slot() == NO_SLOT;
    // A validator that left a whole leader slot at 0 % does not fill in the field: from
    // then on the progress is unknown (whole budget released) until a report moves it.
    if (!first && leader_ && max_pct_in_slot_ == 0) progress_silent_ = true;
    max_pct_in_slot_ = 0;
    expire(slot, first);
    budget_.begin_slot(slot);
    c_.accounts().reset_slot();
    ++n_.slots;
  }
  if (pct != UNKNOWN_PROGRESS && pct > max_pct_in_slot_) max_pct_in_slot_ = pct;
  if (pct != UNKNOWN_PROGRESS && pct > 0) progress_silent_ = false;
  progress_pct_ = progress_silent_ && pct == 0 ? UNKNOWN_PROGRESS : pct;
  leader_ = leader;
  if (leader) budget_.on_progress(remaining_cost_units);
  // The window goes on only if the next leader slot is the next slot; a next leader slot
  // further away makes this the window's last slot. No next leader slot, one not after
  // this slot, or an inconsistent range (the runtime rejects those before they get here)
  // read as unknown, and policies then plan the slot as one that is followed.
  if (next_leader_slot == NO_SLOT || next_leader_slot <= slot) {
    leader_slots_after_ = UNKNOWN_WINDOW;
  } else if (next_leader_slot > slot + 1) {
    leader_slots_after_ = 0;
  } else if (leader_range_end == NO_SLOT || leader_range_end < next_leader_slot) {
    leader_slots_after_ = UNKNOWN_WINDOW;
  } else {
    leader_slots_after_ = leader_range_end - slot;
  }
}

void Scheduler::schedule(std::vector<PlannedBatch>& out) {
  if (!leader_ || c_.ready_size() == 0 || budget_.available() == 0) return;
  SchedulePass pass(*this, out);
  if (pass.workers().empty()) return;
  ++n_.pass.passes;
  const std::size_t before = out.size();
  policy_->schedule(pass);
  pass.finish();
  for (std::size_t i = before; i < out.size(); ++i) {
    ++out_[out[i].worker];
    ++n_.execution_batches;
    n_.scheduled += out[i].count;
  }
  ++rr_;
}

bool Scheduler::take_unresolved(std::uint32_t worker, PlannedBatch& b) {
  if (worker >= out_.size() || !has_room(worker) || c_.unresolved_size() == 0) return false;
  b.worker = worker;
  b.count = 0;
  while (b.count < cfg_.max_batch) {
    EntryId id = c_.pop_unresolved();
    if (id == NO_ENTRY) break;
    TxEntry& e = c_.entry(id);
    e.state = EntryState::Resolving;
    e.worker = worker;
    b.ids[b.count++] = id;
  }
  ++out_[worker];
  ++n_.resolve_batches;
  n_.sent_to_resolve += b.count;
  return true;
}

void Scheduler::abort_batch(const PlannedBatch& b, bool resolve) {
  for (EntryId id : b.entries()) {
    TxEntry& e = c_.entry(id);
    if (resolve) {
      c_.push_unresolved(id);
    } else {
      release_in_flight(e);
      c_.push_ready(id);
    }
  }
  if (out_[b.worker] > 0) --out_[b.worker];
  if (resolve) {
    --n_.resolve_batches;
    n_.sent_to_resolve -= b.count;
  } else {
    --n_.execution_batches;
    n_.scheduled -= b.count;
  }
  ++n_.aborted_batches;
}

void Scheduler::batch_done(std::uint32_t worker) {
  if (worker < out_.size() && out_[worker] > 0) --out_[worker];
}

void Scheduler::unlock_in_flight(TxEntry& e, const std::uint64_t* payer_balance) {
  c_.accounts().unlock(e);
  if (e.payer_tracked) payers_.release(e.payer, e.fee, payer_balance);
  e.payer_tracked = false;
  worker_cost_[e.worker] -= std::min(worker_cost_[e.worker], e.cost);
}

void Scheduler::release_in_flight(TxEntry& e) {
  assert(e.state == EntryState::InFlight);
  unlock_in_flight(e, nullptr);
  if (e.scheduled_slot == budget_.slot()) {
    budget_.settle(e.cost, e.vote, false, 0);
    c_.accounts().sub_write_cost(e, e.cost);
  } else {
    budget_.settle_stale(e.cost);
  }
  e.scheduled_slot = NO_SLOT;
}

TxRef Scheduler::included(EntryId id, std::uint64_t actual_cost,
                          std::optional<std::uint64_t> payer_balance) {
  TxEntry& e = c_.entry(id);
  assert(e.state == EntryState::InFlight);
  if (actual_cost > e.cost) {
    ++n_.actual_above_estimate;
    actual_cost = e.cost;
  }
  unlock_in_flight(e, payer_balance ? &*payer_balance : nullptr);
  if (e.scheduled_slot == budget_.slot()) {
    budget_.settle(e.cost, e.vote, true, actual_cost);
    c_.accounts().sub_write_cost(e, e.cost);
    c_.accounts().add_write_cost(e, actual_cost);
  } else {
    budget_.settle_stale(e.cost);
  }
  ++n_.included;
  n_.included_cost += actual_cost;
  n_.fees_captured += e.reward;
  return c_.remove(id);
}

void Scheduler::retry(EntryId id, RetryHint hint) {
  TxEntry& e = c_.entry(id);
  const bool this_slot = e.scheduled_slot == budget_.slot();
  release_in_flight(e);
  if (this_slot) {
    switch (hint) {
    case RetryHint::BlockFull:
      budget_.mark_block_full();
      break;
    case RetryHint::AccountFull:
      c_.accounts().saturate_write_cost(e, cfg_.limits.max_writable_account_units);
      break;
    case RetryHint::VoteFull:
      budget_.mark_votes_full();
      break;
    case RetryHint::Plain:
      break;
    }
  }
  ++n_.retried;
  if (++e.attempts >= cfg_.max_attempts) {
    drops_.push_back(DroppedTx{c_.remove(id), DropReason::RetryLimit, 0});
    return;
  }
  c_.push_ready(id);
}

void Scheduler::drop(EntryId id, DropReason reason, std::uint8_t detail) {
  TxEntry& e = c_.entry(id);
  if (e.state == EntryState::InFlight) release_in_flight(e);
  drops_.push_back(DroppedTx{c_.remove(id), reason, detail});
}

void Scheduler::resolved(EntryId id, std::span<const txn::AccountLock> locks,
                         std::uint64_t min_alt_deactivation_slot) {
  TxEntry& e = c_.entry(id);
  assert(e.state == EntryState::Resolving);
  c_.set_accounts(id, locks);
  e.min_alt_deactivation_slot = min_alt_deactivation_slot;
  ++n_.resolved;
  c_.push_ready(id);
}

void Scheduler::resolve_retry(EntryId id) {
  TxEntry& e = c_.entry(id);
  ++n_.retried;
  if (++e.attempts >= cfg_.max_attempts) {
    drops_.push_back(DroppedTx{c_.remove(id), DropReason::RetryLimit, 0});
    return;
  }
  c_.push_unresolved(id);
}

void Scheduler::expire(std::uint64_t slot, bool first_slot) {
  std::vector<EntryId> old; // rare: only what aged out since the last slot change
  c_.for_each([&](EntryId id) {
    TxEntry& e = c_.entry(id);
    if (first_slot && e.expires_after == NO_SLOT)
      e.expires_after = slot + cfg_.blockhash_expiry_slots;
    const bool queued = e.state == EntryState::Ready || e.state == EntryState::Unresolved;
    if (queued && e.expires_after < slot) old.push_back(id);
  });
  for (EntryId id : old)
    drop(id, DropReason::Expired);
  n_.expired += old.size();
  // Keep a blockhash twice its lifetime, so a late copy of an old transaction is still
  // dated by when pack first saw its blockhash rather than by its own arrival.
  std::erase_if(blockhash_seen_,
                [&](const auto& kv) { return kv.second + 2 * cfg_.blockhash_expiry_slots < slot; });
}

void Scheduler::drop_queued(DropReason reason) {
  std::vector<EntryId> queued;
  c_.for_each([&](EntryId id) {
    EntryState s = c_.entry(id).state;
    if (s == EntryState::Ready || s == EntryState::Unresolved) queued.push_back(id);
  });
  for (EntryId id : queued)
    drop(id, reason);
}

} // namespace extpack::sched
