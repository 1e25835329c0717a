// The per-slot cost budget; see budget.hpp.
#include "extpack/sched/budget.hpp"

#include <algorithm>

namespace extpack::sched {

void SlotBudget::begin_slot(std::uint64_t slot) {
  slot_ = slot;
  reported_remaining_ = 0;
  committed_since_report_ = 0;
  in_flight_this_slot_ = 0;
  included_ = 0;
  vote_cost_ = 0;
  rebated_ = 0;
  block_full_ = false;
}

void SlotBudget::on_progress(std::uint64_t remaining_cost_units) {
  reported_remaining_ = std::min(remaining_cost_units, limits_.max_block_units);
  committed_since_report_ = 0;
}

std::uint64_t SlotBudget::available() const {
  if (block_full_) return 0;
  auto sat_sub = [](std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; };
  // Agave's view: everything in flight (from any slot) may still land in this bank.
  std::uint64_t agave = sat_sub(sat_sub(reported_remaining_, committed_since_report_), in_flight_);
  std::uint64_t own = sat_sub(limits_.max_block_units, included_ + in_flight_this_slot_);
  std::uint64_t avail = std::min(agave, own);
  if (max_inflight_ != 0) avail = std::min(avail, sat_sub(max_inflight_, in_flight_));
  return avail;
}

BudgetCheck SlotBudget::check(std::uint64_t cost, bool vote) const {
  if (max_inflight_ != 0 && in_flight_ + cost > max_inflight_) return BudgetCheck::OverInFlight;
  if (cost > available()) return BudgetCheck::OverBlock;
  if (vote && vote_cost_ + cost > limits_.max_vote_units) return BudgetCheck::OverVote;
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
  committed_since_report_ += actual;
  if (vote) vote_cost_ += actual;
  if (actual < estimate) rebated_ += estimate - actual;
}

void SlotBudget::settle_stale(std::uint64_t estimate) {
  in_flight_ -= std::min(in_flight_, estimate);
}

} // namespace extpack::sched
