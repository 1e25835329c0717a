// SlotBudget: how many cost units pack may still send in the current leader slot.
//
// What is available: BlockLimits::max_block_units minus
//  * what pack sent this slot that was included, at the actual cost from the response (so
//    unused estimated CUs are rebated at once; over-reservation until commit is the
//    failure mode agave #3528 describes);
//  * everything in flight, at its estimate, from any slot (it may still land here);
//  * the cost the progress reports show in the bank that pack cannot account for: at each
//    ProgressMessage, the bank's committed cost (block limit minus remaining_cost_units)
//    beyond what pack had included or in flight for this slot. That is cost from elsewhere
//    or executions above their estimates; it only grows within a slot.
// Votes are also held to max_vote_units.
//
// A batch the bank committed before a report whose response pack reads after it is in the
// report and still in flight at the report, so it is charged once: at its estimate until
// the response, then at its actual cost. (Subtracting every commit read since the report
// from the reported figure, as this class once did, charged it twice until the next
// report; in the last report of a slot that kept ~1M CU of the block unused.)
// Shortcoming: what a report shows beyond pack's tally is hidden by pack's own in-flight
// estimates at that report (batches the bank executes only afterwards, or rebates not read
// yet), so while reports are taken with much in flight, foreign cost or excess executions
// can go unseen, and pack may send up to that much too much; the bank then refuses with
// WOULD_EXCEED_MAX_BLOCK and the block is marked full (Scheduler::retry).
#pragma once

#include <algorithm>
#include <cstdint>

#include "extpack/sched/types.hpp"
#include "extpack/txn/cost_model.hpp"

namespace extpack::sched {

enum class BudgetCheck : std::uint8_t {
  Fits = 0,
  OverBlock,    ///< the slot budget cannot take this cost now
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
  /// A vote settling below its estimate afterwards does not reopen room.
  void mark_votes_full() { votes_full_ = true; }

  [[nodiscard]] BudgetCheck check(std::uint64_t cost, bool vote) const;
  void reserve(std::uint64_t cost, bool vote);
  /// An in-flight transaction came back; `included` charges `actual` in its place.
  void settle(std::uint64_t estimate, bool vote, bool included, std::uint64_t actual);
  /// Forgets in-flight cost from an earlier slot whose response arrived now.
  void settle_stale(std::uint64_t estimate);

  [[nodiscard]] std::uint64_t slot() const { return slot_; }
  /// Cost units pack could still send now.
  [[nodiscard]] std::uint64_t available() const;
  [[nodiscard]] std::uint64_t in_flight() const { return in_flight_; }
  /// Cost of this slot: included (actual) plus in flight (estimate).
  [[nodiscard]] std::uint64_t used_this_slot() const { return included_ + in_flight_this_slot_; }
  [[nodiscard]] std::uint64_t included_cost() const { return included_; }
  /// Cost of this slot's votes, in flight or included; the vote limit once Agave reported
  /// it reached.
  [[nodiscard]] std::uint64_t vote_cost() const {
    return votes_full_ ? std::max(vote_cost_, limits_.max_vote_units) : vote_cost_;
  }
  [[nodiscard]] std::uint64_t rebated() const { return rebated_; }
  [[nodiscard]] const txn::BlockLimits& limits() const { return limits_; }

private:
  txn::BlockLimits limits_;
  std::uint64_t max_inflight_ = 0;
  std::uint64_t slot_ = NO_SLOT;
  bool reported_ = false;                 ///< a progress message arrived for slot_
  std::uint64_t unexplained_ = 0;         ///< most cost a report showed beyond pack's tally
  std::uint64_t in_flight_ = 0;           ///< estimates of everything in flight
  std::uint64_t in_flight_this_slot_ = 0; ///< the part reserved in slot_
  std::uint64_t included_ = 0;            ///< actual cost included this slot
  std::uint64_t vote_cost_ = 0;           ///< votes in flight or included this slot
  std::uint64_t rebated_ = 0;             ///< estimate minus actual, this slot
  bool block_full_ = false;
  bool votes_full_ = false;
};

} // namespace extpack::sched
