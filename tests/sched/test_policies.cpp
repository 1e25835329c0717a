// Policy registry and the FIFO baseline's head-of-line behaviour.
#include <gtest/gtest.h>

#include "sched_test_util.hpp"

namespace extpack::sched {
namespace {

using test::FakeTx;

TEST(Policies, SelectedByName) {
  auto names = policy_names();
  ASSERT_EQ(names.size(), 5u);
  for (auto n : names) {
    auto p = make_policy(n);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(std::string_view(p->name()), n);
  }
  EXPECT_EQ(make_policy("no-such-policy"), nullptr);
}

TEST(Policies, FifoSendsInArrivalOrderAndStopsAtTheFirstBlocked) {
  SchedConfig cfg;
  auto s = test::make_scheduler(cfg, 1, "fifo");
  FakeTx a(1, {1}, {}, 1), b(2, {1}, {}, 1000), c(3, {3}, {}, 500);
  for (FakeTx* t : {&a, &b, &c})
    ASSERT_TRUE(s->insert(t->tx).accepted);
  s->on_progress(1, true, 60'000'000);
  std::vector<PlannedBatch> out;
  s->schedule(out);
  ASSERT_EQ(out.size(), 1u);
  // a goes; b conflicts with a and blocks c behind it, whatever their fees.
  ASSERT_EQ(out[0].count, 1u);
  EXPECT_EQ(s->entry(out[0].ids[0]).priority, 1u);
}

TEST(Policies, ExtpackSkipsBlockedAndSendsByPriority) {
  SchedConfig cfg;
  auto s = test::make_scheduler(cfg, 1, "extpack");
  FakeTx a(1, {1}, {}, 1), b(2, {1}, {}, 1000), c(3, {3}, {}, 500);
  for (FakeTx* t : {&a, &b, &c})
    ASSERT_TRUE(s->insert(t->tx).accepted);
  s->on_progress(1, true, 60'000'000);
  std::vector<PlannedBatch> out;
  s->schedule(out);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].count, 2u);
  EXPECT_EQ(s->entry(out[0].ids[0]).priority, 1000u);
  EXPECT_EQ(s->entry(out[0].ids[1]).priority, 500u);
}

TEST(Policies, FifoEvictsTheNewestWhenFull) {
  SchedConfig cfg;
  cfg.capacity = 2;
  auto s = test::make_scheduler(cfg, 1, "fifo");
  FakeTx a(1, {1}, {}, 1), b(2, {2}, {}, 1), c(3, {3}, {}, 99);
  s->insert(a.tx);
  s->insert(b.tx);
  Admission r = s->insert(c.tx);
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.reason, DropReason::ContainerFull);
}

} // namespace
} // namespace extpack::sched
