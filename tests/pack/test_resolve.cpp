// RESOLVE flow: v0 transactions with address-table lookups wait for the validator's
// Resolved answer; the loaded keys join their locks; bad answers are rejected.
#include <gtest/gtest.h>

#include "mock_validator.hpp"
#include "tx_builder.hpp"

namespace extpack::pack {
namespace {

using test::build_tx;
using test::key;
using test::MockValidator;

struct ResolveFlow : ::testing::Test {
  MockValidator v{1};
  std::unique_ptr<PackRuntime> rt = std::make_unique<PackRuntime>(
      v.pack, test::test_runtime_config(), sched::make_policy("extpack"));

  /// Allocates a Resolved array (and key arrays) on worker 0 and pushes the answer.
  abi::WorkerToPackMessage answer_resolve(const abi::PackToWorkerMessage& req,
                                          const std::vector<std::vector<txn::Pubkey>>& keys,
                                          std::uint8_t success = 1,
                                          std::uint64_t min_alt = UINT64_MAX) {
    auto& alloc = v.agave.workers[0].allocator;
    const std::size_t n = keys.size();
    auto* rs = static_cast<abi::Resolved*>(
        alloc.allocate(static_cast<std::uint32_t>(n * sizeof(abi::Resolved))));
    for (std::size_t i = 0; i < n; ++i) {
      rs[i] = abi::Resolved{};
      rs[i].success = success;
      rs[i].slot = 1;
      rs[i].min_alt_deactivation_slot = min_alt;
      if (!keys[i].empty()) {
        auto* k = static_cast<txn::Pubkey*>(
            alloc.allocate(static_cast<std::uint32_t>(keys[i].size() * 32)));
        std::copy(keys[i].begin(), keys[i].end(), k);
        rs[i].resolved_pubkeys.offset = alloc.offset(k);
        rs[i].resolved_pubkeys.num_pubkeys = static_cast<std::uint32_t>(keys[i].size());
      }
    }
    abi::WorkerToPackMessage m{};
    m.batch = req.batch;
    m.processed = abi::PROCESSED;
    m.responses.tag = abi::worker_message_types::RESOLVED;
    m.responses.num_transaction_responses = static_cast<std::uint8_t>(n);
    m.responses.transaction_responses_offset = alloc.offset(rs);
    v.push_response(0, m);
    return m;
  }

  /// The RESOLVE batch pack sends for the v0 transaction(s) queued so far.
  abi::PackToWorkerMessage resolve_request() {
    test::poll(*rt);
    auto b = v.take(0);
    EXPECT_EQ(b.size(), 1u);
    if (b.empty()) return {};
    EXPECT_EQ(b[0].flags, abi::pack_message_flags::RESOLVE);
    return b[0];
  }

