// Hostile peer input: every malformed message is rejected and counted, pack does not
// crash, frees nothing it does not own, and the allocator is empty at the end (the mock
// frees what pack rightly refused to take over).
#include <gtest/gtest.h>

#include "mock_validator.hpp"
#include "tx_builder.hpp"

namespace extpack::pack {
namespace {

using test::build_tx;
using test::MockValidator;

struct Hostile : ::testing::Test {
  MockValidator v{1};
  std::unique_ptr<PackRuntime> rt = std::make_unique<PackRuntime>(
      v.pack, test::test_runtime_config(), sched::make_policy("extpack"));

  /// Sends one transaction and returns the batch pack sent for it.
  abi::PackToWorkerMessage one_batch(std::uint32_t salt) {
    v.send_tx(build_tx({.payer = salt, .salt = salt}));
    v.progress(true, 10 + salt);
    test::poll(*rt);
    auto b = v.take(0);
    EXPECT_EQ(b.size(), 1u);
    return b.empty() ? abi::PackToWorkerMessage{} : b[0];
  }

  void finish() {
    rt->shutdown();
    EXPECT_EQ(rt->owned_regions(), 0u);
    EXPECT_EQ(v.outstanding(), 0u);
    nlohmann::json j = rt->stats_json();
    std::uint64_t dropped = 0;
    for (auto& [k, x] : j["dropped"].items())
      dropped += x.get<std::uint64_t>();
    EXPECT_EQ(j["received"].get<std::uint64_t>(), j["included"].get<std::uint64_t>() + dropped);
  }
};

TEST_F(Hostile, ResponseCountDiffersFromBatch) {
  auto req = one_batch(1);
  abi::WorkerToPackMessage m{};
  m.batch = req.batch;
  m.processed = abi::PROCESSED;
  m.responses.tag = abi::worker_message_types::EXECUTION_RESPONSE;
  m.responses.num_transaction_responses = 2; // batch has 1
  m.responses.transaction_responses_offset = v.exec_responses(0, {0, 0});
  v.push_response(0, m);
  test::poll(*rt, 1);
  EXPECT_EQ(rt->stats().reject_count(Reject::ResponseCountMismatch), 1u);
  EXPECT_EQ(v.outstanding(1), 1u); // pack left the worker's array alone
  EXPECT_EQ(rt->scheduler().counters().included, 0u);
  v.free_own(0, m.responses.transaction_responses_offset);
  // The batch was retired and its transaction requeued: it goes out again.
  test::poll(*rt);
  EXPECT_EQ(v.take(0).size(), 1u);
  finish();
}

TEST_F(Hostile, ResponseForABatchNeverSent) {
  auto req = one_batch(2);
  abi::WorkerToPackMessage m{};
  m.batch.num_transactions = 1;
  m.batch.transactions_offset = req.batch.transactions_offset + 4096 * 3;
  m.processed = abi::PROCESSED;
  m.responses.tag = abi::worker_message_types::EXECUTION_RESPONSE;
  m.responses.num_transaction_responses = 1;
  m.responses.transaction_responses_offset = v.exec_responses(0, {0});
  v.push_response(0, m);
  test::poll(*rt, 1);
  EXPECT_EQ(rt->stats().reject_count(Reject::UnknownBatch), 1u);
  EXPECT_EQ(rt->in_flight_batches(), 1u); // the real batch is still out
  EXPECT_EQ(v.outstanding(1), 1u);
  v.free_own(0, m.responses.transaction_responses_offset);
  v.answer(0, req, {0});
  test::poll(*rt);
  EXPECT_EQ(rt->scheduler().counters().included, 1u);
  finish();
}

TEST_F(Hostile, SameBatchAnsweredTwice) {
  auto req = one_batch(3);
  v.answer(0, req, {0});
  test::poll(*rt, 1);
  EXPECT_EQ(rt->scheduler().counters().included, 1u);
  auto second = v.answer(0, req, {0});
  test::poll(*rt, 1);
  EXPECT_EQ(rt->stats().reject_count(Reject::BatchAnsweredTwice), 1u);
  EXPECT_EQ(rt->scheduler().counters().included, 1u);
  EXPECT_EQ(v.outstanding(1), 1u); // the second array was not freed by pack
  v.free_own(0, second.responses.transaction_responses_offset);
  finish();
}

TEST_F(Hostile, ResponseOffsetPastTheEndOfTheAllocator) {
  auto req = one_batch(4);
  abi::WorkerToPackMessage m{};
  m.batch = req.batch;
  m.processed = abi::PROCESSED;
  m.responses.tag = abi::worker_message_types::EXECUTION_RESPONSE;
  m.responses.num_transaction_responses = 1;
  m.responses.transaction_responses_offset = v.cfg.allocator_size + 4096;
  v.push_response(0, m);
  test::poll(*rt, 1);
  EXPECT_EQ(rt->stats().reject_count(Reject::ResponseRegionInvalid), 1u);
  finish();
}

TEST_F(Hostile, ResponseOffsetNamesPacksOwnMemory) {
  auto req = one_batch(5);
  abi::WorkerToPackMessage m{};
  m.batch = req.batch;
  m.processed = abi::PROCESSED;
  m.responses.tag = abi::worker_message_types::EXECUTION_RESPONSE;
  m.responses.num_transaction_responses = 1;
  m.responses.transaction_responses_offset = req.batch.transactions_offset; // pack's array
  v.push_response(0, m);
  test::poll(*rt, 1);
  EXPECT_EQ(rt->stats().reject_count(Reject::ResponseRegionOwned), 1u);
  finish();
}

TEST_F(Hostile, BadTagAndBadProcessedValue) {
  auto req = one_batch(6);
  abi::WorkerToPackMessage m{};
  m.batch = req.batch;
  m.processed = abi::PROCESSED;
  m.responses.tag = 7;
  m.responses.num_transaction_responses = 1;
  m.responses.transaction_responses_offset = v.exec_responses(0, {0});
  v.push_response(0, m);
  test::poll(*rt);
  EXPECT_EQ(rt->stats().reject_count(Reject::BadResponseTag), 1u);
  v.free_own(0, m.responses.transaction_responses_offset);
  auto again = v.take(0);
  ASSERT_EQ(again.size(), 1u);
  abi::WorkerToPackMessage p{};
  p.batch = again[0].batch;
  p.processed = 9;
  v.push_response(0, p);
  test::poll(*rt, 1);
  EXPECT_EQ(rt->stats().reject_count(Reject::BadProcessedValue), 1u);
  finish();
}

TEST_F(Hostile, BadLeaderStateIsIgnored) {
  v.send_tx(build_tx({.payer = 1}));
  abi::ProgressMessage m{};
  m.leader_state = 5;
  m.current_slot = 3;
  m.next_leader_slot = UINT64_MAX;
  m.leader_range_end = UINT64_MAX;
  m.remaining_cost_units = 60'000'000;
  v.push_progress(m);
  test::poll(*rt);
  EXPECT_EQ(rt->stats().reject_count(Reject::BadLeaderState), 1u);
  EXPECT_TRUE(v.take(0).empty()); // not treated as leader
  // Other bad fields.
  v.progress(false, 10);
  m.leader_state = abi::IS_LEADER;
  m.current_slot = 9; // backwards
  v.push_progress(m);
  m.current_slot = 11;
  m.current_slot_progress = 101;
  v.push_progress(m);
  m.current_slot_progress = 0;
  m.next_leader_slot = 5;
  v.push_progress(m);
  m.next_leader_slot = 20;
  m.leader_range_end = 19;
  v.push_progress(m);
  test::poll(*rt);
  EXPECT_EQ(rt->stats().reject_count(Reject::SlotWentBackwards), 1u);
  EXPECT_EQ(rt->stats().reject_count(Reject::BadSlotProgress), 1u);
  EXPECT_EQ(rt->stats().reject_count(Reject::BadNextLeaderSlot), 1u);
  EXPECT_EQ(rt->stats().reject_count(Reject::BadLeaderRangeEnd), 1u);
  EXPECT_TRUE(v.take(0).empty());
  finish();
}

TEST_F(Hostile, TpuMessagesWithBadRegions) {
  auto good = v.send_tx(build_tx({.payer = 1}));
  abi::TpuToPackMessage m{};
  m.transaction.offset = good;
  m.transaction.length = 5000; // above 1232
  v.push_tpu(m);
  m.transaction.length = 200;
  m.transaction.offset = good + 8; // misaligned: not the start of an allocation
  v.push_tpu(m);
  m.transaction.offset = v.cfg.allocator_size + 8192; // past the end
  v.push_tpu(m);
  m.transaction.offset = good; // already pack's
  v.push_tpu(m);
  test::poll(*rt);
  EXPECT_EQ(rt->stats().reject_count(Reject::TpuLengthTooLarge), 1u);
  EXPECT_EQ(rt->stats().reject_count(Reject::TpuRegionInvalid), 2u);
  EXPECT_EQ(rt->stats().reject_count(Reject::TpuRegionAlreadyOwned), 1u);
  EXPECT_EQ(rt->stats().received, 1u);
  finish();
}

TEST_F(Hostile, UndefinedNotIncludedReasonDropsTheTransaction) {
  auto req = one_batch(7);
  v.answer(0, req, {200});
  test::poll(*rt, 1);
  EXPECT_EQ(rt->stats().reject_count(Reject::UndefinedNotIncludedReason), 1u);
  EXPECT_EQ(rt->stats().drop_count(sched::DropReason::NotIncluded), 1u);
  finish();
}

TEST_F(Hostile, CorruptWorkerQueueIsAbandoned) {
  auto req = one_batch(8);
  (void)req;
  // A producer position far ahead of anything written, through a second mapping.
  auto map = shm::Mapping::map(v.fds.worker_to_pack[0].get(),
                               v.agave.workers[0].worker_to_pack.file_size());
  ASSERT_TRUE(map.ok());
  reinterpret_cast<shm::QueueHeader*>(map->data())
      ->write.store(1'000'000, std::memory_order_release);
  test::poll(*rt);
  EXPECT_EQ(rt->stats().reject_count(Reject::QueueCorrupt), 1u);
  finish(); // the unanswered batch is freed at shutdown
  EXPECT_EQ(rt->stats().drop_count(sched::DropReason::InFlightAtShutdown), 1u);
}

} // namespace
} // namespace extpack::pack
