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

  const sim::Bank& bank_;
  const sim::AltRegistry& alts_;
  std::unordered_map<sim::Signature, std::uint32_t, SigHash> index_;
  std::unordered_map<sim::Pubkey, std::uint32_t, sim::KeyHash> account_ids_;
  std::vector<LedgerEntry> entries_;
  sim::PreparedTx scratch_;
};

} // namespace extpack::lab
