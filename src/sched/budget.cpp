// The per-slot cost budget; see budget.hpp.
#include "extpack/sched/budget.hpp"

#include <algorithm>

namespace extpack::sched {

void SlotBudget::begin_slot(std::uint64_t slot) {
  slot_ = slot;
  reported_ = false;
  unexplained_ = 0;
  in_flight_this_slot_ = 0;
  included_ = 0;
  vote_cost_ = 0;
  rebated_ = 0;
  block_full_ = false;
  votes_full_ = false;
}

void SlotBudget::on_progress(std::uint64_t remaining_cost_units) {
  // What the bank has committed beyond everything pack sent this slot, included (at the
  // actual cost) or still in flight (at the estimate): cost from elsewhere, or executions
  // above their estimates. Batches the bank committed before the report whose responses
  // pack has not read yet are in flight, so they are not counted twice. Cost never leaves
  // a bank, so the figure only grows within a slot: a later report taken while more is in
  // flight cannot hide what an earlier one showed.
  const std::uint64_t remaining = std::min(remaining_cost_units, limits_.max_block_units);
  const std::uint64_t bank_used = limits_.max_block_units - remaining;
  const std::uint64_t known = included_ + in_flight_this_slot_;
  if (bank_used > known) unexplained_ = std::max(unexplained_, bank_used - known);
  reported_ = true;
}

std::uint64_t SlotBudget::available() const {
  if (block_full_ || !reported_) return 0;
  auto sat_sub = [](std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; };
  // Everything in flight counts, from any slot: it may still land in this bank.
  const std::uint64_t charged = included_ + unexplained_;
  std::uint64_t avail = sat_sub(sat_sub(limits_.max_block_units, charged), in_flight_);
  if (max_inflight_ != 0) avail = std::min(avail, sat_sub(max_inflight_, in_flight_));
  return avail;
}

BudgetCheck SlotBudget::check(std::uint64_t cost, bool vote) const {
  if (max_inflight_ != 0 && in_flight_ + cost > max_inflight_) return BudgetCheck::OverInFlight;
  if (cost > available()) return BudgetCheck::OverBlock;
  if (vote && vote_cost() + cost > limits_.max_vote_units) return BudgetCheck::OverVote;
  return BudgetCheck::Fits;
}

void SlotBudget::reserve(std::uint64_t cost, bool vote) {
  in_flight_ += cost;
  in_flight_this_slot_ += cost;
  if (vote) vote_cost_ += cost;
}

void SlotBudget::settle(std::uint64_t estimate, bool vote, bool included, std::uint64_t actual) {
  in_flight_ -= std::min(in_flight_, estimate);
  in_flight_this_slot_ -= std::min(in_flight_this_slot_, estimate);
  if (vote) vote_cost_ -= std::min(vote_cost_, estimate);
  if (!included) return;
  included_ += actual;
  if (vote) vote_cost_ += actual;
  if (actual < estimate) rebated_ += estimate - actual;
}

void SlotBudget::settle_stale(std::uint64_t estimate) {
  in_flight_ -= std::min(in_flight_, estimate);
}

} // namespace extpack::sched
