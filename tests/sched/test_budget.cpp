// SlotBudget: combining the bank's reported remaining cost with pack's own tally.
#include <gtest/gtest.h>

#include "extpack/sched/budget.hpp"

namespace extpack::sched {
namespace {

constexpr std::uint64_t BLOCK = 60'000'000;

SlotBudget make_budget() {
  return SlotBudget(txn::BlockLimits{}, 0);
}

TEST(SlotBudget, NothingIsAvailableBeforeTheSlotsFirstReport) {
  SlotBudget b = make_budget();
  b.begin_slot(7);
  EXPECT_EQ(b.available(), 0u);
  b.on_progress(BLOCK);
  EXPECT_EQ(b.available(), BLOCK);
}

TEST(SlotBudget, TheReportedRemainingCapsWhatIsSent) {
  SlotBudget b = make_budget();
  b.begin_slot(7);
  b.on_progress(350'000); // the bank holds 59.65M that pack never sent
  EXPECT_EQ(b.available(), 350'000u);
  b.reserve(100'000, false);
  EXPECT_EQ(b.available(), 250'000u);
  EXPECT_EQ(b.check(300'000, false), BudgetCheck::OverBlock);
}

// The bank commits a batch, reports, and only then does pack read the batch's response:
// the report already counts the batch. The old budget subtracted it a second time until
// the next report, which in the last 10 ms of a slot left ~1M CU of the block unused
// (`extpack-compare --workload contended --slots 8 --seed 2`: the last leader slot filled
// 98.2 %).
TEST(SlotBudget, AResponseReadAfterAReportThatCountsItIsNotChargedTwice) {
  SlotBudget b = make_budget();
  b.begin_slot(7);
  b.on_progress(BLOCK);
  b.reserve(1'000'000, false);
  b.reserve(500'000, false);
  EXPECT_EQ(b.available(), BLOCK - 1'500'000);
  // The bank executed both (actual 900k and 500k) before this report.
  b.on_progress(BLOCK - 1'400'000);
  EXPECT_EQ(b.available(), BLOCK - 1'500'000); // still in flight at their estimates
  b.settle(1'000'000, false, true, 900'000);
  b.settle(500'000, false, true, 500'000);
  EXPECT_EQ(b.available(), BLOCK - 1'400'000);
}

// One batch committed before the report, the other after it: once both responses are read
// each is charged once, and before that nothing is counted as free that is not.
TEST(SlotBudget, ResponsesOnBothSidesOfAReport) {
  SlotBudget b = make_budget();
  b.begin_slot(7);
  b.on_progress(BLOCK);
  b.reserve(1'000'000, false);
  b.reserve(2'000'000, false);
  b.on_progress(BLOCK - 1'000'000); // the first is in the block, the second not yet
  b.settle(2'000'000, false, true, 2'000'000);
  EXPECT_EQ(b.available(), BLOCK - 3'000'000); // the first still counts at its estimate
  b.settle(1'000'000, false, true, 1'000'000);
  EXPECT_EQ(b.available(), BLOCK - 3'000'000);
}

// Cost in the bank that pack did not send (or executed above pack's estimate) stays
// charged for the rest of the slot.
TEST(SlotBudget, CostPackCannotAccountForStaysCharged) {
  SlotBudget b = make_budget();
  b.begin_slot(7);
  b.on_progress(BLOCK);
  b.reserve(1'000'000, false);
  b.on_progress(BLOCK - 5'000'000); // 4M more than pack ever had in this block
  EXPECT_EQ(b.available(), BLOCK - 5'000'000);
  b.settle(1'000'000, false, true, 1'000'000);
  EXPECT_EQ(b.available(), BLOCK - 5'000'000);
  b.on_progress(BLOCK - 5'000'000);
  EXPECT_EQ(b.available(), BLOCK - 5'000'000);
  b.begin_slot(8); // a new block: nothing carries over
  b.on_progress(BLOCK);
  EXPECT_EQ(b.available(), BLOCK);
}

// A report taken while more of pack's work is in flight must not hide what an earlier one
// showed (here: executions 0.6M above their estimates); cost never leaves a bank.
TEST(SlotBudget, CostAReportShowedIsNotHiddenByLaterInFlightWork) {
  SlotBudget b = make_budget();
  b.begin_slot(7);
  b.on_progress(BLOCK);
  b.reserve(1'000'000, false);
  b.settle(1'000'000, false, true, 1'000'000);
  b.on_progress(BLOCK - 1'600'000); // the bank charged 1.6M for it
  EXPECT_EQ(b.available(), BLOCK - 1'600'000);
  b.reserve(1'000'000, false);
  b.on_progress(BLOCK - 1'600'000); // the second batch has not executed yet
  b.settle(1'000'000, false, true, 1'000'000);
  EXPECT_LE(b.available(), BLOCK - 2'600'000);
}

// remaining_cost_units comes from the validator: a figure above the block limit is taken
// as an empty block, not as room beyond the limit (and not as a full block).
TEST(SlotBudget, ARemainingAboveTheBlockLimitReadsAsAnEmptyBlock) {
  for (const std::uint64_t remaining : {BLOCK + 1, ~std::uint64_t{0}}) {
    SlotBudget b = make_budget();
    b.begin_slot(7);
    b.on_progress(remaining);
    EXPECT_EQ(b.available(), BLOCK);
  }
}

// Once the bank refused a vote for the vote limit, no vote fits this slot, also after a vote
// in flight comes back below its estimate or not included; the next slot starts afresh.
TEST(SlotBudget, VotesStayFullOnceTheBankSaidSo) {
  const txn::BlockLimits limits{};
  SlotBudget b = make_budget();
  b.begin_slot(7);
  b.on_progress(BLOCK);
  b.reserve(3'000, true);
  b.reserve(3'000, true);
  b.mark_votes_full();
  EXPECT_EQ(b.vote_cost(), limits.max_vote_units);
  b.settle(3'000, true, true, 2'100);
  b.settle(3'000, true, false, 0);
  EXPECT_EQ(b.check(2'100, true), BudgetCheck::OverVote);
  EXPECT_EQ(b.check(2'100, false), BudgetCheck::Fits);
  EXPECT_EQ(b.vote_cost(), limits.max_vote_units);
  b.begin_slot(8);
  b.on_progress(BLOCK);
  EXPECT_EQ(b.check(2'100, true), BudgetCheck::Fits);
  EXPECT_EQ(b.vote_cost(), 0u);
}

// In flight from an earlier slot: it cannot explain cost in this block, and it still holds
// back budget until its response arrives (it might land here).
TEST(SlotBudget, InFlightFromAnEarlierSlotExplainsNothingInThisOne) {
  SlotBudget b = make_budget();
  b.begin_slot(7);
  b.on_progress(BLOCK);
  b.reserve(2'000'000, false);
  b.begin_slot(8);
  b.on_progress(BLOCK - 1'000'000);
  EXPECT_EQ(b.available(), BLOCK - 1'000'000 - 2'000'000);
  b.settle_stale(2'000'000);
  EXPECT_EQ(b.available(), BLOCK - 1'000'000);
}

} // namespace
} // namespace extpack::sched
