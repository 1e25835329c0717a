// The offline fee bound: exact on small instances whose optimum is known by hand, never
// below the brute-force optimum, never looser than the block-only fractional knapsack.
#include <algorithm>
#include <random>

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
    ASSERT_LE(r.bound, r.total_fees);
    const double block_only = fractional_block(v, l.max_block_units);
    ASSERT_LE(static_cast<double>(r.bound), block_only + 1.0) << "round " << round;
    if (static_cast<double>(r.bound) + 1.0 < block_only) ++tighter;
  }
  // The per-account and vote multipliers must pay off on some of these instances.
  EXPECT_GT(tighter, 30);
}

} // namespace
} // namespace extpack::lab
