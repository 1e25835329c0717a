// Lagrangian fee bound by block-coordinate descent (see upper_bound.hpp).
#include "extpack/lab/upper_bound.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <memory>

#include <glpk.h>

namespace extpack::lab {

namespace {

using Real = long double;
// The rounding allowance below assumes x87 extended precision (a 64-bit mantissa).
static_assert(std::numeric_limits<Real>::digits >= 64, "long double must be 80-bit or wider");

/// Relative improvement below which another round is not worth running.
constexpr Real STALL_RELATIVE = 1e-12L;
/// Allowance for rounding error when turning the real-valued bound into lamports.
constexpr Real ROUNDING_ALLOWANCE = 0.25L;
/// Column-generation rounds of the exact LP (each one a warm-started simplex).
constexpr std::uint32_t LP_MAX_ROUNDS = 12;
/// Real time all simplex solves of one bound may take together; a solve stopped by it (or
/// by GLPK's iteration limit) still gives its current duals, which are valid multipliers.
constexpr std::chrono::milliseconds LP_TIME_BUDGET{300'000};
/// Reduced fee, relative to the fee, above which a left-out (item, slot) becomes a column.
constexpr Real LP_PRICE_TOLERANCE = 1e-9L;
/// Items whose best reduced fee at the descent's multipliers is above -this x their fee
/// start as columns of the LP.
constexpr Real LP_START_MARGIN = 0.25L;
/// Shares of the LP solution at or below this are solver round-off, not placements.
constexpr double LP_SHARE_EPSILON = 1e-9;

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

/// Sets every multiplier to `lambda` (one per constraint), with fresh penalty sums.
void set_multipliers(std::vector<Constraint>& cs, const std::vector<Real>& lambda, Penalties& pen) {
  for (std::size_t g = 0; g < cs.size(); ++g) {
    cs[g].lambda = lambda[g];
    for (std::uint32_t i : cs[g].members)
      pen.at(i, cs[g].slot) += lambda[g];
  }
}

struct GlpDeleter {
  void operator()(glp_prob* p) const { glp_delete_prob(p); }
};

/// The LP relaxation solved by GLPK's primal simplex on a working set of columns (item i
/// in slot s), grown by column generation. After each solve the duals of the limit rows
/// become the multipliers, L is evaluated over EVERY item with them, and every (i, s) not
/// yet a column whose reduced fee exceeds the dual of i's row "at most one slot" (0 if i
/// has no column yet) becomes one. When none is left the duals are optimal for the whole
/// LP and L equals its optimum. Starting each item in its single best slot keeps the
/// model small: most items are indifferent between slots (only the block limit holds
/// them), and offering each in every slot made the simplex 5x slower.
/// Validity never rests on GLPK: whatever it returns, the duals are clamped to >= 0 and L
/// is computed here, so it is a bound (weak duality, see the header); a poor or unfinished
/// solve only gives a looser one. `lambda` holds the multipliers of the least L the
/// descent found, which choose the first columns, and receives the best; returns the least
/// L seen.
Real lp_refine(std::span<const WindowItem> items, std::uint32_t slots, std::vector<Constraint>& cs,
               std::vector<Real>& lambda, const std::vector<std::uint32_t>& usable,
               BoundResult& out) {
  Real best = std::numeric_limits<Real>::max();
  // The first columns: each item the start prices above -1/4 of its fee, in its best slot.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> add; // (item, slot)
  {
    Penalties pen(items, slots);
    set_multipliers(cs, lambda, pen);
    best = pen.lagrangian(cs);
    for (std::uint32_t i : usable) {
      const WindowItem& it = items[i];
      std::uint32_t arg = it.first_slot;
      for (std::uint32_t s = it.first_slot + 1; s < slots; ++s)
        if (pen.reduced(i, s) > pen.reduced(i, arg)) arg = s;
      if (pen.reduced(i, arg) > -LP_START_MARGIN * static_cast<Real>(it.fee))
        add.emplace_back(i, arg);
    }
  }
  // GLPK prints progress (scaling, simplex) unless told not to; restored on return.
  struct QuietGlpk {
    int was = glp_term_out(GLP_OFF);
    ~QuietGlpk() { glp_term_out(was); }
  } quiet;
  std::unique_ptr<glp_prob, GlpDeleter> lp(glp_create_prob());
  glp_set_obj_dir(lp.get(), GLP_MAX);
  // Rows 1..cs.size(): the limits (all of them, even while empty: their duals index cs).
  glp_add_rows(lp.get(), static_cast<int>(cs.size()));
  for (std::size_t g = 0; g < cs.size(); ++g) {
    glp_set_row_bnds(lp.get(), static_cast<int>(g + 1), GLP_UP, 0.0,
                     static_cast<double>(cs[g].capacity));
  }
  // The limits each item is in (any slot), for building its columns.
  std::vector<std::vector<std::uint32_t>> rows_of(items.size());
  for (std::uint32_t g = 0; g < cs.size(); ++g) {
    for (std::uint32_t i : cs[g].members)
      rows_of[i].push_back(g);
  }
  std::vector<int> assign_row(items.size(), 0); // GLPK row of Σ_s x_is <= 1; 0 = no column yet
  std::vector<bool> is_col(items.size() * slots, false);
  std::vector<int> idx{0};
  std::vector<double> val{0.0};
  glp_smcp parm;
  glp_init_smcp(&parm);
  parm.msg_lev = GLP_MSG_OFF;
  const auto deadline = std::chrono::steady_clock::now() + LP_TIME_BUDGET;
  std::vector<Real> duals(cs.size());
  std::vector<std::pair<std::uint32_t, std::uint32_t>> columns; // (item, slot) of column j + 1
  for (std::uint32_t round = 0; round < LP_MAX_ROUNDS && !add.empty(); ++round) {
    for (const auto& [i, s] : add) {
      const WindowItem& it = items[i];
      if (assign_row[i] == 0) {
        assign_row[i] = glp_add_rows(lp.get(), 1);
        glp_set_row_bnds(lp.get(), assign_row[i], GLP_UP, 0.0, 1.0);
      }
      is_col[std::size_t{i} * slots + s] = true;
      const int col = glp_add_cols(lp.get(), 1);
      columns.emplace_back(i, s);
      glp_set_col_bnds(lp.get(), col, GLP_LO, 0.0, 0.0); // <= 1 by its assignment row
      glp_set_obj_coef(lp.get(), col, static_cast<double>(it.fee));
      idx.resize(1);
      val.resize(1);
      for (std::uint32_t g : rows_of[i]) {
        if (cs[g].slot != s) continue;
        idx.push_back(static_cast<int>(g + 1));
        val.push_back(static_cast<double>(it.cost));
      }
      idx.push_back(assign_row[i]);
      val.push_back(1.0);
      glp_set_mat_col(lp.get(), col, static_cast<int>(idx.size() - 1), idx.data(), val.data());
    }
    add.clear();
    if (round == 0) glp_scale_prob(lp.get(), GLP_SF_AUTO);
    ++out.lp_solves;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    parm.tm_lim = static_cast<int>(left.count());
    const int rc = glp_simplex(lp.get(), &parm);
    // Stopped early: its duals still make a valid (looser) L; any other failure: keep what
    // we have.
    const bool stopped = rc == GLP_ETMLIM || rc == GLP_EITLIM;
    if (rc != 0 && !stopped) break;
    for (std::size_t g = 0; g < cs.size(); ++g)
      duals[g] = std::max<Real>(0, glp_get_row_dual(lp.get(), static_cast<int>(g + 1)));
    Penalties pen(items, slots);
    set_multipliers(cs, duals, pen);
    const Real v = pen.lagrangian(cs);
    if (v < best) {
      best = v;
      lambda = duals;
    }
    for (std::uint32_t i : usable) {
      const WindowItem& it = items[i];
      const Real u =
          assign_row[i] == 0 ? 0 : std::max<Real>(0, glp_get_row_dual(lp.get(), assign_row[i]));
      const Real tol = LP_PRICE_TOLERANCE * std::max<Real>(1, it.fee);
      for (std::uint32_t s = it.first_slot; s < slots; ++s) {
        if (!is_col[std::size_t{i} * slots + s] && pen.reduced(i, s) - u > tol)
          add.emplace_back(i, s);
      }
    }
    if (stopped) break;
    if (add.empty() && glp_get_status(lp.get()) == GLP_OPT) out.lp_optimal = true;
  }
  if (out.lp_optimal) {
    for (std::size_t j = 0; j < columns.size(); ++j) {
      const double x = glp_get_col_prim(lp.get(), static_cast<int>(j + 1));
      if (x > LP_SHARE_EPSILON)
        out.lp_solution.push_back({columns[j].first, columns[j].second, std::min(x, 1.0)});
    }
  }
  return best;
}

} // namespace

BoundResult window_fee_upper_bound(std::span<const WindowItem> items, std::uint32_t slots,
                                   const txn::BlockLimits& limits, std::uint32_t max_rounds,
                                   bool exact_lp) {
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
      for (std::uint32_t a : it.accounts) {
        // An account listed twice must not make the item a member twice: its penalty
        // would double (the relaxation of a stricter problem, no longer a bound) and GLPK
        // aborts on a repeated row index in a column.
        std::vector<std::uint32_t>& m = by_account[a];
        if (m.empty() || m.back() != i) m.push_back(i);
      }
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
  std::vector<Real> best_lambda(cs.size(), 0);
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
        if (v < best) { // every λ >= 0 gives a valid bound: keep the least
          best = v;
          for (std::size_t g = 0; g < cs.size(); ++g)
            best_lambda[g] = cs[g].lambda;
        }
        if (stalled) break;
      }
    }
  }
  if (exact_lp && !cs.empty())
    best = std::min(best, lp_refine(items, slots, cs, best_lambda, usable, out));
  const Real rounded = std::floor(best + ROUNDING_ALLOWANCE);
  out.bound = rounded <= 0 ? 0 : static_cast<std::uint64_t>(rounded);
  out.bound = std::min(out.bound, out.total_fees);
  return out;
}

BoundResult fee_upper_bound(std::span<const BoundItem> items, const txn::BlockLimits& limits,
                            std::uint32_t max_rounds, bool exact_lp) {
  std::vector<WindowItem> w;
  w.reserve(items.size());
  for (const BoundItem& it : items)
    w.push_back(WindowItem{it.fee, it.cost, it.vote, it.accounts, 0});
  return window_fee_upper_bound(w, 1, limits, max_rounds, exact_lp);
}

} // namespace extpack::lab
