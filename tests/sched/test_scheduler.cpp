// Scheduler: the invariants every batch must satisfy (no conflicts in flight, batch size,
// slot and account budgets), retries, drops by reason, RESOLVE and slot changes.
#include <map>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "sched_test_util.hpp"

namespace extpack::sched {
namespace {

using test::FakeTx;
using test::make_scheduler;

/// Tests that count the pass's own refusals (conflict, over_block, over_account) need a
/// policy that offers every candidate to SchedulePass::admit; "extpack" filters blocked
/// and over-budget transactions itself before offering them.
constexpr const char* kChecksEveryCandidate = "greedy";

/// Every in-flight entry's account locks, checked pairwise for conflicts.
void expect_no_conflicts(const Scheduler& s, const std::vector<EntryId>& in_flight) {
  std::map<AccountId, int> writers, readers;
  for (EntryId id : in_flight) {
    const TxEntry& e = s.entry(id);
    ASSERT_EQ(e.state, EntryState::InFlight);
    for (std::size_t i = 0; i < e.num_accounts; ++i) {
      (e.writable(i) ? writers : readers)[e.accounts[i]]++;
    }
  }
  for (auto [acct, w] : writers) {
    ASSERT_LE(w, 1) << "two writers of account " << acct;
    ASSERT_EQ(readers.count(acct), 0u) << "writer and reader of account " << acct;
  }
}

TEST(Scheduler, NothingIsScheduledUnlessLeader) {
  SchedConfig cfg;
  auto s = make_scheduler(cfg, 2);
  FakeTx a(1, {1}, {}, 10);
  ASSERT_TRUE(s->insert(a.tx).accepted);
  std::vector<PlannedBatch> out;
  s->on_progress(100, false, 48'000'000);
  s->schedule(out);
  EXPECT_TRUE(out.empty());
  s->on_progress(100, true, 48'000'000);
  s->schedule(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].count, 1u);
}

TEST(Scheduler, ConflictingTransactionsAreNeverInFlightTogether) {
  SchedConfig cfg;
  auto s = make_scheduler(cfg, 4, kChecksEveryCandidate);
  // Same payer (account 1) => write/write conflict; 3 reads 2 which 4 writes.
  FakeTx a(1, {1}, {}, 50), b(2, {1}, {}, 40), c(3, {10}, {2}, 30), d(4, {2}, {}, 20),
      e(5, {11}, {2}, 10);
  for (FakeTx* t : {&a, &b, &c, &d, &e})
    ASSERT_TRUE(s->insert(t->tx).accepted);
  s->on_progress(5, true, 60'000'000);
  std::vector<PlannedBatch> out;
  s->schedule(out);
  std::vector<EntryId> ids;
  for (auto& pb : out)
    ids.insert(ids.end(), pb.entries().begin(), pb.entries().end());
  expect_no_conflicts(*s, ids);
  // a (best) and c, e (readers of 2 share) go; b and d wait.
  std::set<std::uint64_t> prios;
  for (EntryId id : ids)
    prios.insert(s->entry(id).priority);
  EXPECT_EQ(prios, (std::set<std::uint64_t>{50, 30, 10}));
  EXPECT_EQ(s->counters().pass.conflict, 2u);
}

TEST(Scheduler, RandomWorkloadKeepsAllInvariants) {
  SchedConfig cfg;
  cfg.limits.max_block_units = 3'000'000;
  cfg.limits.max_writable_account_units = 400'000;
  cfg.max_batch = 16;
  auto s = make_scheduler(cfg, 4, kChecksEveryCandidate);
  std::mt19937_64 rng(42);
  std::vector<std::unique_ptr<FakeTx>> txs;
  std::uint64_t n = 0;
  auto add = [&](int count) {
    for (int i = 0; i < count; ++i) {
      std::vector<std::uint32_t> w{static_cast<std::uint32_t>(rng() % 40)};
      std::vector<std::uint32_t> r;
      if (rng() % 2) w.push_back(100 + static_cast<std::uint32_t>(rng() % 40));
      if (rng() % 2) r.push_back(static_cast<std::uint32_t>(rng() % 40));
      // A key cannot be both read and written by one transaction.
      if (!r.empty() && r[0] == w[0]) r.clear();
      txs.push_back(std::make_unique<FakeTx>(++n, w, r, rng() % 1000, 5'000 + rng() % 60'000));
      s->insert(txs.back()->tx);
    }
  };
  std::vector<EntryId> in_flight;
  std::map<std::uint32_t, std::vector<std::vector<EntryId>>> per_worker;
  std::uint64_t slot = 1;
  s->on_progress(slot, true, cfg.limits.max_block_units);
  std::uint64_t included_this_slot = 0;
  for (int round = 0; round < 400; ++round) {
    add(20);
    std::vector<PlannedBatch> out;
    s->schedule(out);
    std::map<std::uint32_t, int> per_worker_new;
    for (const PlannedBatch& b : out) {
      ASSERT_GT(b.count, 0u);
      ASSERT_LE(b.count, cfg.max_batch);
      ++per_worker_new[b.worker];
      per_worker[b.worker].emplace_back(b.entries().begin(), b.entries().end());
      in_flight.insert(in_flight.end(), b.entries().begin(), b.entries().end());
    }
    for (std::uint32_t w = 0; w < 4; ++w) {
      ASSERT_LE(s->batches_out(w), cfg.max_batches_per_worker);
    }
    expect_no_conflicts(*s, in_flight);
    // Slot budget: what is in flight plus what was included never exceeds the block.
    std::uint64_t inflight_cost = 0;
    for (EntryId id : in_flight)
      inflight_cost += s->entry(id).cost;
    ASSERT_LE(inflight_cost + included_this_slot, cfg.limits.max_block_units);
    // Per-account: sum over in-flight writers of each account stays within the limit.
    std::map<AccountId, std::uint64_t> acct_cost;
    for (EntryId id : in_flight) {
      const TxEntry& e = s->entry(id);
      for (std::size_t i = 0; i < e.num_accounts; ++i) {
        if (e.writable(i)) acct_cost[e.accounts[i]] += e.cost;
      }
    }
    for (auto [a, c] : acct_cost) {
      // The tracked write cost covers every in-flight writer and stays within the limit.
      ASSERT_LE(c, s->container().accounts().state(a).write_cost);
      ASSERT_LE(s->container().accounts().state(a).write_cost,
                cfg.limits.max_writable_account_units);
    }
    // Answer the oldest batch of a random worker.
    std::uint32_t w = static_cast<std::uint32_t>(rng() % 4);
    if (!per_worker[w].empty()) {
      std::vector<EntryId> batch = per_worker[w].front();
      per_worker[w].erase(per_worker[w].begin());
      for (EntryId id : batch) {
        in_flight.erase(std::find(in_flight.begin(), in_flight.end(), id));
        if (rng() % 5 == 0) {
          s->retry(id, RetryHint::Plain);
        } else {
          std::uint64_t actual = s->entry(id).cost / 2;
          s->included(id, actual);
          included_this_slot += actual;
        }
      }
      s->batch_done(w);
      s->clear_drops();
    }
    if (round % 50 == 49) {
      // New slot: in-flight work from the old slot stays locked but no longer counts.
      ++slot;
      s->on_progress(slot, true, cfg.limits.max_block_units);
      included_this_slot = 0;
      // Carry over: everything in flight was reserved against the old slot; the new
      // slot's own view starts empty, so only new sends count against it.
      in_flight.clear();
      for (auto& [wk, batches] : per_worker) {
        for (auto& bt : batches) {
          for (EntryId id : bt) {
            s->included(id, 0);
          }
          s->batch_done(wk);
        }
        batches.clear();
      }
    }
  }
  EXPECT_GT(s->counters().included, 1000u);
  EXPECT_GT(s->counters().pass.conflict, 0u);
}

TEST(Scheduler, RespectsRemainingCostUnitsFromProgress) {
  SchedConfig cfg;
  auto s = make_scheduler(cfg, 4, kChecksEveryCandidate);
  std::vector<std::unique_ptr<FakeTx>> txs;
  for (std::uint32_t i = 0; i < 10; ++i) {
    txs.push_back(std::make_unique<FakeTx>(i + 1, std::vector<std::uint32_t>{i},
                                           std::vector<std::uint32_t>{}, 100 - i, 100'000));
    ASSERT_TRUE(s->insert(txs.back()->tx).accepted);
  }
  s->on_progress(9, true, 350'000); // room for three
  std::vector<PlannedBatch> out;
  s->schedule(out);
  std::size_t sent = 0;
  for (auto& b : out)
    sent += b.count;
  EXPECT_EQ(sent, 3u);
  EXPECT_EQ(s->budget().in_flight(), 300'000u);
  EXPECT_GT(s->counters().pass.over_block, 0u);
}

TEST(Scheduler, PerAccountLimitAndRebates) {
  SchedConfig cfg;
  cfg.limits.max_writable_account_units = 250'000;
  auto s = make_scheduler(cfg, 1, kChecksEveryCandidate);
  std::vector<std::unique_ptr<FakeTx>> txs;
  for (std::uint32_t i = 0; i < 4; ++i) {
    // Different payers, one shared writable account 500.
    txs.push_back(std::make_unique<FakeTx>(i + 1, std::vector<std::uint32_t>{i, 500},
                                           std::vector<std::uint32_t>{}, 100 - i, 100'000));
    ASSERT_TRUE(s->insert(txs.back()->tx).accepted);
  }
  s->on_progress(3, true, 60'000'000);
  std::vector<PlannedBatch> out;
  s->schedule(out); // write lock on 500 allows one at a time
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].count, 1u);
  s->included(out[0].ids[0], 100'000); // used its full estimate
  s->batch_done(0);
  out.clear();
  s->schedule(out);
  ASSERT_EQ(out.size(), 1u);
  s->included(out[0].ids[0], 10'000); // rebate of 90k
  s->batch_done(0);
  EXPECT_EQ(s->container().accounts().state(s->entry(0).accounts[1]).write_cost, 110'000u);
  out.clear();
  s->schedule(out); // 110k + 100k fits in 250k
  ASSERT_EQ(out.size(), 1u);
  s->included(out[0].ids[0], 100'000);
  s->batch_done(0);
  out.clear();
  s->schedule(out); // 210k + 100k does not: the account is full for this slot
  EXPECT_TRUE(out.empty());
  EXPECT_GT(s->counters().pass.over_account, 0u);
  s->on_progress(4, true, 60'000'000); // next slot: the account has room again
  s->schedule(out);
  EXPECT_EQ(out.size(), 1u);
}

TEST(Scheduler, DropsTransactionsThatCanNeverExecute) {
  SchedConfig cfg;
  cfg.limits.max_block_units = 1'000'000;
  cfg.limits.max_writable_account_units = 500'000;
  cfg.limits.max_vote_units = 3'000;
  auto s = make_scheduler(cfg, 1);
  FakeTx big(1, {1}, {}, 1, 1'000'001), acct(2, {2}, {}, 1, 500'001), vote(3, {3}, {}, 1, 3'428);
  vote.tx.vote = true;
  Admission a = s->insert(big.tx);
  EXPECT_FALSE(a.accepted);
  EXPECT_EQ(a.reason, DropReason::CostExceedsBlockLimit);
  a = s->insert(acct.tx);
  EXPECT_FALSE(a.accepted);
  EXPECT_EQ(a.reason, DropReason::CostExceedsAccountLimit);
  a = s->insert(vote.tx);
  EXPECT_FALSE(a.accepted);
  EXPECT_EQ(a.reason, DropReason::CostExceedsVoteLimit);
  FakeTx dup1(4, {4}, {}, 1), dup2(4, {5}, {}, 1);
  EXPECT_TRUE(s->insert(dup1.tx).accepted);
  a = s->insert(dup2.tx);
  EXPECT_EQ(a.reason, DropReason::Duplicate);
  EXPECT_EQ(s->container().size(), 1u);
}

TEST(Scheduler, EvictionGoesThroughDrops) {
  SchedConfig cfg;
  cfg.capacity = 2;
  auto s = make_scheduler(cfg, 1);
  FakeTx a(1, {1}, {}, 10), b(2, {2}, {}, 20), c(3, {3}, {}, 30), low(4, {4}, {}, 1);
  s->insert(a.tx);
  s->insert(b.tx);
  EXPECT_TRUE(s->insert(c.tx).accepted);
  ASSERT_EQ(s->drops().size(), 1u);
  EXPECT_EQ(s->drops()[0].reason, DropReason::Evicted);
  EXPECT_EQ(s->drops()[0].ref.offset, a.tx.ref.offset);
  s->clear_drops();
  Admission r = s->insert(low.tx);
  EXPECT_EQ(r.reason, DropReason::ContainerFull);
}

/// Ranks by priority and records what the scheduler reports as arrivals.
class ArrivalCountingPolicy final : public Policy {
public:
  explicit ArrivalCountingPolicy(std::vector<std::uint64_t>& seen) : seen_(seen) {}
  const char* name() const override { return "arrival-counting"; }
  std::uint64_t rank(const NewTx& tx) const override { return tx.priority; }
  void arrived(const NewTx& tx) override { seen_.push_back(tx.rank); }
  void schedule(SchedulePass&) override {}

private:
  std::vector<std::uint64_t>& seen_;
};

TEST(Scheduler, ArrivalsReachThePolicyOnceEvenWhenResent) {
  // Forecasts count arrivals: a re-sent duplicate must not count again, while one refused
  // for want of room did arrive (demand the block could have used).
  std::vector<std::uint64_t> seen;
  SchedConfig cfg;
  cfg.capacity = 2;
  Scheduler s(cfg, std::make_unique<ArrivalCountingPolicy>(seen), 1);
  FakeTx a(1, {1}, {}, 10), b(2, {2}, {}, 20), low(3, {3}, {}, 1);
  s.insert(a.tx);
  EXPECT_EQ(s.insert(a.tx).reason, DropReason::Duplicate);
  s.insert(b.tx);
  EXPECT_EQ(s.insert(low.tx).reason, DropReason::ContainerFull);
  // In order, each with its rank set (this policy ranks by priority).
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{10, 20, 1}));
}

TEST(Scheduler, RetryLimitDropsAfterMaxAttempts) {
  SchedConfig cfg;
  cfg.max_attempts = 3;
  auto s = make_scheduler(cfg, 1);
  FakeTx a(1, {1}, {}, 10);
  s->insert(a.tx);
  s->on_progress(1, true, 60'000'000);
  for (int i = 0; i < 3; ++i) {
    std::vector<PlannedBatch> out;
    s->schedule(out);
    ASSERT_EQ(out.size(), 1u) << "attempt " << i;
    s->retry(out[0].ids[0], RetryHint::Plain);
    s->batch_done(0);
  }
  ASSERT_EQ(s->drops().size(), 1u);
  EXPECT_EQ(s->drops()[0].reason, DropReason::RetryLimit);
  EXPECT_EQ(s->container().size(), 0u);
  EXPECT_EQ(s->budget().in_flight(), 0u);
}

TEST(Scheduler, BlockFullRetryStopsTheSlot) {
  SchedConfig cfg;
  auto s = make_scheduler(cfg, 2);
  FakeTx a(1, {1}, {}, 10), b(2, {2}, {}, 5);
  s->insert(a.tx);
  s->on_progress(1, true, 60'000'000);
  std::vector<PlannedBatch> out;
  s->schedule(out);
  ASSERT_EQ(out.size(), 1u);
  s->retry(out[0].ids[0], RetryHint::BlockFull);
  s->batch_done(out[0].worker);
  s->insert(b.tx);
  out.clear();
  s->schedule(out);
  EXPECT_TRUE(out.empty()); // Agave said the block is full
  s->on_progress(2, true, 60'000'000);
  s->schedule(out);
  std::size_t sent = 0;
  for (auto& pb : out)
    sent += pb.count;
  EXPECT_EQ(sent, 2u);
}

TEST(Scheduler, UnresolvedAreNotScheduledUntilResolved) {
  SchedConfig cfg;
  auto s = make_scheduler(cfg, 2);
  FakeTx u(1, {}, {}, 1000), other(2, {2}, {}, 1);
  u.tx.needs_resolve = true;
  u.tx.loaded_writable = 1;
  ASSERT_TRUE(s->insert(u.tx).accepted);
  ASSERT_TRUE(s->insert(other.tx).accepted);
  s->on_progress(1, true, 60'000'000);
  std::vector<PlannedBatch> out;
  s->schedule(out);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].count, 1u);
  EXPECT_EQ(s->entry(out[0].ids[0]).priority, 1u); // only the resolved one
  // Send the unresolved one to worker 1 for resolution.
  PlannedBatch rb;
  ASSERT_TRUE(s->take_unresolved(1, rb));
  ASSERT_EQ(rb.count, 1u);
  EntryId uid = rb.ids[0];
  EXPECT_EQ(s->entry(uid).state, EntryState::Resolving);
  // It resolves to payer 1 + loaded writable account 2, which `other` holds in flight.
  std::vector<txn::AccountLock> locks{{test::key(1), true}, {test::key(2), true}};
  s->resolved(uid, locks, NO_SLOT);
  s->batch_done(1);
  std::vector<PlannedBatch> out2;
  s->schedule(out2);
  EXPECT_TRUE(out2.empty()); // conflicts with `other` on account 2
  s->included(out[0].ids[0], 100);
  s->batch_done(out[0].worker);
  s->schedule(out2);
  ASSERT_EQ(out2.size(), 1u);
  EXPECT_EQ(out2[0].ids[0], uid);
}

TEST(Scheduler, DeactivatedLookupTablesAreDropped) {
  SchedConfig cfg;
  auto s = make_scheduler(cfg, 1);
  FakeTx u(1, {}, {}, 10);
  u.tx.needs_resolve = true;
  s->insert(u.tx);
  PlannedBatch rb;
  ASSERT_TRUE(s->take_unresolved(0, rb));
  std::vector<txn::AccountLock> locks{{test::key(1), true}};
  s->resolved(rb.ids[0], locks, 10);
  s->batch_done(0);
  s->on_progress(11, true, 60'000'000);
  std::vector<PlannedBatch> out;
  s->schedule(out);
  EXPECT_TRUE(out.empty());
  ASSERT_EQ(s->drops().size(), 1u);
  EXPECT_EQ(s->drops()[0].reason, DropReason::AltDeactivated);
}

TEST(Scheduler, AbortedBatchRestoresEverything) {
  SchedConfig cfg;
  auto s = make_scheduler(cfg, 1);
  FakeTx a(1, {1}, {}, 10);
  s->insert(a.tx);
  s->on_progress(1, true, 60'000'000);
  std::vector<PlannedBatch> out;
  s->schedule(out);
  ASSERT_EQ(out.size(), 1u);
  s->abort_batch(out[0], false);
  EXPECT_EQ(s->budget().in_flight(), 0u);
  EXPECT_EQ(s->batches_out(0), 0u);
  EXPECT_EQ(s->counters().scheduled, 0u);
  out.clear();
  s->schedule(out);
  EXPECT_EQ(out.size(), 1u);
}

TEST(Scheduler, BatchesAreCappedAndWorkersKeepTwoAtMost) {
  SchedConfig cfg;
  auto s = make_scheduler(cfg, 2);
  std::vector<std::unique_ptr<FakeTx>> txs;
  for (std::uint32_t i = 0; i < 600; ++i) {
    txs.push_back(std::make_unique<FakeTx>(i + 1, std::vector<std::uint32_t>{i},
                                           std::vector<std::uint32_t>{}, i));
    s->insert(txs.back()->tx);
  }
  s->on_progress(1, true, 60'000'000);
  std::vector<PlannedBatch> out;
  s->schedule(out);
  ASSERT_EQ(out.size(), 4u); // 2 workers x 2 batches
  for (auto& b : out)
    EXPECT_EQ(b.count, 64u);
  EXPECT_EQ(s->batches_out(0), 2u);
  EXPECT_EQ(s->batches_out(1), 2u);
  // Highest priorities first.
  EXPECT_EQ(s->entry(out[0].ids[0]).priority, 599u);
}

// ---- votes ----

TEST(Votes, GoFirstAndUnpacedInEveryPolicyButFifo) {
  for (const char* policy : {"extpack", "greedy", "prio-graph", "fdpack"}) {
    SCOPED_TRACE(policy);
    SchedConfig cfg;
    auto s = make_scheduler(cfg, 2, policy);
    FakeTx rich(1, {1}, {}, 1'000'000), vote(2, {2}, {}, 1);
    vote.tx.vote = true;
    ASSERT_TRUE(s->insert(rich.tx).accepted);
    ASSERT_TRUE(s->insert(vote.tx).accepted);
    // The first moment of a slot: linear pacing has released nothing yet.
    s->on_progress(10, true, 48'000'000, 0);
    std::vector<PlannedBatch> out;
    s->schedule(out);
    ASSERT_FALSE(out.empty());
    EXPECT_TRUE(s->entry(out[0].ids[0]).vote);
    const std::string_view name = policy;
    if (name == "extpack" || name == "greedy") { // the two that pace
      std::size_t n = 0;
      for (const PlannedBatch& b : out)
        n += b.count;
      EXPECT_EQ(n, 1u) << "only the vote goes before the pacer releases budget";
    }
  }
}

// ---- blockhash expiry ----

TEST(Expiry, QueuedTransactionsAgeOutByWhenTheirBlockhashWasFirstSeen) {
  SchedConfig cfg;
  cfg.blockhash_expiry_slots = 160;
  auto s = make_scheduler(cfg, 2);
  s->on_progress(100, false, 60'000'000);
  FakeTx old_hash(1, {1}, {}, 10), same_hash_later(2, {2}, {}, 10), new_hash(3, {3}, {}, 10);
  old_hash.tx.blockhash[0] = 0xAA;
  same_hash_later.tx.blockhash[0] = 0xAA;
  new_hash.tx.blockhash[0] = 0xBB;
  ASSERT_TRUE(s->insert(old_hash.tx).accepted); // 0xAA first seen in slot 100
  s->on_progress(200, false, 60'000'000);
  ASSERT_TRUE(s->insert(same_hash_later.tx).accepted); // still dated slot 100
  ASSERT_TRUE(s->insert(new_hash.tx).accepted);        // 0xBB first seen in slot 200
  s->on_progress(260, false, 60'000'000);              // 100 + 160: the last slot 0xAA may be used
  EXPECT_TRUE(s->drops().empty());
  s->on_progress(261, false, 60'000'000);
  ASSERT_EQ(s->drops().size(), 2u);
  for (const DroppedTx& d : s->drops()) {
    EXPECT_EQ(d.reason, DropReason::Expired);
    EXPECT_NE(d.ref.offset, new_hash.tx.ref.offset);
  }
  EXPECT_EQ(s->counters().expired, 2u);
  EXPECT_EQ(s->container().size(), 1u);
  s->clear_drops();
  s->on_progress(361, false, 60'000'000);
  ASSERT_EQ(s->drops().size(), 1u);
  EXPECT_EQ(s->drops()[0].ref.offset, new_hash.tx.ref.offset);
}

TEST(Expiry, TransactionsFromBeforeTheFirstSlotAreDatedByIt) {
  SchedConfig cfg;
  cfg.blockhash_expiry_slots = 10;
  auto s = make_scheduler(cfg, 2);
  FakeTx early(1, {1}, {}, 10);
  ASSERT_TRUE(s->insert(early.tx).accepted); // no slot known yet
  s->on_progress(50, false, 60'000'000);
  s->on_progress(60, false, 60'000'000);
  EXPECT_TRUE(s->drops().empty());
  s->on_progress(61, false, 60'000'000);
  ASSERT_EQ(s->drops().size(), 1u);
  EXPECT_EQ(s->drops()[0].reason, DropReason::Expired);
}

TEST(Expiry, MadeUpBlockhashesDoNotGrowTheTableWithoutBound) {
  SchedConfig cfg;
  cfg.capacity = 8192;
  cfg.blockhash_expiry_slots = 10;
  auto s = make_scheduler(cfg, 2);
  s->on_progress(100, false, 60'000'000);
  constexpr std::uint64_t N = 5000; // more than the table holds (4096)
  std::vector<std::unique_ptr<FakeTx>> txs;
  for (std::uint64_t i = 0; i < N; ++i) {
    txs.push_back(std::make_unique<FakeTx>(i + 1, std::vector<std::uint32_t>{std::uint32_t(i) + 1},
                                           std::vector<std::uint32_t>{}, 10));
    std::memcpy(txs.back()->tx.blockhash.data(), &i, sizeof i);
    ASSERT_TRUE(s->insert(txs.back()->tx).accepted);
  }
  EXPECT_EQ(s->counters().blockhashes_untracked, N - 4096);
  // Untracked or not, each one is dated by the slot it arrived in and expires after it.
  s->on_progress(110, false, 60'000'000);
  EXPECT_TRUE(s->drops().empty());
  s->on_progress(111, false, 60'000'000);
  EXPECT_EQ(s->drops().size(), N);
}

// ---- fee-payer affordability ----

/// A transaction of payer `payer` (its own account, so payers never conflict with each
/// other but a payer's transactions do) with total fee `fee`.
FakeTx paying(std::uint64_t n, std::uint32_t payer, std::uint64_t fee, std::uint64_t priority) {
  FakeTx t(n, {payer}, {}, priority);
  t.tx.fee = fee;
  t.tx.payer = test::key(payer);
  return t;
}

/// Runs one pass and returns the ids it sent.
std::vector<EntryId> one_pass(Scheduler& s) {
  std::vector<PlannedBatch> out;
  s.schedule(out);
  std::vector<EntryId> ids;
  for (auto& pb : out)
    ids.insert(ids.end(), pb.entries().begin(), pb.entries().end());
  return ids;
}

TEST(Affordability, APayerWithoutAKnownBalanceIsNeverHeldBack) {
  SchedConfig cfg;
  auto s = make_scheduler(cfg, 2, kChecksEveryCandidate);
  FakeTx a = paying(1, 1, 1'000'000'000, 50);
  ASSERT_TRUE(s->insert(a.tx).accepted);
  s->on_progress(5, true, 60'000'000);
  EXPECT_EQ(one_pass(*s).size(), 1u);
  EXPECT_EQ(s->counters().pass.unaffordable_dropped, 0u);
}

TEST(Affordability, QueuedTransactionsBeyondTheLastKnownBalanceAreDropped) {
  // Payer 1 has three transactions of 10,000 lamports each queued. The first is included
  // and the bank reports 15,000 left: the second can still pay, the third cannot.
  SchedConfig cfg;
  auto s = make_scheduler(cfg, 2, kChecksEveryCandidate);
  FakeTx a = paying(1, 1, 10'000, 30), b = paying(2, 1, 10'000, 20), c = paying(3, 1, 10'000, 10);
  for (FakeTx* t : {&a, &b, &c})
    ASSERT_TRUE(s->insert(t->tx).accepted);
  s->on_progress(5, true, 60'000'000);
  auto ids = one_pass(*s);
  ASSERT_EQ(ids.size(), 1u); // one at a time: they all write the payer
  s->included(ids[0], 5'000, 15'000);
  s->batch_done(0);
  s->batch_done(1);
  ids = one_pass(*s);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(s->entry(ids[0]).priority, 20u);
  s->included(ids[0], 5'000, 5'000);
  s->batch_done(0);
  s->batch_done(1);
  EXPECT_TRUE(one_pass(*s).empty());
  ASSERT_EQ(s->drops().size(), 1u);
  EXPECT_EQ(s->drops()[0].reason, DropReason::Unaffordable);
  EXPECT_EQ(s->drops()[0].ref.offset, c.tx.ref.offset);
  EXPECT_EQ(s->counters().pass.unaffordable_dropped, 1u);
  EXPECT_EQ(s->container().size(), 0u);
}

TEST(Affordability, FeesInFlightCountAgainstTheBalanceAndMakeOthersWait) {
  // Payer 1's balance is known (20,000). Two of its transactions that lock different
  // accounts (only the payer key is shared here) could be in flight together, but the
  // second would need 15,000 + 15,000: it waits for the first one's answer.
  SchedConfig cfg;
  auto s = make_scheduler(cfg, 2, kChecksEveryCandidate);
  FakeTx seed = paying(1, 1, 1'000, 100);
  ASSERT_TRUE(s->insert(seed.tx).accepted);
  s->on_progress(5, true, 60'000'000);
  auto ids = one_pass(*s);
  ASSERT_EQ(ids.size(), 1u);
  s->included(ids[0], 5'000, 20'000);
  s->batch_done(0);
  s->batch_done(1);
  // Same payer key, different locked accounts, so both could be in flight at once.
  FakeTx x(2, {2}, {}, 50), y(3, {3}, {}, 40);
  for (FakeTx* t : {&x, &y}) {
    t->tx.fee = 15'000;
    t->tx.payer = test::key(1);
    ASSERT_TRUE(s->insert(t->tx).accepted);
  }
  ids = one_pass(*s);
  ASSERT_EQ(ids.size(), 1u); // x goes; y waits for x's answer instead of being dropped
  EXPECT_EQ(s->entry(ids[0]).priority, 50u);
  EXPECT_EQ(s->counters().pass.unaffordable_waiting, 1u);
  EXPECT_TRUE(s->drops().empty());
  // x fails without being charged (the balance is unchanged): y can now go.
  s->retry(ids[0], RetryHint::Plain);
  s->batch_done(0);
  s->batch_done(1);
  ids = one_pass(*s);
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_TRUE(s->drops().empty());
}

TEST(Scheduler, ProgressStuckAtZeroForAWholeLeaderSlotReadsAsUnknown) {
  SchedConfig cfg;
  auto s = make_scheduler(cfg, 2);
  // A validator that reports progress: 0 % at the start of a slot is real.
  s->on_progress(10, true, 48'000'000, 0);
  EXPECT_EQ(s->slot_progress(), 0);
  s->on_progress(10, true, 48'000'000, 40);
  s->on_progress(11, true, 48'000'000, 0);
  EXPECT_EQ(s->slot_progress(), 0);
  // One that never fills the field in: a whole leader slot at 0 %.
  s->on_progress(11, true, 48'000'000, 0);
  s->on_progress(12, true, 48'000'000, 0);
  EXPECT_EQ(s->slot_progress(), UNKNOWN_PROGRESS);
  s->on_progress(13, true, 48'000'000, 0);
  EXPECT_EQ(s->slot_progress(), UNKNOWN_PROGRESS);
  // A report that moves ends it.
  s->on_progress(13, true, 48'000'000, 25);
  EXPECT_EQ(s->slot_progress(), 25);
  s->on_progress(14, true, 48'000'000, 0);
  EXPECT_EQ(s->slot_progress(), 0);
}

TEST(Scheduler, LeaderSlotsAfterFollowsTheReportedWindow) {
  SchedConfig cfg;
  auto s = make_scheduler(cfg, 2);
  // Not reported (the defaults): unknown.
  s->on_progress(100, true, 48'000'000, 10);
  EXPECT_EQ(s->leader_slots_after(), UNKNOWN_WINDOW);
  // Leader in 100..103 (3.1: next_leader_slot excludes the current slot, the range end
  // is inclusive).
  s->on_progress(100, true, 48'000'000, 10, 101, 103);
  EXPECT_EQ(s->leader_slots_after(), 3u);
  s->on_progress(102, true, 48'000'000, 10, 103, 103);
  EXPECT_EQ(s->leader_slots_after(), 1u);
  // The last slot: the next leader slot is the next window's.
  s->on_progress(103, true, 48'000'000, 10, 108, 111);
  EXPECT_EQ(s->leader_slots_after(), 0u);
  // The next slot is ours but the range end is unknown or inconsistent: unknown.
  s->on_progress(108, true, 48'000'000, 10, 109, NO_SLOT);
  EXPECT_EQ(s->leader_slots_after(), UNKNOWN_WINDOW);
  s->on_progress(108, true, 48'000'000, 10, 109, 107);
  EXPECT_EQ(s->leader_slots_after(), UNKNOWN_WINDOW);
  // No next leader slot known at all, or one not after the current slot: unknown.
  s->on_progress(109, true, 48'000'000, 10, NO_SLOT, NO_SLOT);
  EXPECT_EQ(s->leader_slots_after(), UNKNOWN_WINDOW);
  s->on_progress(109, true, 48'000'000, 10, 109, 111);
  EXPECT_EQ(s->leader_slots_after(), UNKNOWN_WINDOW);
}

TEST(Scheduler, PacingPolicyStillSchedulesWhenTheValidatorNeverReportsProgress) {
  SchedConfig cfg;
  auto s = make_scheduler(cfg, 2, "greedy");
  std::vector<PlannedBatch> out;
  FakeTx a(1, {1}, {}, 10), b(2, {2}, {}, 10);
  ASSERT_TRUE(s->insert(a.tx).accepted);
  ASSERT_TRUE(s->insert(b.tx).accepted);
  for (std::uint64_t slot = 1; slot <= 3; ++slot) {
    s->on_progress(slot, true, 48'000'000, 0);
    s->schedule(out);
    if (slot == 1) {
      EXPECT_TRUE(out.empty());
    }
  }
  // Slot 1 paces to nothing at 0 %; from slot 2 the stuck field reads as unknown.
  EXPECT_FALSE(out.empty());
}

} // namespace
} // namespace extpack::sched
