// The lockstep engine: deterministic block records, full accounting with zero allocations
// left on every allocator id, and the upper bound above every policy's fees in every
// leader slot, on small mainnet-like and contended runs and a mainnet block replay.
#include <filesystem>
#include <limits>

#include <gtest/gtest.h>

#include "extpack/lab/compare.hpp"
#include "extpack/lab/engine.hpp"
#include "extpack/lab/workloads.hpp"
#include "extpack/sched/policies.hpp"
#include "extpack/sim/stats.hpp"
#include "testutil.hpp"

namespace extpack::lab {
namespace {

/// 4 slots (leader in 2 and 3, so pack buffers for two slots first), 2 workers.
LabConfig small(std::string_view workload, std::uint32_t tx_per_slot, std::uint64_t seed) {
  LabConfig c;
  EXPECT_TRUE(apply_workload(workload, c.sim).ok());
  c.sim.slots = 4;
  c.sim.leader_window = 2; // the last 2 of every 4
  c.sim.leader_every = 4;
  c.sim.tx_per_slot = tx_per_slot;
  c.sim.seed = seed;
  c.workers = 2;
  c.allocator_size = 64ull << 20;
  return c;
}

LabRun run_ok(const LabConfig& c) {
  auto r = run_lab(c);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(*r) : LabRun{};
}

void expect_accounted(const LabRun& run, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_TRUE(run.drained);
  ASSERT_FALSE(run.outstanding_by_id.empty());
  for (std::size_t id = 0; id < run.outstanding_by_id.size(); ++id) {
    EXPECT_EQ(run.outstanding_by_id[id], 0u) << "allocator worker id " << id;
  }
  const auto received = run.pack_stats.at("received").get<std::uint64_t>();
  const auto included = run.pack_stats.at("included").get<std::uint64_t>();
  const auto dropped = run.pack_stats.at("dropped_total").get<std::uint64_t>();
  EXPECT_GT(received, 0u);
  EXPECT_EQ(received, included + dropped);
  EXPECT_EQ(received, run.report.totals.fed); // pack took every message the feed committed
  EXPECT_EQ(included, run.report.totals.included);
  std::uint64_t in_blocks = 0;
  for (const auto& b : run.report.blocks)
    in_blocks += b.entries.size();
  EXPECT_EQ(in_blocks, included);
}

void expect_bounded(const LabRun& run, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_FALSE(run.leader_slots.empty());
  std::uint64_t fees = 0, slot_bounds = 0;
  for (const SlotOutcome& o : run.leader_slots) {
    EXPECT_GE(o.bound.bound, o.fees) << "slot " << o.slot;
    fees += o.fees;
    slot_bounds += o.bound.bound;
  }
  EXPECT_GT(fees, 0u);
  // The joint bound of the leader slots holds the total. (The per-slot bounds here leave
  // out what this policy included earlier, so their sum is no bound on the joint one.)
  EXPECT_GE(run.window_bound.bound, fees);
  EXPECT_GE(slot_bounds, fees);
  // With the LP's solution, bound − fees splits exactly into what the LP chose and the run
  // did not include, less what the run included outside the LP's choice.
  const GapBreakdown& g = run.gap;
  EXPECT_EQ(g.known, run.window_bound.lp_optimal);
  if (!g.known) return;
  const auto bound = static_cast<double>(run.window_bound.bound);
  EXPECT_NEAR(g.lp_value, bound, 1.0 + 1e-9 * bound);
  EXPECT_GE(g.missed_late, 0.0);
  EXPECT_GE(g.missed_in_slot, 0.0);
  EXPECT_GE(g.missed_backlog, 0.0);
  EXPECT_GE(g.outside, 0.0);
  EXPECT_NEAR(g.lp_value - static_cast<double>(fees), g.missed() - g.outside, 1.0 + 1e-9 * bound);
}

TEST(LabEngine, SameSeedGivesByteIdenticalBlocks) {
  const LabConfig c = small("mainnet-like", 400, 7);
  const LabRun a = run_ok(c);
  const LabRun b = run_ok(c);
  const std::string ja = sim::blocks_json(a.report);
  ASSERT_GT(a.report.totals.included, 100u);
  EXPECT_EQ(ja, sim::blocks_json(b.report));
  EXPECT_EQ(a.latencies_ns, b.latencies_ns);
  // Pack's latency summaries are measured on the real clock (the lab's clock is virtual), so
  // they differ between runs; everything else in pack's stats must not.
  auto without_timings = [](nlohmann::json j) {
    j.erase("time_to_inclusion_ms");
    j.erase("schedule_pass_us");
    return j.dump();
  };
  EXPECT_EQ(without_timings(a.pack_stats), without_timings(b.pack_stats));
}

TEST(LabEngine, DifferentSeedGivesDifferentBlocks) {
  const LabRun a = run_ok(small("mainnet-like", 400, 7));
  const LabRun b = run_ok(small("mainnet-like", 400, 8));
  ASSERT_GT(a.report.totals.included, 0u);
  EXPECT_NE(sim::blocks_json(a.report), sim::blocks_json(b.report));
}

TEST(LabEngine, LeaderSlotsAndVirtualTime) {
  const LabConfig c = small("mainnet-like", 300, 3);
  const LabRun r = run_ok(c);
  ASSERT_EQ(r.report.slots.size(), 4u);
  ASSERT_EQ(r.leader_slots.size(), 2u);
  EXPECT_EQ(r.leader_slots[0].slot, 2u);
  EXPECT_EQ(r.leader_slots[1].slot, 3u);
  EXPECT_FALSE(r.report.slots[1].leader);
  EXPECT_EQ(r.report.slots[1].included, 0u);
  // 4 slots of 400 ms, plus the drain after the last one.
  EXPECT_GE(r.virtual_ns, 4 * 400'000'000LL);
  // Every slot offers exactly tx_per_slot.
  for (const auto& slot : r.report.slots)
    EXPECT_EQ(slot.fed, 300u) << "slot " << slot.slot;
  EXPECT_EQ(r.report.totals.fed, 4u * 300u);
  EXPECT_EQ(r.latencies_ns.size(), r.report.totals.included);
  for (std::int64_t l : r.latencies_ns)
    EXPECT_GE(l, 0);
}

TEST(LabEngine, EveryPolicyAccountsAndStaysUnderTheBound) {
  for (auto name : sched::policy_names()) {
    for (const char* workload : {"mainnet-like", "contended"}) {
      LabConfig c = small(workload, std::string_view(workload) == "contended" ? 600 : 400, 11);
      c.policy = std::string(name);
      const LabRun r = run_ok(c);
      const std::string what = std::string(name) + " / " + workload;
      expect_accounted(r, what);
      expect_bounded(r, what);
      const PolicyRow row = summarize(c.policy, r, 0);
      EXPECT_TRUE(row.accounted) << what;
      EXPECT_LE(row.ratio, 1.0) << what;
      EXPECT_GT(row.ratio, 0.0) << what;
      // The contended runs' limits bind, so the bound is the LP's and the gap is split.
      if (std::string_view(workload) == "contended") {
        EXPECT_TRUE(r.gap.known) << what;
        EXPECT_GT(r.gap.missed(), 0.0) << what;
      }
    }
  }
}

TEST(GapBreakdown, ArrivalsSplitByTheirPlaceInTheLpSlot) {
  // A 400 ms slot ending at 1000 ms: late from 960 ms on, the slot from 600 ms.
  GapBreakdown g;
  g.add_missed(1, 599'999'999, 1'000'000'000, 400'000'000); // before the slot: backlog
  g.add_missed(2, 600'000'000, 1'000'000'000, 400'000'000); // its first instant
  g.add_missed(4, 959'999'999, 1'000'000'000, 400'000'000);
  g.add_missed(8, 960'000'000, 1'000'000'000, 400'000'000); // the last 10 %
  g.add_missed(16, 999'999'999, 1'000'000'000, 400'000'000);
  EXPECT_EQ(g.missed_backlog, 1.0);
  EXPECT_EQ(g.missed_in_slot, 6.0);
  EXPECT_EQ(g.missed_late, 24.0);
  EXPECT_EQ(g.missed(), 31.0);
}

TEST(LabEngine, ContendedDemandExceedsTheBlock) {
  LabConfig c = small("contended", 600, 5);
  const LabRun r = run_ok(c);
  const PolicyRow row = summarize("extpack", r, 0);
  // Demand is several blocks' worth, so something fails on limits or waits, and the bound
  // is far below the sum of every candidate's fee.
  ASSERT_FALSE(r.leader_slots.empty());
  const BoundResult& last = r.leader_slots.back().bound;
  EXPECT_GT(last.constraints, 0u);
  EXPECT_LT(last.bound, last.total_fees);
  EXPECT_GT(row.fill, 0.3);
}

TEST(LabEngine, ReplaysAMainnetBlock) {
  const auto path = test::shared_data_dir() / "blocks" / "mainnet-slot-102815960.txt";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no shared data at " << path;
  LabConfig c = small("mainnet-like", 800, 1);
  c.sim.input = path;
  c.sim.slots = 4;
  const LabRun r = run_ok(c);
  expect_accounted(r, "mainnet block replay");
  expect_bounded(r, "mainnet block replay");
  // The block has 3,177 transactions, fewer than 4 slots offer: the file runs out.
  std::uint64_t dropped = 0;
  for (auto d : r.report.totals.feed_dropped)
    dropped += d;
  EXPECT_EQ(r.report.totals.fed + dropped, 3177u);
  EXPECT_GT(r.report.totals.included, 1000u);
}

TEST(LabEngine, RejectsBadConfiguration) {
  LabConfig c = small("mainnet-like", 100, 1);
  c.policy = "no-such-policy";
  auto r = run_lab(c);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no-such-policy"), std::string::npos);
  c = small("mainnet-like", 100, 1);
  c.tick_ns = 0;
  EXPECT_FALSE(run_lab(c).ok());
  c = small("mainnet-like", 100, 1);
  c.allocator_size = 3ull << 20;
  EXPECT_FALSE(run_lab(c).ok());
  for (double sigma : {-0.1, 10.5, std::numeric_limits<double>::quiet_NaN()}) {
    c = small("mainnet-like", 100, 1);
    c.sim.bank.cu_ratio_sigma = sigma;
    r = run_lab(c);
    ASSERT_FALSE(r.ok()) << sigma;
    EXPECT_NE(r.error().message.find("cu_ratio_sigma"), std::string::npos);
  }
  c = small("mainnet-like", 100, 1);
  c.sim.bank.cu_ratio_median = 0;
  EXPECT_FALSE(run_lab(c).ok());
  sim::SimConfig s;
  EXPECT_FALSE(apply_workload("nope", s).ok());
}

} // namespace
} // namespace extpack::lab
