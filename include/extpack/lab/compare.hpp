// The comparison run: every scheduling policy over the same workload and seed, in the
// lab's virtual clock, summarised one row per policy.
//
// Columns (docs/COMPARISON.md explains them for readers of the table):
//   fees          leader reward captured over all leader slots (lamports; shown in SOL)
//   bound         the offline upper bound (upper_bound.hpp) on the fees of all leader slots
//                 together: every transaction offered counts at most once, in a leader slot
//                 that ended after it arrived, under each slot's block, vote and account
//                 limits (window_fee_upper_bound). The same for every policy whose run's
//                 feed handed pack the same transactions (the usual case); the JSON also
//                 has each slot's own bound (what arrived by its end and this policy had
//                 not included earlier) and their sum
//   ratio         fees / bound: 1.0 means no scheduler could have earned more
//   fill          executed cost of the leader blocks / their block limits
//   included      transactions the bank included
//   votes%        simple votes included / simple votes the feed offered
//   failed        execution responses that were not included, by reason group: block or
//                 account or vote limit, account in use, no bank (slot over), other
//   p50 / p99     arrival at pack to the end of the including batch's execution, virtual ms
//   vp99          p99 over included simple votes of the time the including leader slot
//                 kept each waiting: from its arrival, or the slot's start if it arrived
//                 before, to its inclusion (votes early is what the cluster wants)
// A row also says whether the run accounted for everything: pack's received equals
// included plus dropped, nothing was in flight at shutdown and no allocation is left on
// any allocator worker id.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "extpack/common/result.hpp"
#include "extpack/lab/engine.hpp"

namespace extpack::lab {

/// Failed execution responses, grouped by not_included_reason.
struct FailureGroups {
  std::uint64_t limits = 0;  ///< WOULD_EXCEED_MAX_{BLOCK,ACCOUNT,VOTE}_..., data limits
  std::uint64_t in_use = 0;  ///< ACCOUNT_IN_USE
  std::uint64_t no_bank = 0; ///< BANK_NOT_AVAILABLE, SLOT_MISMATCH
  std::uint64_t other = 0;   ///< everything else (already processed, funds, loading, ...)
  [[nodiscard]] std::uint64_t total() const { return limits + in_use + no_bank + other; }
};
[[nodiscard]] FailureGroups group_failures(const std::array<std::uint64_t, 256>& by_reason);

struct PolicyRow {
  std::string policy;
  std::uint64_t fees = 0;         ///< lamports
  std::uint64_t bound = 0;        ///< lamports: the joint window bound
  std::uint64_t slot_bounds = 0;  ///< lamports: Σ of the per-slot bounds
  bool bound_exact = false;       ///< `bound` is the LP relaxation's optimum (lp_optimal)
  std::vector<SlotOutcome> slots; ///< per leader slot, with its own bound
  GapBreakdown gap{};             ///< bound − fees by cause, when the bound is the LP's
  double ratio = 0;               ///< fees / bound (1 when the bound is 0)
  double fill = 0;                ///< fraction of the leader blocks' limits used
  std::uint64_t included = 0;
  std::uint64_t votes_included = 0; ///< simple votes among `included`
  std::uint64_t votes_fed = 0;      ///< simple votes the feed offered
  FailureGroups failed{};
  double p50_ms = 0, p99_ms = 0;
  double vote_p99_ms = 0; ///< p99 of the in-slot vote delay (TxLedger::vote_delays)
  std::uint64_t received = 0, dropped = 0; ///< pack's own accounting
  std::uint64_t outstanding = 0;           ///< allocations left on every id
  bool accounted = false;                  ///< received == included + dropped, drained, 0 left
  double wall_ms = 0;                      ///< real time the run took
  std::uint64_t steps = 0;                 ///< engine steps (pack polls)
  std::uint64_t passes = 0;                ///< scheduling passes pack ran
};

/// The row of one finished run.
[[nodiscard]] PolicyRow summarize(const std::string& policy, const LabRun& run, double wall_ms);
/// Runs `base` once per policy in `policies` (same workload and seed).
[[nodiscard]] Result<std::vector<PolicyRow>> compare(const LabConfig& base,
                                                     const std::vector<std::string>& policies);
/// The human table, one line per row under a header.
[[nodiscard]] std::string format_table(const std::vector<PolicyRow>& rows);
/// One line per row whose gap is known: bound − fees split by cause (GapBreakdown), in SOL.
[[nodiscard]] std::string format_gaps(const std::vector<PolicyRow>& rows);
/// The rows as JSON (lamports as integers, except the gap split's fractional lamports; times
/// in ms).
[[nodiscard]] nlohmann::json rows_json(const std::vector<PolicyRow>& rows);

} // namespace extpack::lab
