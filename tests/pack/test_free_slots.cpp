// Peer-supplied offsets that name a free slot: Allocator::slot_status() finds them on the
// free stack or the remote-free chain, and the runtime refuses to free them (a double free
// the allocator cannot detect by itself), counting each by reason.
#include <gtest/gtest.h>

#include "mock_validator.hpp"
#include "tx_builder.hpp"

namespace extpack::pack {
namespace {

/// Pack's batch arrays all take a slot of the largest batch's size class (default
/// max_batch): the distance from one array's slot to the next slot of its slab.
constexpr std::uint64_t BATCH_SLOT =
    std::uint64_t{shm::ALLOC_MIN_SIZE} << shm::alloc_size_class(
        abi::MAX_TRANSACTIONS_PER_MESSAGE * sizeof(abi::SharableTransactionRegion));

using test::build_tx;
using test::MockValidator;

TEST(SlotStatus, AllocatedLocallyFreedAndRemotelyFreed) {
  MockValidator v{1};
  shm::Allocator& w = v.agave.workers[0].allocator; // id 1
  shm::Allocator& p = v.pack.allocators[0];         // id 2
  void* a = w.allocate(100);
  void* b = w.allocate(100);
  void* c = w.allocate(100);
  ASSERT_TRUE(a && b && c);
  const auto oa = w.offset(a), ob = w.offset(b), oc = w.offset(c);
  EXPECT_EQ(w.slot_status(oa).owner, 1u);
  EXPECT_FALSE(w.slot_status(oa).free);
  EXPECT_FALSE(p.slot_status(ob).free); // any handle can ask
  w.free(a);                            // local: on the free stack
  EXPECT_TRUE(p.slot_status(oa).free);
  p.free(p.ptr_from_offset(ob)); // remote: on the remote-free chain
  EXPECT_TRUE(p.slot_status(ob).free);
  EXPECT_TRUE(w.slot_status(ob).free);
  EXPECT_FALSE(p.slot_status(oc).free);
  w.clean_remote_free_lists(); // chain -> free stack
  EXPECT_TRUE(p.slot_status(ob).free);
  // Owner-only read: O(1), no walk.
  EXPECT_EQ(p.slot_status(oc, false).owner, 1u);
  EXPECT_FALSE(p.slot_status(oa, false).free);
  w.free(c);
  EXPECT_EQ(v.outstanding(), 0u);
  // A slab returned to the global list keeps a full free stack: every slot reads free.
  EXPECT_TRUE(p.slot_status(oc).free);
  // Outside the slab area: no owner.
  EXPECT_EQ(p.slot_status(8).owner, shm::ALLOC_NULL_U32);
}

struct FreeSlots : ::testing::Test {
  MockValidator v{1};
  std::unique_ptr<PackRuntime> rt = std::make_unique<PackRuntime>(
      v.pack, test::test_runtime_config(), sched::make_policy("fifo"));

  abi::PackToWorkerMessage one_batch(std::uint32_t salt) {
    v.send_tx(build_tx({.payer = salt, .salt = salt}));
    v.progress(true, 10 + salt);
    test::poll(*rt);
    auto b = v.take(0);
    EXPECT_EQ(b.size(), 1u);
    return b.empty() ? abi::PackToWorkerMessage{} : b[0];
  }

  void answer_with_array(const abi::PackToWorkerMessage& req, std::uint64_t roff) {
    abi::WorkerToPackMessage m{};
    m.batch = req.batch;
    m.processed = abi::PROCESSED;
    m.responses.tag = abi::worker_message_types::EXECUTION_RESPONSE;
    m.responses.num_transaction_responses = 1;
    m.responses.transaction_responses_offset = roff;
    v.push_response(0, m);
    test::poll(*rt, 1);
  }

  void finish() {
    rt->shutdown();
    EXPECT_EQ(rt->owned_regions(), 0u);
    EXPECT_EQ(v.outstanding(), 0u);
    EXPECT_EQ(v.agave.tpu_allocator.stats().rejected_frees, 0u);
    EXPECT_EQ(v.pack.allocators[0].stats().rejected_frees, 0u);
    EXPECT_EQ(rt->stats().received,
              rt->scheduler().counters().included + rt->stats().total_dropped());
  }
};

TEST_F(FreeSlots, ResponseArrayFreedByTheWorkerBeforeSending) {
  auto req = one_batch(1);
  const std::uint64_t roff = v.exec_responses(0, {0});
  v.free_own(0, roff); // the worker frees its own array, then hands it over anyway
  answer_with_array(req, roff);
  EXPECT_EQ(rt->stats().reject_count(Reject::ResponseRegionFree), 1u);
  EXPECT_EQ(rt->stats().frees_remote, 0u);
  EXPECT_EQ(rt->scheduler().counters().included, 0u);
  // The batch was retired; its transaction goes out again and is answered properly.
  test::poll(*rt);
  auto again = v.take(0);
  ASSERT_EQ(again.size(), 1u);
  v.answer(0, again[0], {0});
  test::poll(*rt, 1);
  EXPECT_EQ(rt->scheduler().counters().included, 1u);
  // Worker's own slab stays consistent: its next allocation works and is counted once.
  EXPECT_EQ(v.outstanding(session::worker_allocator_id(0)), 0u);
  finish();
}

TEST_F(FreeSlots, ResponseArrayAlreadyFreedRemotelyByPack) {
  auto first = one_batch(2);
  auto ans = v.answer(0, first, {0});
  test::poll(*rt, 1);
  EXPECT_EQ(rt->stats().frees_remote, 1u); // pack freed the array: now on the remote chain
  auto req = one_batch(3);
  answer_with_array(req, ans.responses.transaction_responses_offset); // the same array again
  EXPECT_EQ(rt->stats().reject_count(Reject::ResponseRegionFree), 1u);
  EXPECT_EQ(rt->stats().frees_remote, 1u);
  finish();
}

TEST_F(FreeSlots, ResponseArrayInPacksOwnSlabThatPackDoesNotHold) {
  auto req = one_batch(4);
  // The next slot after pack's batch array: same slab, never allocated.
  answer_with_array(req, req.batch.transactions_offset + BATCH_SLOT);
  EXPECT_EQ(rt->stats().reject_count(Reject::ResponseRegionFree), 1u);
  EXPECT_EQ(rt->stats().frees_local, 1u); // only the retired batch's own array
  finish();
}

TEST_F(FreeSlots, TpuRegionInPacksOwnSlab) {
  auto req = one_batch(5);
  abi::TpuToPackMessage m{};
  m.transaction.offset = req.batch.transactions_offset + 2 * BATCH_SLOT;
  m.transaction.length = 100;
  v.push_tpu(m);
  test::poll(*rt, 1);
  EXPECT_EQ(rt->stats().reject_count(Reject::TpuRegionFree), 1u);
  EXPECT_EQ(rt->stats().received, 1u);
  v.answer(0, req, {0});
  test::poll(*rt, 1);
  finish();
}

} // namespace
} // namespace extpack::pack
