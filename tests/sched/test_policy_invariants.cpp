// Safety of every registered policy on randomized workloads: no two conflicting
// transactions in flight, no batch over max_batch, and no slot's block, vote or
// per-account limit exceeded by what the scheduler planned (checked by the harness on
// every step).
#include <random>

#include <gtest/gtest.h>

#include "policy_harness.hpp"

namespace extpack::sched {
namespace {

using test::Scenario;
using test::ScenarioTx;

Scenario random_scenario(std::uint64_t seed, std::uint32_t hot_accounts) {
  std::mt19937_64 rng(seed);
  Scenario sc;
  sc.cfg.capacity = 4096;
  sc.cfg.limits.max_block_units = 2'000'000;
  sc.cfg.limits.max_writable_account_units = 600'000;
  sc.cfg.limits.max_vote_units = 300'000;
  sc.cfg.max_batch = 1 + rng() % 64;
  sc.workers = 1 + static_cast<std::uint32_t>(rng() % 6);
  sc.slots = 3;
  sc.steps_per_slot = 8;
  sc.latency_steps = 1 + static_cast<std::uint32_t>(rng() % 3);
  sc.report_progress = (seed % 2) == 0;
  const std::size_t n = 1500;
  for (std::size_t i = 0; i < n; ++i) {
    ScenarioTx t;
    t.slot = static_cast<std::uint32_t>(rng() % sc.slots);
    t.step = static_cast<std::uint32_t>(rng() % sc.steps_per_slot);
    t.writable.push_back(100'000 + static_cast<std::uint32_t>(i)); // own fee payer
    const std::uint32_t k = static_cast<std::uint32_t>(rng() % 4);
    for (std::uint32_t j = 0; j < k; ++j) {
      const auto acct = static_cast<std::uint32_t>(rng() % hot_accounts);
      if (rng() % 2) {
        t.writable.push_back(acct);
      } else {
        t.readonly.push_back(acct);
      }
    }
    // Distinct keys only: a key may not be both read and written.
    std::sort(t.writable.begin(), t.writable.end());
    t.writable.erase(std::unique(t.writable.begin(), t.writable.end()), t.writable.end());
    std::sort(t.readonly.begin(), t.readonly.end());
    t.readonly.erase(std::unique(t.readonly.begin(), t.readonly.end()), t.readonly.end());
    std::erase_if(t.readonly, [&](std::uint32_t r) {
      return std::find(t.writable.begin(), t.writable.end(), r) != t.writable.end();
    });
    t.vote = rng() % 5 == 0;
    t.cost = 2'000 + rng() % 200'000;
    t.reward = 5'000 + rng() % 500'000;
    sc.txs.push_back(std::move(t));
  }
  std::stable_sort(sc.txs.begin(), sc.txs.end(), [](const ScenarioTx& a, const ScenarioTx& b) {
    return a.slot != b.slot ? a.slot < b.slot : a.step < b.step;
  });
  return sc;
}

class EveryPolicy : public ::testing::TestWithParam<std::string_view> {};

TEST_P(EveryPolicy, RandomizedScenariosKeepEveryInvariant) {
  const std::string name(GetParam());
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    const std::uint32_t hot = seed % 3 == 0 ? 2 : 40;
    Scenario sc = random_scenario(seed, hot);
    test::ScenarioResult r = test::run_scenario(sc, name.c_str());
    // Demand is far above capacity: every policy includes something in every slot.
    ASSERT_EQ(r.slot_cost.size(), sc.slots);
    for (std::uint64_t c : r.slot_cost)
      EXPECT_GT(c, 0u) << name << " seed " << seed;
    if (::testing::Test::HasFailure()) FAIL() << name << " failed on seed " << seed;
  }
}

INSTANTIATE_TEST_SUITE_P(Policies, EveryPolicy, ::testing::ValuesIn(policy_names()),
                         [](const auto& p) {
                           std::string s(p.param);
                           std::replace(s.begin(), s.end(), '-', '_');
                           return s;
                         });

} // namespace
} // namespace extpack::sched
