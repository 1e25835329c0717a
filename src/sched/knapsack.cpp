// Pareto-frontier 0/1 knapsack; see knapsack.hpp.
#include "extpack/sched/knapsack.hpp"

#include <algorithm>
#include <array>

namespace extpack::sched {

namespace {

constexpr std::size_t MAX_ITEMS = 128; ///< width of the selection mask

struct State {
  std::uint64_t cost = 0;
  std::uint64_t value = 0;
  std::array<std::uint64_t, MAX_ITEMS / 64> mask{};
};

/// Keeps the most valuable state per slice of the budget (the frontier is sorted by cost
/// with rising value, so that is the last state of each slice).
void thin(std::vector<State>& v, std::uint64_t budget, std::size_t max_states) {
  const std::uint64_t slice = budget / max_states + 1;
  std::size_t out = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (out > 0 && v[out - 1].cost / slice == v[i].cost / slice) {
      v[out - 1] = v[i];
    } else {
      v[out++] = v[i];
    }
  }
  v.resize(out);
}

} // namespace

std::uint64_t knapsack_select(std::span<const KnapsackItem> items, std::uint64_t budget,
                              std::vector<bool>& chosen, std::size_t max_states,
                              std::size_t max_items) {
  chosen.assign(items.size(), false);
  const std::size_t n = std::min({items.size(), max_items, MAX_ITEMS});
  if (max_states < 2) max_states = 2;
  // Per-thread scratch that keeps its capacity: the scheduler calls this inside scheduling
  // passes, which must not allocate once warm.
  static thread_local std::vector<State> front, with, merged;
  front.assign(1, State{});
  with.clear();
  merged.clear();
  for (std::size_t i = 0; i < n; ++i) {
    const KnapsackItem& it = items[i];
    if (it.cost > budget || it.value == 0) continue;
    with.clear();
    for (const State& s : front) {
      if (s.cost + it.cost > budget) break; // front is sorted by cost
      State t = s;
      t.cost += it.cost;
      t.value += it.value;
      t.mask[i / 64] |= 1ULL << (i % 64);
      with.push_back(t);
    }
    // Merge by cost, dropping every state not worth more than a cheaper one.
    merged.clear();
    std::size_t a = 0, b = 0;
    while (a < front.size() || b < with.size()) {
      const bool take_a =
          b == with.size() ||
          (a < front.size() && (front[a].cost < with[b].cost || (front[a].cost == with[b].cost &&
                                                                 front[a].value >= with[b].value)));
      const State& s = take_a ? front[a++] : with[b++];
      if (merged.empty() || s.value > merged.back().value) merged.push_back(s);
    }
    front.swap(merged);
    if (front.size() > max_states) thin(front, budget, max_states);
  }
  const State& best = front.back(); // the frontier's most valuable state
  for (std::size_t i = 0; i < n; ++i)
    chosen[i] = (best.mask[i / 64] >> (i % 64)) & 1u;
  return best.value;
}

} // namespace extpack::sched