  void finish() {
    rt->shutdown();
    EXPECT_EQ(rt->owned_regions(), 0u);
    EXPECT_EQ(v.outstanding(), 0u);
  }
};

TEST_F(ResolveFlow, LoadedKeysBecomeLocks) {
  // v0: payer 1, one table loading a writable and a readonly key.
  v.send_tx(build_tx(
      {.payer = 1, .cu_price = 10, .salt = 1, .lookup_writable = 1, .lookup_readonly = 1}));
  auto req = resolve_request();
  ASSERT_EQ(req.batch.num_transactions, 1u);
  EXPECT_EQ(rt->stats_json()["resolve_batches"], 1);
  // While unresolved it is never executed, even when leader.
  v.progress(true, 1);
  test::poll(*rt);
  EXPECT_TRUE(v.take(0).empty());
  answer_resolve(req, {{key(50), key(51)}});
  // A legacy transaction writing the loaded writable key 50, with a higher fee.
  v.send_tx(build_tx({.payer = 2, .writable = {50}, .cu_price = 1000, .salt = 2}));
  test::poll(*rt);
  auto b = v.take(0);
  ASSERT_EQ(b.size(), 1u);
  // They conflict on key 50 only through the resolved key: one batch of one.
  EXPECT_EQ(b[0].batch.num_transactions, 1u);
  EXPECT_EQ(rt->scheduler().counters().resolved, 1u);
  v.answer(0, b[0], {0});
  test::poll(*rt);
  auto b2 = v.take(0);
  ASSERT_EQ(b2.size(), 1u);
  EXPECT_EQ(b2[0].batch.num_transactions, 1u);
  v.answer(0, b2[0], {0});
  test::poll(*rt);
  EXPECT_EQ(rt->scheduler().counters().included, 2u);
  finish();
}

TEST_F(ResolveFlow, KeyCountMismatchIsRejected) {
  v.send_tx(build_tx({.payer = 1, .salt = 1, .lookup_writable = 2}));
  auto req = resolve_request();
  auto m = answer_resolve(req, {{key(50)}}); // the transaction loads two keys
  test::poll(*rt, 1);
  EXPECT_EQ(rt->stats().reject_count(Reject::ResolvedKeyCountMismatch), 1u);
  EXPECT_EQ(rt->scheduler().counters().resolved, 0u);
  // Pack freed none of the worker's arrays; the mock takes them back.
  const auto* rs = reinterpret_cast<const abi::Resolved*>(
      v.agave.workers[0].allocator.ptr_from_offset(m.responses.transaction_responses_offset));
  v.free_own(0, rs[0].resolved_pubkeys.offset);
  v.free_own(0, m.responses.transaction_responses_offset);
  finish();
}

TEST_F(ResolveFlow, FailureDropsTheTransaction) {
  v.send_tx(build_tx({.payer = 1, .salt = 1, .lookup_readonly = 1}));
  auto req = resolve_request();
  answer_resolve(req, {{}}, 0);
  test::poll(*rt, 1);
  EXPECT_EQ(rt->stats().drop_count(sched::DropReason::ResolveFailed), 1u);
  finish();
}

TEST_F(ResolveFlow, BadSuccessValueIsRejected) {
  v.send_tx(build_tx({.payer = 1, .salt = 1, .lookup_readonly = 1}));
  auto req = resolve_request();
  auto m = answer_resolve(req, {{}}, 7);
  test::poll(*rt, 1);
  EXPECT_EQ(rt->stats().reject_count(Reject::BadResolveSuccess), 1u);
  v.free_own(0, m.responses.transaction_responses_offset);
  finish();
}

TEST_F(ResolveFlow, DeactivatedTablesAreDropped) {
  v.send_tx(build_tx({.payer = 1, .salt = 1, .lookup_writable = 1}));
  auto req = resolve_request();
  answer_resolve(req, {{key(60)}}, 1, 12);
  test::poll(*rt, 1);
  v.progress(true, 13);
  test::poll(*rt);
  EXPECT_TRUE(v.take(0).empty());
  EXPECT_EQ(rt->stats().drop_count(sched::DropReason::AltDeactivated), 1u);
  finish();
}

TEST_F(ResolveFlow, RepeatedKeyArrayIsRejected) {
  v.send_tx(build_tx({.payer = 1, .salt = 1, .lookup_writable = 1}));
  v.send_tx(build_tx({.payer = 2, .salt = 2, .lookup_writable = 1}));
  auto req = resolve_request();
  ASSERT_EQ(req.batch.num_transactions, 2u);
  auto m = answer_resolve(req, {{key(60)}, {key(61)}});
  // Make the second answer point at the first one's key array.
  auto* rs = reinterpret_cast<abi::Resolved*>(
      v.agave.workers[0].allocator.ptr_from_offset(m.responses.transaction_responses_offset));
  const std::uint64_t second = rs[1].resolved_pubkeys.offset;
  rs[1].resolved_pubkeys.offset = rs[0].resolved_pubkeys.offset;
  test::poll(*rt, 1);
  EXPECT_EQ(rt->stats().reject_count(Reject::ResolvedKeysRegionOwned), 1u);
  v.free_own(0, rs[0].resolved_pubkeys.offset);
  v.free_own(0, second);
  v.free_own(0, m.responses.transaction_responses_offset);
  finish();
}

} // namespace
} // namespace extpack::pack
