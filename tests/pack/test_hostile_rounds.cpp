// Many rounds of a hostile validator (hostile_peer.hpp) against a real PackRuntime, for
// several seeds: pack must survive, count every refusal by reason, keep its accounting
// identity, free everything it owned exactly once and nothing it did not own.
#include <gtest/gtest.h>

#include "extpack/sched/policies.hpp"
#include "hostile_peer.hpp"

namespace extpack::pack {
namespace {

class HostileRounds : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(HostileRounds, PackSurvivesAndFreesExactlyWhatItOwned) {
  test::HostilePeer peer;
  ASSERT_TRUE(peer.ok());
  PackRuntime rt(peer.pack, test::HostilePeer::runtime_config(), sched::make_policy("fifo"));
  test::Choices choices(GetParam());
  peer.run(choices, rt, 20'000);
  rt.shutdown();

  const PackStats& s = rt.stats();
  EXPECT_EQ(rt.owned_regions(), 0u);
  EXPECT_EQ(rt.in_flight_batches(), 0u);
  EXPECT_EQ(peer.outstanding(peer.pack_id()), 0u);
  EXPECT_EQ(s.received, rt.scheduler().counters().included + s.total_dropped());
  // The peer was hostile in every way it knows; pack saw and counted each kind.
  std::uint64_t rejected = 0;
  for (auto r : s.rejected)
    rejected += r;
  EXPECT_GT(rejected, 1000u);
  EXPECT_GT(s.reject_count(Reject::TpuRegionInvalid), 0u);
  EXPECT_GT(s.reject_count(Reject::TpuRegionAlreadyOwned) + s.reject_count(Reject::TpuRegionFree),
            0u);
  // Transactions sent again after pack freed them (and still free): refused, never freed.
  EXPECT_GT(s.reject_count(Reject::TpuRegionFreed), 0u);
  EXPECT_GT(s.reject_count(Reject::UnknownBatch), 0u);
  EXPECT_GT(s.reject_count(Reject::BadLeaderState), 0u);
  EXPECT_GT(s.reject_count(Reject::ResponseRegionInvalid) +
                s.reject_count(Reject::ResponseRegionFree) +
                s.reject_count(Reject::ResponseRegionOwned),
            0u);
  // And still did its job, unless a torn queue cut it off from progress or its workers.
  if (peer.torn_queues == 0) {
    EXPECT_GT(rt.scheduler().counters().included, 0u);
  }
  EXPECT_GT(s.received, 100u);
  // Pack's own handle never refused a free (nothing freed twice or foreign to it).
  EXPECT_EQ(peer.pack.allocators[0].stats().rejected_frees, 0u);
  EXPECT_EQ(peer.pack.allocators[0].stats().corrupt_metadata, 0u);
  // The peer frees what pack refused; every owner cleans its remote-free stack. A double
  // free by pack would break a chain or leave a count wrong here.
  EXPECT_TRUE(peer.settle()) << peer.settle_report;
  EXPECT_EQ(peer.outstanding_total(), 0u);
  RecordProperty("torn_queues", static_cast<int>(peer.torn_queues));
  RecordProperty("rejected", static_cast<int>(rejected));
}

INSTANTIATE_TEST_SUITE_P(Seeds, HostileRounds, ::testing::Values(1, 2, 3, 4, 5, 6, 7, 8));

} // namespace
} // namespace extpack::pack
