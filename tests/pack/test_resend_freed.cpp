// A validator that sends again a transaction slot pack already freed: pack must refuse it
// (Reject::TpuRegionFreed) whether the owner has drained its remote-free stack or not, free
// nothing twice, and still accept the same slot once the owner has really re-allocated it.
// The allocator's remote-free ledger (Allocator::check_reuse) does the detection.
#include <gtest/gtest.h>

#include "mock_validator.hpp"
#include "tx_builder.hpp"

namespace extpack::pack {
namespace {

using test::MockValidator;

struct ResendFreed : ::testing::Test {
  MockValidator v{1};
  std::unique_ptr<PackRuntime> rt = std::make_unique<PackRuntime>(
      v.pack, test::test_runtime_config(), sched::make_policy("fifo"));
  shm::Allocator& tpu = v.agave.tpu_allocator; // id 0, owns the transaction slabs
  shm::Allocator& pk = v.pack.allocators[0];

  /// Bytes that fail to parse: pack takes them over and frees them at once.
  static std::vector<std::uint8_t> garbage(std::size_t n = 200) {
    return std::vector<std::uint8_t>(n, 0xFF);
  }
  void resend(std::uint64_t off, std::uint32_t len) {
    abi::TpuToPackMessage m{};
    m.transaction.offset = off;
    m.transaction.length = len;
    v.push_tpu(m);
    test::poll(*rt, 1);
  }
  std::uint64_t freed_count() const {
    return rt->stats().reject_count(Reject::TpuRegionFreed);
  }
  /// Nothing freed twice anywhere: every handle's metadata intact and no free refused.
  void expect_integrity() {
    for (shm::Allocator* a : {&tpu, &pk, &v.agave.workers[0].allocator}) {
      EXPECT_EQ(a->stats().corrupt_metadata, 0u);
      EXPECT_EQ(a->stats().rejected_frees, 0u);
    }
  }
  void finish() {
    rt->shutdown();
    EXPECT_EQ(rt->owned_regions(), 0u);
    tpu.clean_remote_free_lists();
    EXPECT_EQ(v.outstanding(), 0u);
    expect_integrity();
    EXPECT_EQ(rt->stats().received,
              rt->scheduler().counters().included + rt->stats().total_dropped());
  }
};

TEST_F(ResendFreed, BeforeTheOwnerDrains) {
  const std::uint64_t other = v.send_tx(garbage());
  const std::uint64_t x = v.send_tx(garbage());
  test::poll(*rt, 1);
  EXPECT_EQ(rt->stats().received, 2u);
  EXPECT_EQ(pk.stats().remote_frees, 2u);
  EXPECT_TRUE(pk.ledger_has(x));
  // x is on slab's remote-free chain now; the validator sends it again, twice.
  resend(x, 200);
  resend(x, 200);
  EXPECT_EQ(freed_count(), 2u);
  EXPECT_EQ(rt->stats().received, 2u);
  EXPECT_EQ(pk.stats().remote_frees, 2u); // nothing freed again
  EXPECT_EQ(pk.stats().reuse_audits, 2u);
  EXPECT_TRUE(pk.ledger_has(x));
  EXPECT_TRUE(pk.ledger_has(other));
  // The chain holds each slot once: the owner drains exactly two.
  tpu.clean_remote_free_lists();
  EXPECT_EQ(tpu.stats().remote_cleaned, 2u);
  EXPECT_EQ(v.outstanding(0), 0u);
  finish();
}

TEST_F(ResendFreed, AfterTheOwnerDrained) {
  // The owner keeps one slot of the same 256-byte class, so the slab stays partial.
  const std::uint64_t live = tpu.offset(tpu.allocate(200));
  const std::uint64_t x = v.send_tx(garbage(220));
  test::poll(*rt, 1);
  tpu.clean_remote_free_lists(); // x: chain -> owner's free stack
  EXPECT_EQ(tpu.stats().remote_cleaned, 1u);
  resend(x, 220);
  EXPECT_EQ(freed_count(), 1u);
  EXPECT_EQ(pk.stats().remote_frees, 1u);
  EXPECT_EQ(tpu.usage(0).allocations, 1u); // only `live`
  // A zero or shorter length names the same slot: refused as well.
  resend(x, 0);
  EXPECT_EQ(freed_count(), 2u);
  v.free_own(MockValidator::TPU, live);
  // The slab is empty and back on the global list: x is still free, still refused.
  EXPECT_EQ(v.outstanding(), 0u);
  resend(x, 220);
  EXPECT_EQ(freed_count(), 3u);
  EXPECT_EQ(pk.stats().remote_frees, 1u);
  finish();
}

TEST_F(ResendFreed, LegitimateReallocationIsAccepted) {
  const std::uint64_t live = tpu.offset(tpu.allocate(400)); // 512-byte class, like x
  const std::uint64_t x = v.send_tx(garbage(400));
  test::poll(*rt, 1);
  ASSERT_TRUE(pk.ledger_has(x));
  tpu.clean_remote_free_lists();
  // The owner allocates again: its free stack is LIFO, so it gets x back, and sends a
  // well-formed transaction in it.
  const auto tx = test::build_tx({.payer = 7, .writable = {100, 101, 102, 103, 104}, .salt = 7});
  ASSERT_GT(tx.size(), 256u);
  ASSERT_LE(tx.size(), 512u);
  const std::uint64_t again = v.send_tx(tx);
  ASSERT_EQ(again, x);
  test::poll(*rt, 1);
  EXPECT_EQ(freed_count(), 0u);
  EXPECT_EQ(rt->stats().received, 2u);
  EXPECT_EQ(rt->owned_regions(), 1u); // queued, not leader
  EXPECT_FALSE(pk.ledger_has(x));     // the audit saw it allocated
  EXPECT_EQ(pk.stats().reuse_audits, 1u);
  EXPECT_GE(pk.stats().reuse_cleared, 1u);
  // Pack holds it: a copy of the message is "already owned", not "freed".
  resend(x, 200);
  EXPECT_EQ(rt->stats().reject_count(Reject::TpuRegionAlreadyOwned), 1u);
  // Executed and freed by pack: a resend after that is refused again.
  v.progress(true, 10);
  test::poll(*rt);
  auto batches = v.take(0);
  ASSERT_EQ(batches.size(), 1u);
  v.answer(0, batches[0], {0});
  test::poll(*rt, 1);
  EXPECT_EQ(rt->scheduler().counters().included, 1u);
  EXPECT_TRUE(pk.ledger_has(x));
  resend(x, 200);
  EXPECT_EQ(freed_count(), 1u);
  v.free_own(MockValidator::TPU, live);
  finish();
}

TEST_F(ResendFreed, OneAuditSettlesEveryQueuedReallocation) {
  // Pack frees 32 slots; the owner drains and re-allocates all of them; their messages are
  // all queued before pack reads any. The first one audits the slab, the rest pass the
  // bit test.
  const std::uint64_t live = tpu.offset(tpu.allocate(200));
  std::vector<std::uint64_t> offs;
  for (int i = 0; i < 32; ++i)
    offs.push_back(v.send_tx(garbage()));
  test::poll(*rt, 1);
  EXPECT_EQ(pk.stats().remote_frees, 32u);
  tpu.clean_remote_free_lists();
  for (int i = 0; i < 32; ++i)
    (void)v.send_tx(garbage());
  test::poll(*rt, 1);
  EXPECT_EQ(freed_count(), 0u);
  EXPECT_EQ(rt->stats().received, 64u);
  EXPECT_EQ(pk.stats().reuse_audits, 1u);
  EXPECT_EQ(pk.stats().reuse_cleared, 32u);
  // All 32 freed again; resending every one is refused, one audit each (nothing to clear).
  for (std::uint64_t o : offs)
    resend(o, 200);
  EXPECT_EQ(freed_count(), 32u);
  EXPECT_EQ(pk.stats().remote_frees, 64u);
  v.free_own(MockValidator::TPU, live);
  finish();
}

TEST_F(ResendFreed, SlabRetakenByAnotherIdWithAnotherClass) {
  // Pack frees a 256-byte slot; the whole slab goes back to the global list and a worker
  // takes it for 1 KiB slots. The old offset is no longer a slot start of an allocated
  // slot, or is one the worker holds: never freed by pack a second time.
  const std::uint64_t x = v.send_tx(garbage());
  test::poll(*rt, 1);
  tpu.clean_remote_free_lists(); // slab empty: back to the pool
  EXPECT_EQ(v.outstanding(), 0u);
  shm::Allocator& w = v.agave.workers[0].allocator;
  std::vector<std::uint64_t> held;
  bool reached = false;
  for (int i = 0; i < 64 && !reached; ++i) {
    const std::uint64_t o = w.offset(w.allocate(1000));
    held.push_back(o);
    reached = o == x;
  }
  ASSERT_TRUE(reached) << "worker did not take the same slab";
  // x is now a live 1 KiB allocation of the worker: the ledger entry was stale. Accepted
  // (pack takes it over and frees it: it is garbage), no refusal counted.
  resend(x, 200);
  EXPECT_EQ(freed_count(), 0u);
  EXPECT_EQ(rt->stats().received, 2u);
  held.pop_back(); // pack freed it into the worker's remote-free stack
  for (std::uint64_t o : held)
    v.free_own(0, o);
  w.clean_remote_free_lists();
  finish();
}

} // namespace
} // namespace extpack::pack
