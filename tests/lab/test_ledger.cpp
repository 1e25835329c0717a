// The ledger's split of a run's distance to the bound (TxLedger::gap): on hand-made
// transactions and a hand-made LP solution, every lamport lands in the bucket the split
// defines, and LP item k is the k-th candidate window_items() keeps.
#include <gtest/gtest.h>

#include "extpack/lab/ledger.hpp"
#include "extpack/txn/analyze.hpp"
#include "sim_test_util.hpp"

namespace extpack::lab {
namespace {

constexpr std::int64_t MS = 1'000'000;

struct Tx {
  std::vector<std::uint8_t> bytes;
  sim::Signature sig{};
  std::uint64_t reward = 0;
};

class LedgerGap : public ::testing::Test {
protected:
  LedgerGap() : bank_(sim::BankConfig{}, counters_) { bank_.advance(10, true, nullptr, nullptr); }
  /// A transfer from payer `i` paying `price` micro-lamports per CU on 100,000 CUs.
  Tx tx(std::uint64_t i, std::uint64_t price) {
    Tx t;
    t.bytes = sim::test::transfer(sim::test::key(100 + i), sim::test::addr(i),
                                  bank_.latest_blockhash(), 100'000, price);
    txn::Analysis a;
    EXPECT_EQ(txn::analyze(t.bytes, a), txn::AnalyzeStatus::Ok);
    t.sig = a.view.signature(0);
    t.reward = a.fees.leader_reward();
    return t;
  }
  sim::SimCounters counters_;
  sim::AltRegistry alts_;
  sim::Bank bank_;
};

TEST_F(LedgerGap, EveryLamportInItsBucket) {
  // Two leader slots of 1000 ms ending at 1000 and 2000 ms.
  const std::vector<std::int64_t> ends = {1000 * MS, 2000 * MS};
  const std::int64_t slot_ns = 1000 * MS;
  TxLedger ledger(bank_, alts_);
  const Tx a = tx(1, 1'000), b = tx(2, 2'000), c = tx(3, 4'000), d = tx(4, 8'000),
           e = tx(5, 16'000), late = tx(6, 32'000), g = tx(7, 64'000);
  ledger.offered(a.bytes, 100 * MS);     // item 0: slot 0's arrival
  ledger.offered(b.bytes, 1950 * MS);    // item 1: the last 10 % of slot 1
  ledger.offered(late.bytes, 2100 * MS); // after the window: no candidate, no item index
  ledger.offered(c.bytes, 1200 * MS);    // item 2
  ledger.offered(d.bytes, 300 * MS);     // item 3
  ledger.offered(e.bytes, 400 * MS);     // item 4
  ledger.offered(g.bytes, 1500 * MS);    // item 5
  ASSERT_EQ(ledger.size(), 7u);
  for (const LedgerEntry& en : ledger.entries())
    ASSERT_TRUE(en.feasible);
  ASSERT_EQ(ledger.window_items(ends).size(), 6u);
  ledger.included(d.sig, 11, 500 * MS);
  ledger.included(e.sig, 12, 1100 * MS);
  ledger.included(g.sig, 12, 1600 * MS);

  BoundResult bound;
  bound.lp_optimal = true;
  bound.lp_solution = {
      {0, 1, 1.0},  // a: arrived in slot 0, placed in slot 1, missed -> before that slot
      {1, 1, 1.0},  // b: missed, late in slot 1
      {2, 1, 0.5},  // c: half of it, missed, earlier in slot 1
      {3, 0, 0.25}, // d: included; a quarter in the LP
      {5, 1, 1.0},  // g: included and chosen whole
      {9, 0, 1.0},  // names no candidate: ignored
  };
  const GapBreakdown gap = ledger.gap(ends, slot_ns, bound);
  ASSERT_TRUE(gap.known);
  const auto r = [](const Tx& t) { return static_cast<double>(t.reward); };
  EXPECT_DOUBLE_EQ(gap.missed_backlog, r(a));
  EXPECT_DOUBLE_EQ(gap.missed_late, r(b));
  EXPECT_DOUBLE_EQ(gap.missed_in_slot, 0.5 * r(c));
  EXPECT_DOUBLE_EQ(gap.outside, 0.75 * r(d) + r(e));
  EXPECT_DOUBLE_EQ(gap.lp_value, r(a) + r(b) + 0.5 * r(c) + 0.25 * r(d) + r(g));
  // lp_value - fees = missed - outside, with fees = d + e + g.
  EXPECT_NEAR(gap.lp_value - (r(d) + r(e) + r(g)), gap.missed() - gap.outside, 1e-6);

  bound.lp_optimal = false; // a descent-only bound has no solution to split by
  EXPECT_FALSE(ledger.gap(ends, slot_ns, bound).known);
}

} // namespace
} // namespace extpack::lab
