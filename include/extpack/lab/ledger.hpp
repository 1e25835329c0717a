// The lab's record of every distinct transaction offered in a run: when it arrived, what
// it is worth to the leader, the least block cost it can occupy, the accounts it writes,
// and when and in which slot it was included. It feeds two measurements: arrival-to-
// inclusion latency, and the offline upper bound of each leader slot (upper_bound.hpp).
//
// Candidates of leader slot s: transactions that arrived before s ended and were not
// included in an earlier slot, and that some scheduler could include at all. A
// transaction is left out only when no schedule can include it: its loading fails
// (parse, sanitize, compute budget, lookup index), or its payer's starting balance cannot
// pay its fee (balances only ever decrease in the simulated bank). Duplicates count once
// (the status cache lets one copy in).
//
// The cost of a candidate is min(estimated cost, executed cost). The bank reserves the
// estimate and keeps the executed cost once the transaction ran, so for the last
// transaction it admitted, the costs of everything included plus that one's estimate fit
// the limit; every term is at least the minimum of the two, so the included set's sum of
// minimums fits every limit too. Using the estimate alone would not be a valid bound,
// because rebates let a real block hold more than its estimates add up to.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <unordered_map>
#include <vector>

#include "extpack/lab/upper_bound.hpp"
#include "extpack/sim/alt_registry.hpp"
#include "extpack/sim/bank.hpp"
#include "extpack/sim/keys.hpp"
#include "extpack/sim/prepare.hpp"

namespace extpack::lab {

inline constexpr std::uint64_t NOT_INCLUDED = std::numeric_limits<std::uint64_t>::max();

struct LedgerEntry {
  sim::Signature signature{};
  std::int64_t arrival_ns = 0;
  std::uint64_t fee = 0;  ///< leader reward, lamports
  std::uint64_t cost = 0; ///< min(estimated, executed) cost units
  bool vote = false;
  bool feasible = false;
  std::vector<std::uint32_t> accounts; ///< writable accounts as dense ids
  std::uint64_t included_slot = NOT_INCLUDED;
  std::int64_t included_ns = 0;
};

/// Where a run's fees fall short of the LP bound of its leader slots, split by cause. With
/// the LP optimum's solution x (upper_bound.hpp: an (item, slot) share per placement),
///     lp_value − fees = Σ_{not included} fee·x − Σ_{included} fee·(1 − x_total),
/// exactly, so the first sum, the value of the LP's choice that the run did not include, is
/// split by when each of those transactions arrived relative to the slot the LP put it in:
/// in the last LATE_SHARE of that slot (no online scheduler can keep room for all of those
/// and still fill the block), earlier in it, or before it started (backlog). The second
/// sum is the value the run took from outside the LP's choice.
struct GapBreakdown {
  /// Part of a slot, at its end, whose arrivals count as late.
  static constexpr double LATE_SHARE = 0.1;
  bool known = false;        ///< the bound was the LP optimum and its solution was kept
  double lp_value = 0;       ///< Σ fee·x over the solution, lamports (the bound, unrounded)
  double missed_late = 0;    ///< lamports of x not included, arrived in the last 10 % of its slot
  double missed_in_slot = 0; ///< ... arrived earlier in that slot
  double missed_backlog = 0; ///< ... arrived before that slot started
  double outside = 0;        ///< Σ fee·(1 − x_total) over what the run included
  [[nodiscard]] double missed() const { return missed_late + missed_in_slot + missed_backlog; }
  /// Counts `value` of the LP's choice not included, for a transaction that arrived at
  /// `arrival_ns` and that the LP placed in the slot ending at `end_ns` (`slot_ns` long).
  void add_missed(double value, std::int64_t arrival_ns, std::int64_t end_ns, std::int64_t slot_ns);
};

class TxLedger {
public:
  /// `bank` supplies executed costs and starting balances; both must outlive the ledger.
  TxLedger(const sim::Bank& bank, const sim::AltRegistry& alts) : bank_(bank), alts_(alts) {}

  /// Records a transaction handed to pack at `now_ns` (a repeated signature is ignored).
  void offered(std::span<const std::uint8_t> bytes, std::int64_t now_ns);
  /// Records that the bank included the transaction with this signature.
  void included(const sim::Signature& sig, std::uint64_t slot, std::int64_t now_ns);

  /// The bound of leader slot `slot`, which ended at `end_ns` (exclusive).
  [[nodiscard]] BoundResult slot_bound(std::uint64_t slot, std::int64_t end_ns,
                                       const txn::BlockLimits& limits, bool exact_lp = true) const;
  /// The candidates of the joint bound of all leader slots of a run (window_fee_upper_bound),
  /// in ledger order: `slot_ends_ns` are their end times in increasing order, and a
  /// candidate may go in any of them that ends after it arrived. Independent of what any
  /// policy did, so one bound serves every policy whose feed handed pack the same ones.
  [[nodiscard]] std::vector<WindowItem>
  window_items(std::span<const std::int64_t> slot_ends_ns) const;
  /// The breakdown of `bound`, the joint bound over window_items(slot_ends_ns), against what
  /// this run included (GapBreakdown). `slot_ns` is a slot's length. Not known (all zero)
  /// unless `bound.lp_optimal`; placements that name no candidate are ignored.
  [[nodiscard]] GapBreakdown gap(std::span<const std::int64_t> slot_ends_ns, std::int64_t slot_ns,
                                 const BoundResult& bound) const;
  /// Arrival-to-inclusion time of every included transaction, ns, in ledger order.
  [[nodiscard]] std::vector<std::int64_t> latencies() const;
  /// For every included simple vote, the time from when the including slot could first
  /// have taken it (its arrival, or the slot's start if it arrived earlier) to its
  /// inclusion, ns: how long the leader kept a vote waiting. Slot `first_slot` starts at
  /// `t0_ns` and each slot lasts `slot_ns`.
  [[nodiscard]] std::vector<std::int64_t> vote_delays(std::int64_t t0_ns, std::int64_t slot_ns,
                                                      std::uint64_t first_slot) const;
  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  [[nodiscard]] const std::vector<LedgerEntry>& entries() const { return entries_; }

private:
  struct SigHash {
    std::size_t operator()(const sim::Signature& s) const;
  };
  std::uint32_t account_id(const sim::Pubkey& k);
  /// The first slot (index into `slot_ends_ns`) that ends after `e` arrived; size() if none.
  static std::uint32_t first_slot(const LedgerEntry& e, std::span<const std::int64_t> slot_ends_ns);

  const sim::Bank& bank_;
  const sim::AltRegistry& alts_;
  std::unordered_map<sim::Signature, std::uint32_t, SigHash> index_;
  std::unordered_map<sim::Pubkey, std::uint32_t, sim::KeyHash> account_ids_;
  std::vector<LedgerEntry> entries_;
  sim::PreparedTx scratch_;
};

} // namespace extpack::lab
