// The "extpack" policy's mechanisms: the knapsack choice of a contended account's
// writers, budget reserved for blocked high-value transactions, and a contended scenario
// where it must capture more fees than every baseline while filling the block.
#include <algorithm>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "extpack/sched/knapsack.hpp"
#include "policy_harness.hpp"

namespace extpack::sched {
namespace {

using test::Scenario;
using test::ScenarioTx;

TEST(Knapsack, PrefersTheMoreValuableSetOverDensityOrder) {
  // Density order takes the two 160K items (3.52M) and strands 80K; four 100K items
  // fill the 400K budget and are worth 4M.
  std::vector<KnapsackItem> items = {
      {160'000, 1'760'000}, {160'000, 1'760'000}, {160'000, 1'760'000}, {100'000, 1'000'000},
      {100'000, 1'000'000}, {100'000, 1'000'000}, {100'000, 1'000'000}};
  std::vector<bool> chosen;
  EXPECT_EQ(knapsack_select(items, 400'000, chosen), 4'000'000u);
  EXPECT_EQ(std::count(chosen.begin(), chosen.begin() + 3, true), 0);
  EXPECT_EQ(std::count(chosen.begin() + 3, chosen.end(), true), 4);
}

TEST(Knapsack, MatchesBruteForceOnSmallInstances) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    const std::size_t n = 1 + rng() % 12;
    std::vector<KnapsackItem> items(n);
    for (auto& it : items) {
      it.cost = 1 + rng() % 60'000;
      it.value = rng() % 100'000;
    }
    const std::uint64_t budget = rng() % 200'000;
    std::vector<bool> chosen;
    const std::uint64_t got = knapsack_select(items, budget, chosen, 1u << 13);
    std::uint64_t best = 0;
    for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
      std::uint64_t c = 0, v = 0;
      for (std::size_t i = 0; i < n; ++i)
        if (mask >> i & 1u) c += items[i].cost, v += items[i].value;
      if (c <= budget) best = std::max(best, v);
    }
    std::uint64_t c = 0, v = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (chosen[i]) c += items[i].cost, v += items[i].value;
    ASSERT_LE(c, budget);
    ASSERT_EQ(v, got);
    ASSERT_EQ(got, best) << "round " << round; // 12 items: at most 4096 states, no thinning
  }
}

TEST(Knapsack, ThinnedFrontierStillNeverExceedsTheBudget) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 200; ++round) {
    std::vector<KnapsackItem> items(1 + rng() % 100);
    for (auto& it : items)
      it = KnapsackItem{1 + rng() % 1'400'000, rng() % 1'000'000};
    const std::uint64_t budget = rng() % 24'000'000;
    std::vector<bool> chosen;
    knapsack_select(items, budget, chosen);
    std::uint64_t c = 0;
    for (std::size_t i = 0; i < items.size(); ++i)
      if (chosen[i]) c += items[i].cost;
    ASSERT_LE(c, budget);
  }
}

/// One hot account whose per-account budget is contended by writers of two sizes, plus
/// filler on distinct accounts that alone could fill the block twice over.
Scenario contended(bool progress) {
  Scenario sc;
  sc.cfg.capacity = 4096;
  sc.cfg.limits.max_block_units = 1'000'000;
  sc.cfg.limits.max_writable_account_units = 400'000;
  sc.workers = 4;
  sc.slots = 3;
  sc.steps_per_slot = 10;
  sc.report_progress = progress;
  std::uint32_t payer = 10'000;
  for (std::uint32_t slot = 0; slot < sc.slots; ++slot) {
    for (int i = 0; i < 4; ++i) {
      sc.txs.push_back(ScenarioTx{slot, 0, {1, payer++}, {}, 1'760'000, 160'000, false});
      sc.txs.push_back(ScenarioTx{slot, 0, {1, payer++}, {}, 1'000'000, 100'000, false});
    }
    for (int i = 0; i < 100; ++i)
      sc.txs.push_back(ScenarioTx{slot, 0, {payer++}, {}, 20'000 + 100u * (i % 7), 20'000, false});
  }
  return sc;
}

void expect_extpack_wins(const Scenario& sc) {
  const test::ScenarioResult ours = test::run_scenario(sc, "extpack");
  for (std::uint64_t c : ours.slot_cost)
    EXPECT_GE(c * 100, sc.cfg.limits.max_block_units * 99) << "block fill below 99 %";
  for (const char* base : {"greedy", "prio-graph", "fdpack", "fifo"}) {
    const test::ScenarioResult theirs = test::run_scenario(sc, base);
    EXPECT_GE(ours.fees * 100, theirs.fees * 103)
        << "extpack " << ours.fees << " vs " << base << " " << theirs.fees;
  }
}

TEST(ExtpackScenario, BeatsEveryBaselineOnAContendedHotAccountWithProgress) {
  expect_extpack_wins(contended(true));
}

TEST(ExtpackScenario, BeatsEveryBaselineOnAContendedHotAccountWithoutProgress) {
  expect_extpack_wins(contended(false));
}

/// Every slot: a backlog of filler that could fill the block 1.6 times arrives at its
/// start, and a valuable transaction arrives at each of the first 16 of its 20 steps.
Scenario steady_valuable_arrivals() {
  Scenario sc;
  sc.cfg.capacity = 4096;
  sc.cfg.limits.max_block_units = 1'000'000;
  sc.cfg.limits.max_writable_account_units = 1'000'000;
  sc.workers = 4;
  sc.slots = 4;
  sc.steps_per_slot = 20;
  std::uint32_t account = 1;
  for (std::uint32_t slot = 0; slot < sc.slots; ++slot) {
    for (int i = 0; i < 80; ++i)
      sc.txs.push_back(ScenarioTx{slot, 0, {account++}, {}, 10'000, 20'000, false});
    for (std::uint32_t step = 0; step < 16; ++step)
      sc.txs.push_back(ScenarioTx{slot, step, {account++}, {}, 400'000, 40'000, false});
  }
  return sc;
}

TEST(ExtpackScenario, LeavesRoomForTheValueTheRestOfTheSlotBrings) {
  // The forecast of what arrives through a slot (learnt from the slots before) keeps the
  // backlog of filler from taking the space the valuable arrivals need later in the slot,
  // so every valuable transaction is included, and the block still fills. Spending the
  // budget on the backlog as soon as it is there (the queue alone as the supply) would
  // leave most of them out of their slot and the last slot's out of the window.
  const Scenario sc = steady_valuable_arrivals();
  const test::ScenarioResult r = test::run_scenario(sc, "extpack");
  const std::uint64_t valuable = 4 * 16 * 400'000ull;
  EXPECT_GE(r.fees, valuable) << "valuable transactions were left out";
  for (std::uint64_t c : r.slot_cost)
    EXPECT_GE(c * 100, sc.cfg.limits.max_block_units * 99) << "block fill below 99 %";
}

/// Leader windows of `window` slots: every slot a backlog of filler that could fill the
/// block 1.6 times arrives at its start, and a valuable transaction at every other of its
/// 40 steps (progress is reported at each step, 2.5 % apart).
Scenario late_valuable_arrivals(std::uint32_t window, bool reported) {
  Scenario sc;
  sc.cfg.capacity = 4096;
  sc.cfg.limits.max_block_units = 1'000'000;
  sc.cfg.limits.max_writable_account_units = 1'000'000;
  sc.workers = 4;
  sc.slots = 2 * window;
  sc.steps_per_slot = 40;
  sc.leader_window = reported ? window : 0;
  std::uint32_t account = 1;
  for (std::uint32_t slot = 0; slot < sc.slots; ++slot) {
    for (int i = 0; i < 80; ++i)
      sc.txs.push_back(ScenarioTx{slot, 0, {account++}, {}, 10'000, 20'000, false});
    for (std::uint32_t step = 0; step < 40; step += 2)
      sc.txs.push_back(ScenarioTx{slot, step, {account++}, {}, 100'000, 10'000, false});
  }
  return sc;
}

TEST(ExtpackScenario, LastSlotOfTheLeaderWindowKeepsRoomForLateArrivals) {
  // In a slot that another of ours follows, whatever arrives after the block filled goes
  // in the next one; in the last slot of the window it would go to another leader. So
  // there the end phase starts later and the forecast keeps room for the late valuable
  // arrivals. Without the window reported, the last slot is planned like any other and
  // its late arrivals are left out.
  const test::ScenarioResult with = test::run_scenario(late_valuable_arrivals(4, true), "extpack");
  const test::ScenarioResult without =
      test::run_scenario(late_valuable_arrivals(4, false), "extpack");
  // Every valuable transaction (160, 100,000 each) is included: fees = 160 * 100,000 plus
  // 10,000 per filler transaction.
  constexpr std::uint64_t valuable = 8 * 20;
  ASSERT_GE(with.included, valuable);
  EXPECT_EQ(with.fees, valuable * 100'000 + (with.included - valuable) * 10'000);
  EXPECT_GT(with.fees, without.fees);
  // The slots before the window's last are planned as before: the same blocks.
  ASSERT_EQ(with.slot_fees.size(), without.slot_fees.size());
  for (std::size_t s = 0; s < 3; ++s)
    EXPECT_EQ(with.slot_fees[s], without.slot_fees[s]) << "slot " << s;
  EXPECT_GT(with.slot_fees[3], without.slot_fees[3]);
  for (std::uint64_t c : with.slot_cost)
    EXPECT_GE(c * 100, 1'000'000ull * 99) << "block fill below 99 %";
}

} // namespace
} // namespace extpack::sched
