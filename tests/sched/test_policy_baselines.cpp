// Behaviour specific to each baseline: greedy's push-back of conflicts, in-flight target
// and pacing; prio-graph's blocking; fd_pack's hot-account queue and skip counter.
#include <string>

#include <gtest/gtest.h>

#include "sched_test_util.hpp"

namespace extpack::sched {
namespace {

using test::FakeTx;
using test::make_scheduler;

std::uint64_t counter(const Scheduler& s, const char* name) {
  for (const PolicyCounter& c : s.policy().counters())
    if (std::string(c.name) == name) return c.value;
  ADD_FAILURE() << "no counter " << name;
  return 0;
}

std::vector<EntryId> ids_of(const std::vector<PlannedBatch>& out) {
  std::vector<EntryId> v;
  for (const PlannedBatch& b : out)
    for (EntryId id : b.entries())
      v.push_back(id);
  return v;
}

void complete(Scheduler& s, const std::vector<PlannedBatch>& out) {
  for (const PlannedBatch& b : out) {
    for (EntryId id : b.entries())
      s.included(id, s.entry(id).cost);
    s.batch_done(b.worker);
  }
}

TEST(Greedy, ConflictIsPushedBackAndGoesNextPass) {
  SchedConfig cfg;
  auto s = make_scheduler(cfg, 2, "greedy");
  FakeTx a(1, {1}, {}, 100), b(2, {1}, {}, 90), c(3, {2}, {}, 80);
  for (FakeTx* t : {&a, &b, &c})
    ASSERT_TRUE(s->insert(t->tx).accepted);
  s->on_progress(1, true, cfg.limits.max_block_units);
  std::vector<PlannedBatch> out;
  s->schedule(out);
  std::vector<EntryId> sent = ids_of(out);
  ASSERT_EQ(sent.size(), 2u); // a and c; b conflicts with a
  EXPECT_EQ(s->entry(sent[0]).priority, 100u);
  EXPECT_EQ(s->entry(sent[1]).priority, 80u);
  EXPECT_EQ(counter(*s, "unschedulable"), 1u);
  complete(*s, out);
  out.clear();
  s->schedule(out);
  ASSERT_EQ(ids_of(out).size(), 1u);
  EXPECT_EQ(s->entry(out[0].ids[0]).priority, 90u);
}

TEST(Greedy, InFlightTargetIsAQuarterOfTheBlockSplitAcrossWorkers) {
  SchedConfig cfg;
  cfg.limits.max_block_units = 4'000'000; // target 1M in flight, 250K per worker
  cfg.max_batches_per_worker = 64;
  auto s = make_scheduler(cfg, 4, "greedy");
  std::vector<std::unique_ptr<FakeTx>> txs;
  for (std::uint32_t i = 0; i < 200; ++i) {
    txs.push_back(std::make_unique<FakeTx>(i + 1, std::vector<std::uint32_t>{1000 + i},
                                           std::vector<std::uint32_t>{}, 1000 - i, 50'000));
    ASSERT_TRUE(s->insert(txs.back()->tx).accepted);
  }
  s->on_progress(1, true, cfg.limits.max_block_units);
  std::vector<PlannedBatch> out;
  s->schedule(out);
  for (std::uint32_t w = 0; w < 4; ++w)
    EXPECT_EQ(s->worker_cost(w), 250'000u) << "worker " << w;
  EXPECT_EQ(ids_of(out).size(), 20u);
  EXPECT_EQ(counter(*s, "target_stop"), 1u);
}

TEST(Greedy, PacesTheBlockBudgetLinearlyOverTheFillTime) {
  SchedConfig cfg;
  cfg.limits.max_block_units = 3'500'000; // 10,000 CU per ms of the 350 ms fill time
  cfg.max_batches_per_worker = 64;
  auto s = make_scheduler(cfg, 4, "greedy");
  std::vector<std::unique_ptr<FakeTx>> txs;
  for (std::uint32_t i = 0; i < 400; ++i) {
    txs.push_back(std::make_unique<FakeTx>(i + 1, std::vector<std::uint32_t>{1000 + i},
                                           std::vector<std::uint32_t>{}, 1000 - i, 10'000));
    ASSERT_TRUE(s->insert(txs.back()->tx).accepted);
  }
  std::vector<PlannedBatch> out;
  s->on_progress(1, true, cfg.limits.max_block_units, 0);
  s->schedule(out);
  EXPECT_TRUE(out.empty()); // nothing released at the start of the slot
  s->on_progress(1, true, cfg.limits.max_block_units, 10); // 40 ms: 400K released
  s->schedule(out);
  EXPECT_EQ(s->budget().used_this_slot(), 400'000u);
  complete(*s, out);
  out.clear();
  s->on_progress(1, true, cfg.limits.max_block_units - 400'000, 20); // 80 ms: 800K
  s->schedule(out);
  EXPECT_EQ(s->budget().used_this_slot(), 800'000u);
  EXPECT_EQ(counter(*s, "paced_stop"), 3u);
}

TEST(PrioGraph, UnschedulableTransactionBlocksLowerConflictingOnes) {
  // t0 holds account 1. a (high) needs 1 and 2: unschedulable. c (low) needs only 2: it
  // could run, but prio-graph keeps it behind a; greedy lets it jump.
  for (const char* policy : {"prio-graph", "greedy"}) {
    SchedConfig cfg;
    auto s = make_scheduler(cfg, 2, policy);
    FakeTx t0(1, {1}, {}, 1000);
    ASSERT_TRUE(s->insert(t0.tx).accepted);
    s->on_progress(1, true, cfg.limits.max_block_units);
    std::vector<PlannedBatch> first;
    s->schedule(first);
    ASSERT_EQ(ids_of(first).size(), 1u);
    FakeTx a(2, {1, 2}, {}, 500), c(3, {2}, {}, 10), d(4, {3}, {}, 5);
    for (FakeTx* t : {&a, &c, &d})
      ASSERT_TRUE(s->insert(t->tx).accepted);
    std::vector<PlannedBatch> out;
    s->schedule(out);
    std::vector<std::uint64_t> prios;
    for (EntryId id : ids_of(out))
      prios.push_back(s->entry(id).priority);
    if (std::string(policy) == "prio-graph") {
      EXPECT_EQ(prios, (std::vector<std::uint64_t>{5})) << policy;
      EXPECT_GE(counter(*s, "graph_edges"), 1u);
    } else {
      EXPECT_EQ(prios, (std::vector<std::uint64_t>{10, 5})) << policy;
    }
    complete(*s, first);
    complete(*s, out);
    out.clear();
    s->schedule(out);
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(s->entry(out[0].ids[0]).priority, 500u) << policy;
  }
}

TEST(Fdpack, HotAccountQueuePromotesOneWriterAndLateBestArrivalGoesSecond) {
  SchedConfig cfg;
  auto s = make_scheduler(cfg, 2, "fdpack");
  std::vector<std::unique_ptr<FakeTx>> txs;
  // 70 writers of account 7 (> 64 references: hot), priorities 100..169.
  for (std::uint32_t i = 0; i < 70; ++i) {
    txs.push_back(std::make_unique<FakeTx>(i + 1, std::vector<std::uint32_t>{7, 1000 + i},
                                           std::vector<std::uint32_t>{}, 100 + i));
    ASSERT_TRUE(s->insert(txs.back()->tx).accepted);
  }
  s->on_progress(1, true, cfg.limits.max_block_units);
  std::vector<PlannedBatch> out;
  s->schedule(out);
  ASSERT_EQ(ids_of(out).size(), 1u);
  EXPECT_EQ(s->entry(out[0].ids[0]).priority, 169u);
  EXPECT_GE(counter(*s, "penalty_wait"), 60u); // the rest waited in the account's queue
  // A better writer arrives after 168 was promoted; 168 still goes first, the late one
  // is promoted when 168 is taken.
  FakeTx late(500, {7, 5000}, {}, 10'000);
  ASSERT_TRUE(s->insert(late.tx).accepted);
  complete(*s, out);
  out.clear();
  s->schedule(out);
  ASSERT_EQ(ids_of(out).size(), 1u);
  EXPECT_EQ(s->entry(out[0].ids[0]).priority, 168u);
  complete(*s, out);
  out.clear();
  s->schedule(out);
  ASSERT_EQ(ids_of(out).size(), 1u);
  EXPECT_EQ(s->entry(out[0].ids[0]).priority, 10'000u);
}

TEST(Fdpack, SkipCounterIgnoresATransactionUntilTheNextSlot) {
  SchedConfig cfg;
  cfg.limits.max_writable_account_units = 100'000;
  auto s = make_scheduler(cfg, 1, "fdpack");
  FakeTx full(1, {9}, {}, 1000, 60'000), t(2, {9}, {}, 10, 50'000);
  ASSERT_TRUE(s->insert(full.tx).accepted);
  s->on_progress(1, true, cfg.limits.max_block_units);
  std::vector<PlannedBatch> out;
  s->schedule(out);
  complete(*s, out); // account 9 now carries 60K of its 100K this slot
  ASSERT_TRUE(s->insert(t.tx).accepted);
  for (int pass = 0; pass < 60; ++pass) {
    out.clear();
    s->schedule(out);
    ASSERT_TRUE(out.empty());
  }
  EXPECT_EQ(counter(*s, "write_cost"), 50u); // then ignored without being tried
  EXPECT_EQ(counter(*s, "skip_ignored"), 10u);
  s->on_progress(2, true, cfg.limits.max_block_units);
  out.clear();
  s->schedule(out);
  ASSERT_EQ(ids_of(out).size(), 1u);
  EXPECT_EQ(s->entry(out[0].ids[0]).priority, 10u);
}

TEST(Fdpack, VotesGoFirstWhateverTheirReward) {
  SchedConfig cfg;
  auto s = make_scheduler(cfg, 1, "fdpack");
  FakeTx v(1, {1}, {}, 1, 3'000), x(2, {2}, {}, 1'000'000, 3'000);
  v.tx.vote = true;
  ASSERT_TRUE(s->insert(x.tx).accepted);
  ASSERT_TRUE(s->insert(v.tx).accepted);
  s->on_progress(1, true, cfg.limits.max_block_units);
  std::vector<PlannedBatch> out;
  s->schedule(out);
  ASSERT_EQ(ids_of(out).size(), 2u);
  EXPECT_TRUE(s->entry(out[0].ids[0]).vote);
}

} // namespace
} // namespace extpack::sched
