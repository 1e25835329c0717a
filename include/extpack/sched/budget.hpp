// SlotBudget: how many cost units pack may still send in the current leader slot.
//
// Two views are combined and the smaller wins:
//  * Agave's: ProgressMessage::remaining_cost_units (block limit minus what the bank has
//    committed) as of the latest progress message, minus what pack has since seen
//    committed in responses, minus what is in flight;
//  * pack's own: BlockLimits::max_block_units minus what pack sent this slot that was
//    included (at actual cost) or is still in flight (at estimated cost).
// Votes are also held to max_vote_units. Included transactions are charged their actual
// cost from the response, so unused estimated CUs are rebated at once (over-reservation
// until commit is the failure mode agave #3528 describes).
//
// Shortcoming: a response processed just before a progress message may already be in
// remaining_cost_units and is subtracted again until the next message; that errs on the
// side of sending less, never more.
#pragma once

#include <cstdint>

#include "extpack/sched/types.hpp"
#include "extpack/txn/cost_model.hpp"

namespace extpack::sched {

enum class BudgetCheck : std::uint8_t {
  Fits = 0,
  OverBlock,    ///< the slot budget (either view) cannot take this cost now
  OverVote,     ///< the vote limit cannot take this vote now
  OverInFlight, ///< the configured in-flight cap cannot take it now
};

class SlotBudget {
public:
  SlotBudget(const txn::BlockLimits& limits, std::uint64_t max_inflight_cost)
      : limits_(limits), max_inflight_(max_inflight_cost) {}

  /// A new slot: pack's per-slot tallies start over. In-flight cost stays (it belongs to
  /// batches sent earlier; their responses will subtract it).
  void begin_slot(std::uint64_t slot);
  /// Agave's latest figure for the current slot.
  void on_progress(std::uint64_t remaining_cost_units);
  /// Agave reported the block full: nothing more fits this slot.
  void mark_block_full() { block_full_ = true; }
  /// Agave reported the vote limit reached: no more votes this slot.
  void mark_votes_full() { vote_cost_ = limits_.max_vote_units; }

  [[nodiscard]] BudgetCheck check(std::uint64_t cost, bool vote) const;
  void reserve(std::uint64_t cost, bool vote);
  /// An in-flight transaction came back; `included` charges `actual` in its place.
  void settle(std::uint64_t estimate, bool vote, bool included, std::uint64_t actual);
  /// Forgets in-flight cost from an earlier slot whose response arrived now.
  void settle_stale(std::uint64_t estimate);

  [[nodiscard]] std::uint64_t slot() const { return slot_; }
  /// Cost units pack could still send now (the smaller view, minus in flight).
  [[nodiscard]] std::uint64_t available() const;
  [[nodiscard]] std::uint64_t in_flight() const { return in_flight_; }
  /// Cost of this slot: included (actual) plus in flight (estimate).
  [[nodiscard]] std::uint64_t used_this_slot() const { return included_ + in_flight_this_slot_; }
  [[nodiscard]] std::uint64_t included_cost() const { return included_; }
  [[nodiscard]] std::uint64_t vote_cost() const { return vote_cost_; }
  [[nodiscard]] std::uint64_t rebated() const { return rebated_; }
  [[nodiscard]] const txn::BlockLimits& limits() const { return limits_; }

private:
  txn::BlockLimits limits_;
  std::uint64_t max_inflight_ = 0;
  std::uint64_t slot_ = NO_SLOT;
  std::uint64_t reported_remaining_ = 0; ///< as of the latest progress message
  std::uint64_t committed_since_report_ = 0;
  std::uint64_t in_flight_ = 0;           ///< estimates of everything in flight
  std::uint64_t in_flight_this_slot_ = 0; ///< the part reserved in slot_
  std::uint64_t included_ = 0;            ///< actual cost included this slot
  std::uint64_t vote_cost_ = 0;           ///< votes in flight or included this slot
  std::uint64_t rebated_ = 0;             ///< estimate minus actual, this slot
  bool block_full_ = false;
};

} // namespace extpack::sched
