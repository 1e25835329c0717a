// Knapsack: the most valuable set of items whose total cost fits a budget, used by the
// "extpack" policy to choose which writers of a contended account spend its remaining
// per-account cost budget.
//
// The solver keeps the Pareto frontier of partial selections: (total cost, total value)
// pairs where no other pair costs less and is worth more, adding one item at a time
// (a merge of two sorted lists). Costs stay exact, so a set that fills the budget to the
// last unit is found. The frontier can grow with the number of distinct costs, so once it
// exceeds `max_states` it is thinned to the most valuable pair per equal slice of the
// budget; the answer may then be slightly below the optimum, never over the budget.
//
// Items beyond `max_items` (callers pass them best-first) are never chosen, which bounds
// the work at max_items x max_states pair updates (128 x 1024 = 128K).
//
// Trade-off against picking by reward/cost (what every peer does): reward density is
// optimal only when items are small next to the budget; when a few writers of one account
// are large (1.4M-unit swaps against a 12-24M account limit, or a nearly full account),
// density order can strand most of the remaining budget, and this picks the better set.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace extpack::sched {

struct KnapsackItem {
  std::uint64_t cost = 0;
  std::uint64_t value = 0;
};

/// Fills `chosen` (resized to items.size()) with the selection; returns its total value.
/// At most 128 items are considered (max_items is clamped to it).
std::uint64_t knapsack_select(std::span<const KnapsackItem> items, std::uint64_t budget,
                              std::vector<bool>& chosen, std::size_t max_states = 1024,
                              std::size_t max_items = 128);

} // namespace extpack::sched
