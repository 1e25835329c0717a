// Lagrangian fee bound by block-coordinate descent (see upper_bound.hpp).
#include "extpack/lab/upper_bound.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace extpack::lab {

namespace {

using Real = long double;

/// Relative improvement below which another round is not worth running.
constexpr Real STALL_RELATIVE = 1e-12L;
/// Allowance for rounding error when turning the real-valued bound into lamports.
constexpr Real ROUNDING_ALLOWANCE = 0.25L;

/// One limit of one slot: a block, vote or account limit with its members and multiplier.
struct Constraint {
  std::uint32_t slot = 0;
  std::uint64_t capacity = 0;
  std::vector<std::uint32_t> members; ///< item indexes
  Real lambda = 0;
};

/// The multipliers' sums per item and slot: penalty[i * slots + s] = Σ_{g ∋ i, g in s} λ_g.
class Penalties {
public:
  Penalties(std::span<const WindowItem> items, std::uint32_t slots)
      : items_(items), slots_(slots), p_(items.size() * slots, 0) {}

  Real& at(std::uint32_t i, std::uint32_t s) { return p_[std::size_t{i} * slots_ + s]; }

  /// f_i − c_i · penalty in slot s.
  Real reduced(std::uint32_t i, std::uint32_t s) {
    const WindowItem& it = items_[i];
    return static_cast<Real>(it.fee) - static_cast<Real>(it.cost) * at(i, s);
  }

  /// The item's best reduced fee over its slots other than `skip`, at least 0 (left out).
  Real best_elsewhere(std::uint32_t i, std::uint32_t skip) {
    Real best = 0;
    for (std::uint32_t s = items_[i].first_slot; s < slots_; ++s) {
      if (s != skip) best = std::max(best, reduced(i, s));
    }
    return best;
  }

