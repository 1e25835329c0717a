// Container: dedupe, capacity, eviction of the lowest priority, in-flight protection.
#include <gtest/gtest.h>

#include "extpack/sched/container.hpp"
#include "sched_test_util.hpp"

namespace extpack::sched {
namespace {

using test::FakeTx;

NewTx ranked(FakeTx& f) {
  f.tx.rank = f.tx.priority;
  return f.tx;
}

TEST(Container, RejectsDuplicateFirstSignature) {
  Container c(8);
  FakeTx a(1, {1}, {}, 10), dup(1, {2}, {}, 99);
  EXPECT_EQ(c.insert(ranked(a)).status, InsertStatus::Inserted);
  InsertResult r = c.insert(ranked(dup));
  EXPECT_EQ(r.status, InsertStatus::Duplicate);
  EXPECT_EQ(c.size(), 1u);
}

TEST(Container, SignatureIsFreeAgainAfterRemoval) {
  Container c(8);
  FakeTx a(1, {1}, {}, 10);
  InsertResult r = c.insert(ranked(a));
  c.remove(r.id);
  EXPECT_EQ(c.insert(ranked(a)).status, InsertStatus::Inserted);
}

TEST(Container, EvictsLowestPriorityWhenFull) {
  Container c(3);
  FakeTx a(1, {1}, {}, 30), b(2, {2}, {}, 10), d(3, {3}, {}, 20), e(4, {4}, {}, 25);
  c.insert(ranked(a));
  c.insert(ranked(b));
  c.insert(ranked(d));
  InsertResult r = c.insert(ranked(e));
  ASSERT_EQ(r.status, InsertStatus::Inserted);
  ASSERT_TRUE(r.evicted.has_value());
  EXPECT_EQ(r.evicted->offset, b.tx.ref.offset); // priority 10 was the lowest
  EXPECT_EQ(c.size(), 3u);
  // Pop order is now 30, 25, 20.
  EXPECT_EQ(c.entry(c.pop_ready()).priority, 30u);
  EXPECT_EQ(c.entry(c.pop_ready()).priority, 25u);
  EXPECT_EQ(c.entry(c.pop_ready()).priority, 20u);
}

TEST(Container, RefusesNewcomerNotBetterThanWorst) {
  Container c(2);
  FakeTx a(1, {1}, {}, 30), b(2, {2}, {}, 10), low(3, {3}, {}, 10);
  c.insert(ranked(a));
  c.insert(ranked(b));
  InsertResult r = c.insert(ranked(low)); // ties lose: the queued one arrived first
  EXPECT_EQ(r.status, InsertStatus::Full);
  EXPECT_FALSE(r.evicted.has_value());
  EXPECT_EQ(c.size(), 2u);
}

TEST(Container, NeverEvictsInFlightEntries) {
  Container c(2);
  FakeTx a(1, {1}, {}, 5), b(2, {2}, {}, 6), hi(3, {3}, {}, 100);
  InsertResult ra = c.insert(ranked(a));
  InsertResult rb = c.insert(ranked(b));
  // Both leave the queue (as if sent to workers).
  EXPECT_EQ(c.pop_ready(), rb.id);
  EXPECT_EQ(c.pop_ready(), ra.id);
  c.entry(ra.id).state = EntryState::InFlight;
  c.entry(rb.id).state = EntryState::InFlight;
  EXPECT_EQ(c.insert(ranked(hi)).status, InsertStatus::Full);
}

TEST(Container, EvictsAcrossReadyAndUnresolved) {
  Container c(2);
  FakeTx a(1, {1}, {}, 50), u(2, {}, {}, 5), n(3, {3}, {}, 40);
  c.insert(ranked(a));
  NewTx ut = ranked(u);
  ut.needs_resolve = true;
  c.insert(ut);
  EXPECT_EQ(c.unresolved_size(), 1u);
  InsertResult r = c.insert(ranked(n));
  ASSERT_TRUE(r.evicted.has_value());
  EXPECT_EQ(r.evicted->offset, u.tx.ref.offset);
  EXPECT_EQ(c.unresolved_size(), 0u);
}

TEST(Container, AccountIdsAreSharedAndReleased) {
  Container c(4);
  FakeTx a(1, {7, 8}, {9}, 1), b(2, {7}, {9}, 2);
  InsertResult ra = c.insert(ranked(a));
  c.insert(ranked(b));
  EXPECT_EQ(c.accounts().live(), 3u);
  c.remove(ra.id);
  EXPECT_EQ(c.accounts().live(), 2u); // 8 had only one reference
}

} // namespace
} // namespace extpack::sched
