// An offline upper bound on the fees any scheduler could capture in one leader slot.
//
// The problem: choose a subset of the transactions available to the slot that maximises
// the sum of their leader rewards subject to the block's cost limit, the simple-vote limit
// and, for every writable account, the per-account limit (solana-cost-and-fees.md §3.7).
// That is a multi-constraint 0/1 knapsack; solving it exactly is NP-hard, so the bound
// solves a relaxation instead.
//
// Why it is a true upper bound: for multipliers λ_g >= 0, one per constraint g (block,
// votes, each account) with capacity C_g, the Lagrangian value
//     L(λ) = Σ_i max(0, f_i − c_i · Σ_{g ∋ i} λ_g) + Σ_g λ_g · C_g
// is at least the fee sum of every feasible selection x: such an x satisfies
// Σ_{i∈g} c_i x_i <= C_g, so Σ_i f_i x_i <= Σ_i x_i (f_i − c_i Σ_g λ_g) + Σ_g λ_g C_g
// <= L(λ) (weak duality). This holds for ANY λ >= 0, so the quality of the search below
// affects only how tight the bound is, never whether it is valid. Dropping a constraint
// (the account-data limit is dropped) only loosens it.
//
// The search: block-coordinate descent. Minimising L over one λ_g with the others fixed is
// a fractional knapsack over g's members with "reduced fees" r_i = f_i − c_i · (the other
// multipliers): sort by r_i / c_i, fill C_g, and λ_g is the density of the item that
// overflows (0 if everything fits). It starts with the block alone, which is exactly the
// classic fractional-knapsack bound, so the result is never looser than that. Constraints
// whose members' total cost fits their capacity can never bind and are skipped. Cost per
// round: O(Σ_g |g| log |g|), a few milliseconds for tens of thousands of transactions.
//
// Exact mode (the default): coordinate descent on a piecewise-linear function stalls above
// the LP optimum when several constraints bind together (on `extpack-compare --slots 8
// --workload contended` it stopped 5.5 % above it). So the LP relaxation is then solved
// exactly with GLPK's simplex (Debian libglpk-dev; a well-kept solver rather than one of
// our own), by column generation: the model starts with each item in its best slot at the
// descent's multipliers, and (item, slot) columns whose reduced fee is positive at the
// simplex's duals join it until none is left. Its row duals are then used as λ in L
// above, evaluated here over every item, so validity never rests on the solver: a wrong
// or unfinished solve could only give a looser bound, and the least L seen is kept.
// Cost: 0.1-0.3 s for one slot of 70K candidates; the joint bound of 4 leader slots (47K
// candidates) about 8 s, of 8 leader slots (94K) about 45 s, almost all of it in the
// simplex, which the rows "at most one slot per item" make slow. A comparison computes the
// joint bound once for all policies (lab::WindowBoundCache).
//
// Trade-offs: the LP relaxation is exact when the optimum fills each binding limit
// exactly (no fractional item); otherwise the gap is at most one transaction per binding
// constraint (on the 8-slot contended run 13 of 14,260 chosen items were fractional).
// Arithmetic is long double; the result is rounded down to whole lamports with a quarter
// lamport of allowance for rounding error (fee sums are integers).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "extpack/txn/cost_model.hpp"

namespace extpack::lab {

/// One candidate transaction.
struct BoundItem {
  std::uint64_t fee = 0;               ///< leader reward, lamports
  std::uint64_t cost = 0;              ///< cost units it occupies at the least
  bool vote = false;                   ///< counts against the simple-vote limit
  std::vector<std::uint32_t> accounts; ///< writable accounts, as dense ids (a repeat counts once)
};

/// One (item, slot) of the LP relaxation's optimal solution: `share` of the item in `slot`.
struct LpPlacement {
  std::uint32_t item = 0;
  std::uint32_t slot = 0;
  double share = 0; ///< in (0, 1]
  bool operator==(const LpPlacement&) const = default;
};

struct BoundResult {
  std::uint64_t bound = 0;       ///< lamports; >= the fees of every feasible selection
  std::uint64_t total_fees = 0;  ///< Σ f_i, the trivial bound
  std::uint32_t rounds = 0;      ///< coordinate-descent rounds run
  std::uint32_t constraints = 0; ///< constraints that could bind (total cost > capacity)
  std::uint32_t lp_solves = 0;   ///< simplex solves of the exact LP (0: descent only)
  /// The bound is the LP relaxation's optimum itself: no (item, slot) left out of the model
  /// has a reduced fee above 1e-9 of its fee.
  bool lp_optimal = false;
  /// When lp_optimal: the LP optimum's solution, every (item, slot) with a share above
  /// 1e-9, in model order. Σ fee × share is the LP optimum (the bound, up to rounding).
  /// Empty otherwise. It says which transactions the best relaxed schedule takes and
  /// where, so a run's distance from the bound can be split by cause (lab::GapBreakdown).
  std::vector<LpPlacement> lp_solution;
};

/// A candidate of a window of consecutive leader slots (indexes 0..slots-1): it can go in
/// any one slot from `first_slot` on (the first slot that ends after it arrived).
struct WindowItem {
  std::uint64_t fee = 0;
  std::uint64_t cost = 0;
  bool vote = false;
  std::vector<std::uint32_t> accounts; ///< writable accounts, as dense ids (a repeat counts once)
  std::uint32_t first_slot = 0;
  bool operator==(const WindowItem&) const = default;
};

/// Coordinate-descent rounds after which the search stops even if it still improves.
/// `exact_lp` (below): follow the descent with the exact LP solve; false: descent only.
inline constexpr std::uint32_t DEFAULT_BOUND_ROUNDS = 30;

[[nodiscard]] BoundResult fee_upper_bound(std::span<const BoundItem> items,
                                          const txn::BlockLimits& limits,
                                          std::uint32_t max_rounds = DEFAULT_BOUND_ROUNDS,
                                          bool exact_lp = true);

/// The bound on the fees of all `slots` slots together: each item counts at most once, in
/// a slot it arrived in time for, and every slot has its own block, vote and account
/// limits. One multiplier per (slot, limit); an item's term is its best reduced fee over
/// its slots, or 0:
///     L(λ) = Σ_i max(0, max_{s >= first_i} (f_i − c_i Σ_{g ∋ i, g in s} λ_g)) + Σ_g λ_g C_g,
/// again >= the fees of every feasible assignment for any λ >= 0. It is at most the sum of
/// the per-slot bounds over the same candidates, and much tighter when a backlog is shared
/// by several slots (the per-slot bounds count the backlog once per slot). The search runs
/// each slot's descent alone first (from λ = 0 the joint descent can stall at once, every
/// item looking free in another slot), then the joint one, and keeps the least L seen.
/// With one slot it is fee_upper_bound.
[[nodiscard]] BoundResult window_fee_upper_bound(std::span<const WindowItem> items,
                                                 std::uint32_t slots,
                                                 const txn::BlockLimits& limits,
                                                 std::uint32_t max_rounds = DEFAULT_BOUND_ROUNDS,
                                                 bool exact_lp = true);

} // namespace extpack::lab