  /// L(λ) = Σ_i max(0, max_s reduced(i, s)) + Σ_g λ_g C_g.
  Real lagrangian(const std::vector<Constraint>& cs) {
    Real v = 0;
    for (std::uint32_t i = 0; i < items_.size(); ++i)
      v += best_elsewhere(i, slots_);
    for (const Constraint& c : cs)
      v += c.lambda * static_cast<Real>(c.capacity);
    return v;
  }

private:
  std::span<const WindowItem> items_;
  std::uint32_t slots_;
  std::vector<Real> p_;
};

/// Exact minimisation of L over c.lambda with every other multiplier fixed. A member's
/// term is max(o_i, r_i − c_i λ), where o_i is its best elsewhere (another slot, or left
/// out) and r_i its reduced fee in c's slot without c: a fractional knapsack on r_i − o_i.
/// With `isolated`, the other slots are ignored (o_i = 0): the descent of c's slot alone.
void minimise_one(std::span<const WindowItem> items, Penalties& pen, Constraint& c,
                  std::vector<std::pair<Real, std::uint32_t>>& scratch, bool isolated) {
  scratch.clear();
  for (std::uint32_t i : c.members) {
    const WindowItem& it = items[i];
    if (it.cost == 0) continue; // unaffected by any multiplier
    const Real here = pen.reduced(i, c.slot) + static_cast<Real>(it.cost) * c.lambda;
    const Real gain = isolated ? here : here - pen.best_elsewhere(i, c.slot);
    if (gain <= 0) continue; // never placed here whatever this multiplier is
    scratch.emplace_back(gain / static_cast<Real>(it.cost), i);
  }
  std::sort(scratch.begin(), scratch.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  Real next = 0;
  std::uint64_t used = 0;
  for (const auto& [density, i] : scratch) {
    used += items[i].cost;
    if (used > c.capacity) {
      next = density;
      break;
    }
  }
  const Real delta = next - c.lambda;
  if (delta == 0) return;
  for (std::uint32_t i : c.members)
    pen.at(i, c.slot) += delta;
  c.lambda = next;
}

/// Adds slot s's constraint of capacity `cap` over `members` if their cost can exceed it.
void add_if_binding(std::vector<Constraint>& cs, std::span<const WindowItem> items, std::uint32_t s,
                    std::uint64_t cap, std::vector<std::uint32_t> members) {
  std::uint64_t total = 0;
  for (std::uint32_t i : members)
    total += items[i].cost;
  if (total > cap) cs.push_back(Constraint{s, cap, std::move(members), 0});
}

} // namespace

BoundResult window_fee_upper_bound(std::span<const WindowItem> items, std::uint32_t slots,
                                   const txn::BlockLimits& limits, std::uint32_t max_rounds) {
  BoundResult out;
  if (slots == 0) return out;
  std::vector<std::uint32_t> usable; // items some slot of the window can take
  for (std::uint32_t i = 0; i < items.size(); ++i) {
    if (items[i].first_slot < slots) {
      usable.push_back(i);
      out.total_fees += items[i].fee;
    }
  }
  // Only constraints that can bind: the others have λ = 0 at every optimum. Slots are
  // visited in order, so members of a later slot are a superset of an earlier slot's.
  std::vector<Constraint> cs;
  std::map<std::uint32_t, std::vector<std::uint32_t>> by_account; // ordered: deterministic
  for (std::uint32_t s = 0; s < slots; ++s) {
    std::vector<std::uint32_t> all, votes;
    by_account.clear();
    for (std::uint32_t i : usable) {
      const WindowItem& it = items[i];
      if (it.first_slot > s) continue;
      all.push_back(i);
      if (it.vote) votes.push_back(i);
      for (std::uint32_t a : it.accounts)
        by_account[a].push_back(i);
    }
    add_if_binding(cs, items, s, limits.max_block_units, std::move(all));
    add_if_binding(cs, items, s, limits.max_vote_units, std::move(votes));
    for (auto& [a, members] : by_account)
      add_if_binding(cs, items, s, limits.max_writable_account_units, std::move(members));
  }
  out.constraints = static_cast<std::uint32_t>(cs.size());

  // Joint descent from λ = 0 can stall at once: every item looks free in the other
  // slots, so no single multiplier gains by rising. The second start first lets each
  // slot descend alone (the multipliers of the per-slot bounds; L is then already at most
  // their sum, since max over slots <= sum over slots of non-negative terms).
  std::vector<std::pair<Real, std::uint32_t>> scratch;
  Real best = std::numeric_limits<Real>::max();
  // Neither start dominates: run the joint descent from λ = 0 and from the per-slot
  // multipliers, and keep the least L either reaches.
  for (const bool from_slots : {false, true}) {
    if (from_slots && slots == 1) break; // the same thing
    for (Constraint& c : cs)
      c.lambda = 0;
    Penalties pen(items, slots);
    best = std::min(best, pen.lagrangian(cs));
    for (const bool isolated : {true, false}) {
      if (isolated && !from_slots) continue;
      Real phase_best = std::numeric_limits<Real>::max();
      for (std::uint32_t round = 0; round < max_rounds && !cs.empty(); ++round) {
        for (Constraint& c : cs)
          minimise_one(items, pen, c, scratch, isolated);
        ++out.rounds;
        const Real v = pen.lagrangian(cs);
        const bool stalled = phase_best - v <= STALL_RELATIVE * std::max<Real>(phase_best, 1);
        phase_best = std::min(phase_best, v);
        best = std::min(best, v); // every λ >= 0 gives a valid bound: keep the least
        if (stalled) break;
      }
    }
  }
  const Real rounded = std::floor(best + ROUNDING_ALLOWANCE);
  out.bound = rounded <= 0 ? 0 : static_cast<std::uint64_t>(rounded);
  out.bound = std::min(out.bound, out.total_fees);
  return out;
}

BoundResult fee_upper_bound(std::span<const BoundItem> items, const txn::BlockLimits& limits,
                            std::uint32_t max_rounds) {
  std::vector<WindowItem> w;
  w.reserve(items.size());
  for (const BoundItem& it : items)
    w.push_back(WindowItem{it.fee, it.cost, it.vote, it.accounts, 0});
  return window_fee_upper_bound(w, 1, limits, max_rounds);
}

} // namespace extpack::lab
