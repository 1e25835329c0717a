// The pack runtime against a scripted validator: ingest, scheduling, responses, freeing,
// shutdown and the stats file's accounting identity.
#include <set>

#include <gtest/gtest.h>

#include "extpack/txn/analyze.hpp"
#include "mock_validator.hpp"
#include "tx_builder.hpp"

namespace extpack::pack {
namespace {

using test::build_tx;
using test::MockValidator;
using test::TxSpec;

std::unique_ptr<PackRuntime> make_runtime(MockValidator& v,
                                          RuntimeConfig cfg = test::test_runtime_config(),
                                          const char* policy = "extpack") {
  return std::make_unique<PackRuntime>(v.pack, cfg, sched::make_policy(policy));
}

/// received == included + sum(dropped), as the end-to-end check reads the stats file.
void expect_accounted(const PackRuntime& rt) {
  nlohmann::json j = rt.stats_json();
  std::uint64_t dropped = 0;
  for (auto& [k, v] : j["dropped"].items())
    dropped += v.get<std::uint64_t>();
  EXPECT_EQ(j["received"].get<std::uint64_t>(), j["included"].get<std::uint64_t>() + dropped)
      << j.dump(2);
}

TEST(PackRuntime, BuilderTransactionsAnalyse) {
  auto bytes = build_tx({.payer = 1, .writable = {2}, .readonly = {3}, .cu_price = 1000});
  txn::Analysis a;
  ASSERT_EQ(txn::analyze(bytes, a), txn::AnalyzeStatus::Ok);
  EXPECT_GT(a.priority, 0u);
  EXPECT_EQ(a.budget.compute_unit_limit, 10'000u);
}

TEST(PackRuntime, IncludesAndFreesEverything) {
  MockValidator v;
  auto rt = make_runtime(v);
  for (std::uint32_t i = 0; i < 10; ++i)
    v.send_tx(build_tx({.payer = i, .salt = i}));
  v.progress(true, 100);
  test::poll(*rt);
  std::size_t sent = 0;
  for (std::uint32_t w = 0; w < 2; ++w) {
    for (auto& b : v.take(w)) {
      EXPECT_EQ(b.flags, abi::pack_message_flags::NONE);
      EXPECT_EQ(b.max_execution_slot, 100u);
      sent += b.batch.num_transactions;
      v.answer(w, b, std::vector<std::uint8_t>(b.batch.num_transactions, 0));
    }
  }
  ASSERT_EQ(sent, 10u);
  test::poll(*rt);
  EXPECT_EQ(rt->scheduler().counters().included, 10u);
  EXPECT_EQ(rt->in_flight_batches(), 0u);
  rt->shutdown();
  EXPECT_EQ(rt->owned_regions(), 0u);
  EXPECT_EQ(v.outstanding(), 0u);
  expect_accounted(*rt);
  nlohmann::json j = rt->stats_json();
  EXPECT_EQ(j["received"], 10);
  EXPECT_EQ(j["included"], 10);
  EXPECT_EQ(j["scheduled"], 10);
  EXPECT_GT(j["fees_captured"].get<std::uint64_t>(), 0u);
}

TEST(PackRuntime, NeverSendsConflictingTransactionsAtOnce) {
  MockValidator v;
  auto rt = make_runtime(v);
  // Same payer: every pair conflicts.
  for (std::uint32_t i = 0; i < 3; ++i)
    v.send_tx(build_tx({.payer = 7, .salt = i}));
  v.progress(true, 5);
  test::poll(*rt);
  auto w0 = v.take(0), w1 = v.take(1);
  ASSERT_EQ(w0.size() + w1.size(), 1u);
  auto& first = w0.empty() ? w1[0] : w0[0];
  std::uint32_t worker = w0.empty() ? 1 : 0;
  EXPECT_EQ(first.batch.num_transactions, 1u);
  v.answer(worker, first, {0});
  test::poll(*rt);
  auto n0 = v.take(0), n1 = v.take(1);
  EXPECT_EQ(n0.size() + n1.size(), 1u); // the next one, only after the first returned
  rt->shutdown();
  EXPECT_EQ(v.outstanding(), 0u);
  expect_accounted(*rt);
  EXPECT_EQ(rt->stats().drop_count(sched::DropReason::InFlightAtShutdown), 1u);
  EXPECT_EQ(rt->stats().drop_count(sched::DropReason::QueuedAtShutdown), 1u);
}

TEST(PackRuntime, RespectsRemainingCostUnits) {
  MockValidator v;
  auto rt = make_runtime(v);
  for (std::uint32_t i = 0; i < 10; ++i) {
    v.send_tx(build_tx({.payer = i, .cu_limit = 100'000, .salt = i}));
  }
  // Each costs 100k + signature/locks/data; 250k leaves room for two.
  v.progress(true, 9, 250'000);
  test::poll(*rt);
  std::size_t sent = 0;
  for (std::uint32_t w = 0; w < 2; ++w) {
    for (auto& b : v.take(w))
      sent += b.batch.num_transactions;
  }
  EXPECT_EQ(sent, 2u);
  rt->shutdown();
  EXPECT_EQ(v.outstanding(), 0u);
  expect_accounted(*rt);
}

TEST(PackRuntime, PassesTheLeaderWindowToTheScheduler) {
  MockValidator v;
  auto rt = make_runtime(v);
  abi::ProgressMessage m{};
  m.leader_state = abi::IS_LEADER;
  m.current_slot = 40;
  m.next_leader_slot = 41;
  m.leader_range_end = 43;
  m.remaining_cost_units = 60'000'000;
  m.current_slot_progress = 10;
  v.push_progress(m);
  test::poll(*rt);
  EXPECT_EQ(rt->scheduler().leader_slots_after(), 3u);
  m.current_slot = 43;
  m.next_leader_slot = 48;
  m.leader_range_end = 51;
  v.push_progress(m);
  test::poll(*rt);
  EXPECT_EQ(rt->scheduler().leader_slots_after(), 0u);
  rt->shutdown();
  EXPECT_EQ(v.outstanding(), 0u);
}

TEST(PackRuntime, NoSchedulingWhenNotLeader) {
  MockValidator v;
  auto rt = make_runtime(v);
  v.send_tx(build_tx({.payer = 1}));
  v.progress(false, 3);
  test::poll(*rt);
  EXPECT_TRUE(v.take(0).empty());
  EXPECT_TRUE(v.take(1).empty());
  rt->shutdown();
  EXPECT_EQ(rt->stats().drop_count(sched::DropReason::QueuedAtShutdown), 1u);
  EXPECT_EQ(v.outstanding(), 0u);
}

TEST(PackRuntime, RetryablePermanentAndNotProcessed) {
  MockValidator v(1);
  auto rt = make_runtime(v);
  for (std::uint32_t i = 0; i < 3; ++i)
    v.send_tx(build_tx({.payer = i, .salt = i}));
  v.progress(true, 1);
  test::poll(*rt);
  auto b = v.take(0);
  ASSERT_EQ(b.size(), 1u);
  ASSERT_EQ(b[0].batch.num_transactions, 3u);
  namespace nir = abi::not_included_reasons;
  v.answer(0, b[0], {nir::NONE, nir::ACCOUNT_IN_USE, nir::INSUFFICIENT_FUNDS_FOR_FEE});
  test::poll(*rt);
  auto again = v.take(0);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].batch.num_transactions, 1u); // the ACCOUNT_IN_USE one, resent
  // Not processed: nothing to free from the worker; the batch is pack's again.
  abi::WorkerToPackMessage np{};
  np.batch = again[0].batch;
  np.processed = abi::NOT_PROCESSED;
  v.push_response(0, np);
  test::poll(*rt);
  auto third = v.take(0);
  ASSERT_EQ(third.size(), 1u);
  v.answer(0, third[0], {nir::NONE});
  test::poll(*rt);
  rt->shutdown();
  EXPECT_EQ(rt->scheduler().counters().included, 2u);
  EXPECT_EQ(rt->stats().not_processed_batches, 1u);
  nlohmann::json j = rt->stats_json();
  EXPECT_EQ(j["dropped"]["INSUFFICIENT_FUNDS_FOR_FEE"], 1);
  EXPECT_EQ(j["retried_by_reason"]["ACCOUNT_IN_USE"], 1);
  EXPECT_EQ(v.outstanding(), 0u);
  expect_accounted(*rt);
}

TEST(PackRuntime, DropsDuplicatesParseFailuresAndFreesThem) {
  MockValidator v;
  auto rt = make_runtime(v);
  auto tx = build_tx({.payer = 1, .salt = 9});
  v.send_tx(tx);
  v.send_tx(tx);                           // same first signature
  v.send_tx({1, 2, 3});                    // garbage
  v.send_tx(build_tx({.payer = 2}), 0x80); // unknown flag bit
  test::poll(*rt);
  EXPECT_EQ(rt->stats().received, 4u);
  EXPECT_EQ(rt->stats().drop_count(sched::DropReason::Duplicate), 1u);
  EXPECT_EQ(rt->stats().drop_count(sched::DropReason::ParseFailed), 1u);
  EXPECT_EQ(rt->stats().drop_count(sched::DropReason::InvalidTpuFlags), 1u);
  EXPECT_EQ(rt->stats().reject_count(Reject::TpuBadFlags), 1u);
  EXPECT_EQ(v.outstanding(0), 1u); // only the one queued transaction remains
  rt->shutdown();
  EXPECT_EQ(v.outstanding(), 0u);
  expect_accounted(*rt);
}

TEST(PackRuntime, EvictsLowestPriorityWhenFull) {
  MockValidator v;
  auto cfg = test::test_runtime_config();
  cfg.sched.capacity = 3;
  auto rt = make_runtime(v, cfg);
  for (std::uint32_t i = 0; i < 4; ++i) {
    v.send_tx(build_tx({.payer = i, .cu_price = 1000 * (i + 1), .salt = i}));
  }
  test::poll(*rt);
  EXPECT_EQ(rt->stats().drop_count(sched::DropReason::Evicted), 1u);
  EXPECT_EQ(rt->scheduler().container().size(), 3u);
  EXPECT_EQ(v.outstanding(0), 3u); // the evicted transaction's bytes were freed
  v.progress(true, 1);
  test::poll(*rt);
  std::size_t regions = 0; // the policy may spread them over both workers
  for (std::uint32_t w : {0u, 1u})
    for (const auto& b : v.take(w))
      regions += v.regions(b).size();
  ASSERT_EQ(regions, 3u);
  rt->shutdown();
  EXPECT_EQ(v.outstanding(), 0u);
  expect_accounted(*rt);
}

TEST(PackRuntime, ShutdownDrainsUnreadMessagesAndUnansweredBatches) {
  MockValidator v;
  auto rt = make_runtime(v);
  v.send_tx(build_tx({.payer = 1, .salt = 1}));
  v.progress(true, 1);
  test::poll(*rt);
  ASSERT_EQ(rt->in_flight_batches(), 1u);
  v.send_tx(build_tx({.payer = 2, .salt = 2})); // never read before shutdown
  rt->shutdown();
  EXPECT_EQ(rt->stats().shutdown_wait_timeouts, 1u);
  EXPECT_EQ(rt->stats().drop_count(sched::DropReason::InFlightAtShutdown), 1u);
  EXPECT_EQ(rt->stats().drop_count(sched::DropReason::DrainedAtShutdown), 1u);
  EXPECT_EQ(rt->owned_regions(), 0u);
  EXPECT_EQ(v.outstanding(), 0u);
  expect_accounted(*rt);
  (void)v.take(0);
  (void)v.take(1);
}

TEST(PackRuntime, FifoPolicyRunsEndToEnd) {
  MockValidator v(1);
  auto rt = make_runtime(v, test::test_runtime_config(), "fifo");
  for (std::uint32_t i = 0; i < 5; ++i)
    v.send_tx(build_tx({.payer = i, .salt = i}));
  v.progress(true, 1);
  test::poll(*rt);
  auto b = v.take(0);
  ASSERT_EQ(b.size(), 1u);
  v.answer(0, b[0], std::vector<std::uint8_t>(b[0].batch.num_transactions, 0));
  test::poll(*rt);
  rt->shutdown();
  EXPECT_EQ(rt->scheduler().counters().included, 5u);
  EXPECT_EQ(rt->stats_json()["policy"], "fifo");
  EXPECT_EQ(v.outstanding(), 0u);
}

} // namespace
} // namespace extpack::pack
