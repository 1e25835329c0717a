// One scheduling pass: the safety checks every policy goes through; see pass.hpp.
#include "extpack/sched/pass.hpp"

#include <algorithm>
#include <cassert>

#include "extpack/sched/scheduler.hpp"

namespace extpack::sched {

SchedulePass::SchedulePass(Scheduler& s, std::vector<PlannedBatch>& out)
    : s_(s), out_(out), workers_(s.pass_workers_), open_(s.pass_open_), skipped_(s.pass_skipped_) {
  // The scratch vectors are the scheduler's and keep their capacity: no allocation per pass.
  const std::uint32_t n = s.num_workers();
  open_.assign(n, -1);
  workers_.clear();
  skipped_.clear();
  for (std::uint32_t k = 0; k < n; ++k) {
    std::uint32_t w = (k + s.rr_) % n;
    if (s.has_room(w)) workers_.push_back(w);
  }
  // Fewest batches out first, ties in rotation order (a stable insertion sort: n <= 64).
  for (std::size_t i = 1; i < workers_.size(); ++i) {
    const std::uint32_t w = workers_[i];
    std::size_t j = i;
    for (; j > 0 && s.out_[workers_[j - 1]] > s.out_[w]; --j)
      workers_[j] = workers_[j - 1];
    workers_[j] = w;
  }
}

bool SchedulePass::can_open(std::uint32_t worker) const {
  if (worker >= open_.size()) return false;
  if (open_[worker] >= 0) return true;
  std::uint32_t planned = 0;
  for (const PlannedBatch& b : out_)
    planned += b.worker == worker ? 1 : 0;
  return s_.out_[worker] + planned < s_.cfg_.max_batches_per_worker;
}

EntryId SchedulePass::next() {
  if (scanned_ >= s_.cfg_.max_scan_per_pass) return NO_ENTRY;
  EntryId id = s_.c_.pop_ready();
  if (id != NO_ENTRY) {
    ++scanned_;
    ++s_.n_.pass.examined;
  }
  return id;
}

std::size_t SchedulePass::open_size(std::uint32_t worker) const {
  return open_[worker] < 0 ? 0 : out_[static_cast<std::size_t>(open_[worker])].count;
}

const TxEntry& SchedulePass::entry(EntryId id) const {
  return s_.c_.entry(id);
}
std::uint64_t SchedulePass::available() const {
  return s_.budget_.available();
}
std::size_t SchedulePass::max_batch() const {
  return s_.cfg_.max_batch;
}
std::uint32_t SchedulePass::num_workers() const {
  return s_.num_workers();
}
std::uint64_t SchedulePass::worker_cost(std::uint32_t worker) const {
  return s_.worker_cost(worker);
}
std::uint8_t SchedulePass::slot_progress() const {
  return s_.slot_progress();
}
std::uint64_t SchedulePass::leader_slots_after() const {
  return s_.leader_slots_after();
}
std::uint64_t SchedulePass::slot() const {
  return s_.slot();
}
std::uint64_t SchedulePass::slot_used() const {
  return s_.budget_.used_this_slot();
}
std::uint64_t SchedulePass::vote_used() const {
  return s_.budget_.vote_cost();
}
const txn::BlockLimits& SchedulePass::limits() const {
  return s_.cfg_.limits;
}
const AccountState& SchedulePass::account(AccountId id) const {
  return s_.c_.accounts().state(id);
}
bool SchedulePass::lockable(EntryId id) const {
  return s_.c_.accounts().can_lock(s_.c_.entry(id));
}
std::size_t SchedulePass::ready_size() const {
  return s_.c_.ready_size();
}

Admit SchedulePass::admit(EntryId id, std::uint32_t worker) {
  TxEntry& e = s_.c_.entry(id);
  PassCounters& n = s_.n_.pass;
  assert(e.state == EntryState::Ready);
  if (e.min_alt_deactivation_slot != NO_SLOT && s_.slot() > e.min_alt_deactivation_slot) {
    ++n.alt_deactivated;
    s_.drops_.push_back(DroppedTx{s_.c_.remove(id), DropReason::AltDeactivated, 0});
    return Admit::Dropped;
  }
  bool payer_busy = false;
  if (!s_.payers_.affordable(e.payer, e.fee, payer_busy)) {
    if (payer_busy) {
      ++n.unaffordable_waiting;
      return Admit::Unaffordable;
    }
    ++n.unaffordable_dropped;
    s_.drops_.push_back(DroppedTx{s_.c_.remove(id), DropReason::Unaffordable, 0});
    return Admit::Dropped;
  }
  if (!can_open(worker)) return Admit::BatchFull;
  if (open_size(worker) >= s_.cfg_.max_batch) return Admit::BatchFull;
  switch (s_.budget_.check(e.cost, e.vote)) {
  case BudgetCheck::Fits:
    break;
  case BudgetCheck::OverBlock:
    ++n.over_block;
    return Admit::OverBlock;
  case BudgetCheck::OverVote:
    ++n.over_vote;
    return Admit::OverVote;
  case BudgetCheck::OverInFlight:
    ++n.over_inflight;
    return Admit::OverInFlight;
  }
  AccountTable& accts = s_.c_.accounts();
  if (!accts.can_lock(e)) {
    ++n.conflict;
    return Admit::Conflict;
  }
  if (!accts.write_cost_fits(e, e.cost, s_.cfg_.limits.max_writable_account_units)) {
    ++n.over_account;
    return Admit::OverAccount;
  }
  accts.lock(e);
  accts.add_write_cost(e, e.cost);
  s_.budget_.reserve(e.cost, e.vote);
  s_.worker_cost_[worker] += e.cost;
  e.state = EntryState::InFlight;
  e.payer_tracked = s_.payers_.add_in_flight(e.payer, e.fee);
  e.worker = worker;
  e.scheduled_slot = s_.slot();
  if (open_[worker] < 0) {
    out_.push_back(PlannedBatch{});
    out_.back().worker = worker;
    open_[worker] = static_cast<std::int32_t>(out_.size() - 1);
  }
  PlannedBatch& b = out_[static_cast<std::size_t>(open_[worker])];
  b.ids[b.count++] = id;
  ++n.admitted;
  return Admit::Admitted;
}

void SchedulePass::close(std::uint32_t worker) {
  if (worker < open_.size()) open_[worker] = -1;
}

void SchedulePass::finish() {
  for (EntryId id : skipped_)
    s_.c_.push_ready(id);
  skipped_.clear();
  std::fill(open_.begin(), open_.end(), -1);
}

} // namespace extpack::sched
