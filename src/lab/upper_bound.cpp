// Lagrangian fee bound by block-coordinate descent (see upper_bound.hpp).
#include "extpack/lab/upper_bound.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace extpack::lab {

namespace {

using Real = long double;

/// Relative improvement below which another round is not worth running.
constexpr Real STALL_RELATIVE = 1e-12L;
/// Allowance for rounding error when turning the real-valued bound into lamports.
constexpr Real ROUNDING_ALLOWANCE = 0.25L;

struct Constraint {
  std::uint64_t capacity = 0;
  std::vector<std::uint32_t> members; ///< item indexes
  Real lambda = 0;
};

/// Σ_i max(0, f_i − c_i p_i) + Σ_g λ_g C_g.
Real lagrangian(std::span<const BoundItem> items, const std::vector<Real>& penalty,
                const std::vector<Constraint>& cs) {
  Real v = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Real r = static_cast<Real>(items[i].fee) - static_cast<Real>(items[i].cost) * penalty[i];
    if (r > 0) v += r;
  }
  for (const Constraint& c : cs)
    v += c.lambda * static_cast<Real>(c.capacity);
  return v;
}

/// Exact minimisation of L over c.lambda: a fractional knapsack on reduced fees.
void minimise_one(std::span<const BoundItem> items, std::vector<Real>& penalty, Constraint& c,
                  std::vector<std::pair<Real, std::uint32_t>>& scratch) {
  scratch.clear();
  for (std::uint32_t i : c.members) {
    const BoundItem& it = items[i];
    if (it.cost == 0) continue; // unaffected by any multiplier
    const Real other = penalty[i] - c.lambda;
    const Real reduced = static_cast<Real>(it.fee) - static_cast<Real>(it.cost) * other;
    if (reduced <= 0) continue; // excluded whatever this multiplier is
    scratch.emplace_back(reduced / static_cast<Real>(it.cost), i);
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
    penalty[i] += delta;
  c.lambda = next;
}

} // namespace

BoundResult fee_upper_bound(std::span<const BoundItem> items, const txn::BlockLimits& limits,
                            std::uint32_t max_rounds) {
  BoundResult out;
  Constraint block{limits.max_block_units, {}, 0};
  Constraint votes{limits.max_vote_units, {}, 0};
  std::unordered_map<std::uint32_t, Constraint> accounts;
  std::uint64_t block_total = 0, vote_total = 0;
  std::unordered_map<std::uint32_t, std::uint64_t> account_total;
  for (std::uint32_t i = 0; i < items.size(); ++i) {
    const BoundItem& it = items[i];
    out.total_fees += it.fee;
    block_total += it.cost;
    if (it.vote) vote_total += it.cost;
    for (std::uint32_t a : it.accounts)
      account_total[a] += it.cost;
  }
  // Only constraints that can bind: the others have λ = 0 at every optimum.
  std::vector<Constraint> cs;
  if (block_total > block.capacity) {
    for (std::uint32_t i = 0; i < items.size(); ++i)
      block.members.push_back(i);
    cs.push_back(std::move(block));
  }
  if (vote_total > votes.capacity) {
    for (std::uint32_t i = 0; i < items.size(); ++i) {
      if (items[i].vote) votes.members.push_back(i);
    }
    cs.push_back(std::move(votes));
  }
  std::vector<std::uint32_t> hot;
  for (const auto& [a, total] : account_total) {
    if (total > limits.max_writable_account_units) hot.push_back(a);
  }
  std::sort(hot.begin(), hot.end()); // a fixed order keeps the result deterministic
  for (std::uint32_t a : hot)
    accounts.emplace(a, Constraint{limits.max_writable_account_units, {}, 0});
  if (!accounts.empty()) {
    for (std::uint32_t i = 0; i < items.size(); ++i) {
      for (std::uint32_t a : items[i].accounts) {
        auto f = accounts.find(a);
        if (f != accounts.end()) f->second.members.push_back(i);
      }
    }
    for (std::uint32_t a : hot)
      cs.push_back(std::move(accounts.at(a)));
  }
  out.constraints = static_cast<std::uint32_t>(cs.size());

  std::vector<Real> penalty(items.size(), 0);
  std::vector<std::pair<Real, std::uint32_t>> scratch;
  Real best = lagrangian(items, penalty, cs);
  for (std::uint32_t round = 0; round < max_rounds && !cs.empty(); ++round) {
    for (Constraint& c : cs)
      minimise_one(items, penalty, c, scratch);
    ++out.rounds;
    const Real v = lagrangian(items, penalty, cs);
    const bool stalled = best - v <= STALL_RELATIVE * std::max<Real>(best, 1);
    best = std::min(best, v);
    if (stalled) break;
  }
  const Real rounded = std::floor(best + ROUNDING_ALLOWANCE);
  out.bound = rounded <= 0 ? 0 : static_cast<std::uint64_t>(rounded);
  out.bound = std::min(out.bound, out.total_fees);
  return out;
}

} // namespace extpack::lab
