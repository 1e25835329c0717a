// The offline fee bound: exact on small instances whose optimum is known by hand, never
// below the brute-force optimum, never looser than the block-only fractional knapsack,
// and (exact mode) equal to the LP relaxation's optimum solved as one whole model.
#include <algorithm>
#include <random>

#include <glpk.h>
#include <gtest/gtest.h>

#include "extpack/lab/upper_bound.hpp"

namespace extpack::lab {
namespace {

txn::BlockLimits limits(std::uint64_t block, std::uint64_t account, std::uint64_t vote) {
  txn::BlockLimits l;
  l.max_block_units = block;
  l.max_writable_account_units = account;
  l.max_vote_units = vote;
  return l;
}

BoundItem item(std::uint64_t fee, std::uint64_t cost, std::vector<std::uint32_t> accounts = {},
               bool vote = false) {
  return BoundItem{fee, cost, vote, std::move(accounts)};
}

/// The best fee sum over all subsets that respect every limit.
std::uint64_t brute_force(const std::vector<BoundItem>& items, const txn::BlockLimits& l) {
  std::uint64_t best = 0;
  const std::size_t n = items.size();
  for (std::uint64_t mask = 0; mask < (1ull << n); ++mask) {
    std::uint64_t fee = 0, block = 0, vote = 0;
    std::vector<std::uint64_t> acct(16, 0);
    bool ok = true;
    for (std::size_t i = 0; i < n && ok; ++i) {
      if (!(mask >> i & 1)) continue;
      fee += items[i].fee;
      block += items[i].cost;
      if (items[i].vote) vote += items[i].cost;
      for (auto a : items[i].accounts) {
        acct[a] += items[i].cost;
        ok &= acct[a] <= l.max_writable_account_units;
      }
      ok &= block <= l.max_block_units && vote <= l.max_vote_units;
    }
    if (ok) best = std::max(best, fee);
  }
  return best;
}

/// The classic fractional-knapsack bound on the block limit alone.
double fractional_block(std::vector<BoundItem> items, std::uint64_t cap) {
  std::sort(items.begin(), items.end(), [](const BoundItem& a, const BoundItem& b) {
    return static_cast<double>(a.fee) * static_cast<double>(b.cost) >
           static_cast<double>(b.fee) * static_cast<double>(a.cost);
  });
  double v = 0, room = static_cast<double>(cap);
  for (const BoundItem& it : items) {
    const auto c = static_cast<double>(it.cost);
    if (c <= room) {
      v += static_cast<double>(it.fee);
      room -= c;
    } else {
      v += static_cast<double>(it.fee) * room / c;
      break;
    }
  }
  return v;
}

TEST(FeeBound, EmptyIsZero) {
  const auto r = fee_upper_bound({}, limits(100, 50, 60));
  EXPECT_EQ(r.bound, 0u);
  EXPECT_EQ(r.constraints, 0u);
}

TEST(FeeBound, EverythingFitsIsTheFeeSum) {
  const std::vector<BoundItem> v = {item(7, 10, {0}), item(9, 20, {0}), item(4, 30, {1})};
  const auto r = fee_upper_bound(v, limits(100, 50, 60));
  EXPECT_EQ(r.bound, 20u);
  EXPECT_EQ(r.total_fees, 20u);
  EXPECT_EQ(r.constraints, 0u); // nothing can bind
}

TEST(FeeBound, BlockKnapsackFilledExactly) {
  // Best: 50 + 40 (cost 60 + 40 = the block); the third does not fit.
  const std::vector<BoundItem> v = {item(50, 60), item(40, 40), item(30, 40)};
  const auto l = limits(100, 1000, 1000);
  EXPECT_EQ(brute_force(v, l), 90u);
  EXPECT_EQ(fee_upper_bound(v, l).bound, 90u);
}

TEST(FeeBound, HotAccountFilledExactly) {
  // Three writers of account 7 at 30 CU each, two fit its 60 CU limit: 10 + 9, plus the
  // independent 5. The block (100) holds all four, so only the account binds.
  const std::vector<BoundItem> v = {item(10, 30, {7}), item(9, 30, {7}), item(8, 30, {7}),
                                    item(5, 10, {3})};
  const auto l = limits(100, 60, 1000);
  EXPECT_EQ(brute_force(v, l), 24u);
  const auto r = fee_upper_bound(v, l);
  EXPECT_EQ(r.bound, 24u);
  EXPECT_EQ(r.constraints, 1u);
}

TEST(FeeBound, BlockAndAccountBindTogether) {
  // The two best both write account 1 (limit 50, one of them fits); the block (100) takes
  // two of the four. Optimum: 100 (account 1) + 80 (account 2) = 180. The block-only bound
  // says 190 (100 + 90); the account multiplier brings it down to the optimum.
  const std::vector<BoundItem> v = {item(100, 50, {1}), item(90, 50, {1}), item(80, 50, {2}),
                                    item(20, 50, {3})};
  const auto l = limits(100, 50, 1000);
  EXPECT_EQ(brute_force(v, l), 180u);
  EXPECT_NEAR(fractional_block(v, 100), 190.0, 1e-9);
  EXPECT_EQ(fee_upper_bound(v, l).bound, 180u);
}

TEST(FeeBound, VoteLimit) {
  // Three votes of 10 CU, the vote limit takes two; one non-vote beside them.
  const std::vector<BoundItem> v = {item(5, 10, {1}, true), item(5, 10, {2}, true),
                                    item(5, 10, {3}, true), item(50, 40, {4})};
  const auto l = limits(1000, 1000, 20);
  EXPECT_EQ(brute_force(v, l), 60u);
  EXPECT_EQ(fee_upper_bound(v, l).bound, 60u);
}

TEST(FeeBound, FractionalItemMakesItAboveTheOptimum) {
  // The LP takes half of the 60-fee item: 40 + 30 = 70 > the integer optimum 60.
  const std::vector<BoundItem> v = {item(40, 50), item(60, 100)};
  const auto l = limits(100, 1000, 1000);
  EXPECT_EQ(brute_force(v, l), 60u);
  EXPECT_EQ(fee_upper_bound(v, l).bound, 70u);
}

TEST(FeeBound, ARepeatedAccountCountsOnce) {
  // Counted twice, the item would take 12 of the account's 10 and the bound would fall to
  // 8.33, below the real optimum (the item alone, 10); the exact mode would also hand
  // GLPK a column with a repeated row, which aborts.
  const std::vector<BoundItem> v = {item(10, 6, {0, 0}), item(1, 6, {0})};
  const auto l = limits(100, 10, 100);
  for (bool exact : {false, true})
    EXPECT_EQ(fee_upper_bound(v, l, DEFAULT_BOUND_ROUNDS, exact).bound, 10u) << exact;
}

TEST(FeeBound, RandomInstancesNeverBelowOptimumNorAboveBlockBound) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::uint64_t> cost(1, 40), fee(0, 1000), acct(0, 3), nacct(0, 2);
  int tighter = 0;
  for (int round = 0; round < 300; ++round) {
    std::vector<BoundItem> v;
    const std::size_t n = 3 + round % 10;
    for (std::size_t i = 0; i < n; ++i) {
      BoundItem it = item(fee(rng), cost(rng));
      it.vote = (rng() & 7) == 0;
      for (std::uint64_t k = nacct(rng); k > 0; --k) {
        const auto a = static_cast<std::uint32_t>(acct(rng));
        if (std::find(it.accounts.begin(), it.accounts.end(), a) == it.accounts.end()) {
          it.accounts.push_back(a);
        }
      }
      v.push_back(std::move(it));
    }
    const auto l = limits(60 + rng() % 60, 20 + rng() % 40, 10 + rng() % 30);
    const std::uint64_t opt = brute_force(v, l);
    const auto r = fee_upper_bound(v, l);
    ASSERT_GE(r.bound, opt) << "round " << round;
    ASSERT_GE(fee_upper_bound(v, l, DEFAULT_BOUND_ROUNDS, false).bound, opt)
        << "descent only, round " << round;
    ASSERT_LE(r.bound, r.total_fees);
    const double block_only = fractional_block(v, l.max_block_units);
    ASSERT_LE(static_cast<double>(r.bound), block_only + 1.0) << "round " << round;
    if (static_cast<double>(r.bound) + 1.0 < block_only) ++tighter;
  }
  // The per-account and vote multipliers must pay off on some of these instances.
  EXPECT_GT(tighter, 30);
}

// ---- the joint bound of several slots ----

WindowItem witem(std::uint64_t fee, std::uint64_t cost, std::uint32_t first,
                 std::vector<std::uint32_t> accounts = {}) {
  return WindowItem{fee, cost, false, std::move(accounts), first};
}

/// The best fee sum over every assignment of items to one of their slots or to none.
std::uint64_t brute_force_window(const std::vector<WindowItem>& items, std::uint32_t slots,
                                 const txn::BlockLimits& l) {
  const std::size_t n = items.size();
  std::vector<std::uint32_t> at(n, 0); // 0 = left out, s + 1 = slot s
  std::uint64_t best = 0;
  for (;;) {
    std::uint64_t fee = 0;
    bool ok = true;
    for (std::uint32_t s = 0; s < slots && ok; ++s) {
      std::uint64_t block = 0, vote = 0;
      std::vector<std::uint64_t> acct(16, 0);
      for (std::size_t i = 0; i < n; ++i) {
        if (at[i] != s + 1) continue;
        ok &= items[i].first_slot <= s;
        block += items[i].cost;
        if (items[i].vote) vote += items[i].cost;
        for (auto a : items[i].accounts)
          ok &= (acct[a] += items[i].cost) <= l.max_writable_account_units;
      }
      ok &= block <= l.max_block_units && vote <= l.max_vote_units;
    }
    if (ok) {
      for (std::size_t i = 0; i < n; ++i)
        if (at[i] != 0) fee += items[i].fee;
      best = std::max(best, fee);
    }
    std::size_t k = 0; // next assignment, odometer style
    while (k < n && ++at[k] > slots)
      at[k++] = 0;
    if (k == n) return best;
  }
}

/// `n` random items over `slots` slots, small enough for brute_force_window ((slots + 1)^n
/// assignments): fees < 1000, costs 1..40, an eighth votes, half writing one of 3 accounts.
std::vector<WindowItem> small_window(std::mt19937_64& rng, std::uint32_t slots, std::size_t n) {
  std::vector<WindowItem> w;
  for (std::size_t i = 0; i < n; ++i) {
    WindowItem it = witem(rng() % 1000, 1 + rng() % 40, static_cast<std::uint32_t>(rng() % slots));
    it.vote = (rng() & 7) == 0;
    if (rng() & 1) it.accounts.push_back(static_cast<std::uint32_t>(rng() % 3));
    w.push_back(std::move(it));
  }
  return w;
}

TEST(WindowBound, OneSlotIsThePerSlotBound) {
  std::mt19937_64 rng(5);
  for (int round = 0; round < 50; ++round) {
    std::vector<BoundItem> v;
    std::vector<WindowItem> w;
    for (int i = 0; i < 12; ++i) {
      const std::uint64_t fee = rng() % 1000, cost = 1 + rng() % 40;
      std::vector<std::uint32_t> acc{static_cast<std::uint32_t>(rng() % 3)};
      v.push_back(item(fee, cost, acc));
      w.push_back(witem(fee, cost, 0, acc));
    }
    const auto l = limits(100, 40, 30);
    EXPECT_EQ(window_fee_upper_bound(w, 1, l).bound, fee_upper_bound(v, l).bound);
  }
}

TEST(WindowBound, ABacklogCountsOnceNotOncePerSlot) {
  // Three items of cost 10 arrive before the first of two slots of capacity 10. Each
  // slot's own bound is the best item (50), so the per-slot sum is 100; together the two
  // slots can take two of them: 50 + 40 = 90.
  const auto l = limits(10, 10, 10);
  const std::vector<WindowItem> w = {witem(50, 10, 0), witem(40, 10, 0), witem(30, 10, 0)};
  EXPECT_EQ(window_fee_upper_bound(w, 2, l).bound, 90u);
}

TEST(WindowBound, ALateArrivalOnlyFitsTheLaterSlot) {
  // Slot 0 can take only the early items; the late valuable one needs slot 1, where it
  // displaces the second early item: 60 (slot 0) + 100 (slot 1) = 160, not 60 + 50.
  const auto l = limits(10, 10, 10);
  const std::vector<WindowItem> w = {witem(60, 10, 0), witem(50, 10, 0), witem(100, 10, 1)};
  EXPECT_EQ(window_fee_upper_bound(w, 2, l).bound, 160u);
  // An item that arrives after the window ends counts nowhere.
  const std::vector<WindowItem> late = {witem(60, 10, 0), witem(500, 10, 2)};
  EXPECT_EQ(window_fee_upper_bound(late, 2, l).bound, 60u);
}

// The bounds compared here run in the default, exact mode; the descent alone is checked
// against the optimum too.
TEST(WindowBound, RandomWindowsNeverBelowOptimumNorAboveTheSlotSum) {
  std::mt19937_64 rng(99);
  int tighter = 0;
  for (int round = 0; round < 150; ++round) {
    const std::uint32_t slots = 2 + round % 2;
    const std::vector<WindowItem> w = small_window(rng, slots, 4 + round % 4);
    const auto l = limits(40 + rng() % 40, 20 + rng() % 30, 10 + rng() % 30);
    const std::uint64_t opt = brute_force_window(w, slots, l);
    const auto r = window_fee_upper_bound(w, slots, l);
    ASSERT_GE(r.bound, opt) << "round " << round;
    ASSERT_GE(window_fee_upper_bound(w, slots, l, DEFAULT_BOUND_ROUNDS, false).bound, opt)
        << "descent only, round " << round;
    // Each slot alone, over what arrived by its end, bounds that slot.
    std::uint64_t sum = 0;
    for (std::uint32_t s = 0; s < slots; ++s) {
      std::vector<BoundItem> v;
      for (const WindowItem& it : w)
        if (it.first_slot <= s) v.push_back(BoundItem{it.fee, it.cost, it.vote, it.accounts});
      sum += fee_upper_bound(v, l).bound;
    }
    ASSERT_LE(r.bound, sum + 1) << "round " << round;
    if (r.bound + 1 < sum) ++tighter;
  }
  EXPECT_GT(tighter, 30); // sharing items across slots must pay off on many instances
}

/// The LP relaxation of the window problem built whole (every item in every slot it can go
/// in, every limit) and solved by GLPK in one go: the oracle for the column generation.
double whole_lp(const std::vector<WindowItem>& items, std::uint32_t slots,
                const txn::BlockLimits& l) {
  glp_prob* lp = glp_create_prob();
  glp_set_obj_dir(lp, GLP_MAX);
  // Rows: per slot block, vote and 3 accounts (5 per slot), then one per item.
  const int per_slot = 5;
  glp_add_rows(lp, static_cast<int>(slots) * per_slot + static_cast<int>(items.size()));
  for (std::uint32_t s = 0; s < slots; ++s) {
    glp_set_row_bnds(lp, static_cast<int>(s) * per_slot + 1, GLP_UP, 0, double(l.max_block_units));
    glp_set_row_bnds(lp, static_cast<int>(s) * per_slot + 2, GLP_UP, 0, double(l.max_vote_units));
    for (int a = 0; a < 3; ++a) {
      glp_set_row_bnds(lp, static_cast<int>(s) * per_slot + 3 + a, GLP_UP, 0,
                       double(l.max_writable_account_units));
    }
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    const int row = static_cast<int>(slots) * per_slot + 1 + static_cast<int>(i);
    glp_set_row_bnds(lp, row, GLP_UP, 0, 1);
    for (std::uint32_t s = items[i].first_slot; s < slots; ++s) {
      const int col = glp_add_cols(lp, 1);
      glp_set_col_bnds(lp, col, GLP_LO, 0, 0);
      glp_set_obj_coef(lp, col, double(items[i].fee));
      std::vector<int> idx{0, static_cast<int>(s) * per_slot + 1, row};
      std::vector<double> val{0, double(items[i].cost), 1};
      if (items[i].vote) {
        idx.push_back(static_cast<int>(s) * per_slot + 2);
        val.push_back(double(items[i].cost));
      }
      for (auto a : items[i].accounts) {
        idx.push_back(static_cast<int>(s) * per_slot + 3 + static_cast<int>(a));
        val.push_back(double(items[i].cost));
      }
      glp_set_mat_col(lp, col, static_cast<int>(idx.size() - 1), idx.data(), val.data());
    }
  }
  glp_smcp parm;
  glp_init_smcp(&parm);
  parm.msg_lev = GLP_MSG_OFF;
  EXPECT_EQ(glp_simplex(lp, &parm), 0);
  EXPECT_EQ(glp_get_status(lp), GLP_OPT);
  const double v = glp_get_obj_val(lp);
  glp_delete_prob(lp);
  return v;
}

/// `n` random items over `slots` slots: fees fee_min..fee_min+999, costs 1..40, one vote in
/// eight, each of accounts 0-2 written with chance 1/3.
std::vector<WindowItem> random_window(std::mt19937_64& rng, std::uint32_t slots, std::size_t n,
                                      std::uint64_t fee_min) {
  std::vector<WindowItem> w;
  for (std::size_t i = 0; i < n; ++i) {
    WindowItem it =
        witem(fee_min + rng() % 1000, 1 + rng() % 40, static_cast<std::uint32_t>(rng() % slots));
    it.vote = (rng() & 7) == 0;
    for (std::uint32_t a = 0; a < 3; ++a)
      if ((rng() % 3) == 0) it.accounts.push_back(a);
    w.push_back(std::move(it));
  }
  return w;
}

TEST(WindowBound, ExactModeIsTheWholeLpOptimumAndNoLooserThanTheDescent) {
  std::mt19937_64 rng(7);
  int tighter = 0, priced = 0;
  for (int round = 0; round < 200; ++round) {
    const std::uint32_t slots = 1 + round % 4;
    const std::size_t n = 10 + round % 40;
    const std::vector<WindowItem> w = random_window(rng, slots, n, 0);
    const auto l = limits(60 + rng() % 100, 20 + rng() % 40, 10 + rng() % 30);
    const auto exact = window_fee_upper_bound(w, slots, l);
    const auto descent = window_fee_upper_bound(w, slots, l, DEFAULT_BOUND_ROUNDS, false);
    EXPECT_EQ(descent.lp_solves, 0u);
    ASSERT_LE(exact.bound, descent.bound) << "round " << round;
    if (exact.constraints > 0) {
      ASSERT_TRUE(exact.lp_optimal) << "round " << round;
      // The bound is floor(L + 1/4) of the LP optimum (see upper_bound.hpp).
      const double lp = whole_lp(w, slots, l);
      ASSERT_NEAR(static_cast<double>(exact.bound), std::floor(lp + 0.25), 1.0)
          << "round " << round;
      ASSERT_GE(static_cast<double>(exact.bound) + 1e-6, std::floor(lp)) << "round " << round;
    }
    if (exact.bound < descent.bound) ++tighter;
    if (exact.lp_solves > 1) ++priced;
  }
  // The coordinate descent stalls above the LP optimum when limits bind together.
  EXPECT_GT(tighter, 10);
  // Column generation had to add (item, slot) columns and solve again on some instances.
  EXPECT_GT(priced, 10);
}

TEST(WindowBound, ExactModeSolutionIsFeasibleAndWorthTheBound) {
  std::mt19937_64 rng(31);
  int checked = 0;
  for (int round = 0; round < 150; ++round) {
    const std::uint32_t slots = 1 + round % 4;
    const std::size_t n = 10 + round % 40;
    const std::vector<WindowItem> w = random_window(rng, slots, n, 1);
    const auto l = limits(60 + rng() % 100, 20 + rng() % 40, 10 + rng() % 30);
    const auto r = window_fee_upper_bound(w, slots, l);
    EXPECT_TRUE(
        window_fee_upper_bound(w, slots, l, DEFAULT_BOUND_ROUNDS, false).lp_solution.empty());
    if (!r.lp_optimal) {
      EXPECT_TRUE(r.lp_solution.empty()) << "round " << round;
      continue;
    }
    ++checked;
    const double tol = 1e-6;
    std::vector<double> taken(n, 0), block(slots, 0), votes(slots, 0), acct(slots * 3, 0);
    double value = 0;
    for (const LpPlacement& p : r.lp_solution) {
      ASSERT_LT(p.item, n) << "round " << round;
      const WindowItem& it = w[p.item];
      ASSERT_GE(p.slot, it.first_slot) << "round " << round; // never before it arrived
      ASSERT_LT(p.slot, slots) << "round " << round;
      ASSERT_GT(p.share, 0.0);
      ASSERT_LE(p.share, 1.0);
      taken[p.item] += p.share;
      const double c = static_cast<double>(it.cost) * p.share;
      block[p.slot] += c;
      if (it.vote) votes[p.slot] += c;
      for (auto a : it.accounts)
        acct[p.slot * 3 + a] += c;
      value += static_cast<double>(it.fee) * p.share;
    }
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_LE(taken[i], 1.0 + tol) << "round " << round << " item " << i;
    for (std::uint32_t s = 0; s < slots; ++s) {
      ASSERT_LE(block[s], static_cast<double>(l.max_block_units) + tol) << "round " << round;
      ASSERT_LE(votes[s], static_cast<double>(l.max_vote_units) + tol) << "round " << round;
      for (int a = 0; a < 3; ++a) {
        ASSERT_LE(acct[s * 3 + a], static_cast<double>(l.max_writable_account_units) + tol)
            << "round " << round;
      }
    }
    // The solution is worth the bound (floor(LP + 1/4)).
    ASSERT_NEAR(value, static_cast<double>(r.bound), 1.0) << "round " << round;
  }
  EXPECT_GT(checked, 100);
}

TEST(WindowBound, ExactModeAtMainnetScaleIsTheWholeLpOptimum) {
  // Mainnet-sized numbers: fees 10^3..10^8 lamports, costs up to 1.4M CU, 60M blocks,
  // 24M accounts (3 hot ones), 36M votes, 4 slots and 3,000 candidates.
  std::mt19937_64 rng(2024);
  std::vector<WindowItem> w;
  for (int i = 0; i < 3000; ++i) {
    const std::uint64_t cost = 1'000 + rng() % 1'400'000;
    const std::uint64_t fee = 1'000 + (rng() % 1000) * (rng() % 100'000);
    WindowItem it = witem(fee, cost, static_cast<std::uint32_t>(rng() % 4));
    it.vote = (rng() % 4) == 0;
    if (!it.vote && rng() % 2 == 0) it.accounts.push_back(static_cast<std::uint32_t>(rng() % 3));
    w.push_back(std::move(it));
  }
  const txn::BlockLimits l{};
  const auto exact = window_fee_upper_bound(w, 4, l);
  const auto descent = window_fee_upper_bound(w, 4, l, DEFAULT_BOUND_ROUNDS, false);
  ASSERT_TRUE(exact.lp_optimal);
  EXPECT_LE(exact.bound, descent.bound);
  const double lp = whole_lp(w, 4, l);
  // Relative agreement: the simplex works in double precision on sums near 10^10.
  EXPECT_NEAR(static_cast<double>(exact.bound), lp, lp * 1e-9 + 1.0);
}

} // namespace
} // namespace extpack::lab
