// The built-in workload: deterministic, valid, and shaped like mainnet traffic.
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "extpack/abi/messages.hpp"
#include "extpack/sim/generator.hpp"
#include "extpack/txn/analyze.hpp"
#include "extpack/txn/sigverify.hpp"

namespace extpack::sim {
namespace {

Hash blockhash_n(std::uint8_t n) {
  Hash h{};
  h.fill(n);
  return h;
}

TEST(Generator, SameSeedSameBytesOtherSeedOtherBytes) {
  GeneratorConfig cfg;
  cfg.seed = 42;
  Generator a(cfg), b(cfg);
  cfg.seed = 43;
  Generator c(cfg);
  std::size_t differ = 0;
  for (int i = 0; i < 600; ++i) {
    const auto ta = a.next(blockhash_n(1));
    const auto tb = b.next(blockhash_n(1));
    const auto tc = c.next(blockhash_n(1));
    ASSERT_EQ(ta.bytes, tb.bytes) << "transaction " << i;
    ASSERT_EQ(ta.flags, tb.flags);
    ASSERT_EQ(ta.src_addr, tb.src_addr);
    differ += ta.bytes != tc.bytes ? 1 : 0;
  }
  EXPECT_EQ(differ, 600u);
}

TEST(Generator, TransactionsAreValidAndMainnetShaped) {
  GeneratorConfig cfg;
  cfg.seed = 9;
  Generator g(cfg);
  constexpr int N = 6000;
  int votes = 0, non_votes = 0, zero_price = 0, explicit_limit = 0, v0 = 0, with_alt = 0;
  int duplicates = 0, forwarded = 0;
  std::set<std::vector<std::uint8_t>> unique;
  std::map<txn::Pubkey, int> writes; // non-vote writable non-signer accounts
  std::map<txn::Pubkey, int> payers;
  for (int i = 0; i < N; ++i) {
    const GeneratedTx tx = g.next(blockhash_n(3));
    ASSERT_LE(tx.bytes.size(), txn::PACKET_DATA_SIZE);
    txn::Analysis a;
    ASSERT_EQ(txn::analyze(tx.bytes, a), txn::AnalyzeStatus::Ok)
        << "transaction " << i << ": " << txn::to_string(a.status);
    ASSERT_TRUE(txn::verify_signatures(a.view)) << "transaction " << i;
    EXPECT_EQ(a.view.recent_blockhash(), blockhash_n(3));
    EXPECT_EQ(tx.src_addr[10], 0xff);
    EXPECT_EQ(tx.src_addr[11], 0xff);
    ASSERT_EQ(tx.vote, txn::is_simple_vote(a.view));
    if (tx.vote) {
      ++votes;
      EXPECT_EQ(tx.bytes.size(), 352u);
      EXPECT_EQ(a.view.num_static_keys(), 3u);
      EXPECT_EQ(a.cost.sum(), txn::SIMPLE_VOTE_USAGE_COST);
      continue;
    }
    if (tx.duplicate) {
      ++duplicates;
      EXPECT_TRUE(unique.contains(tx.bytes));
      continue;
    }
    unique.insert(tx.bytes);
    ++non_votes;
    zero_price += a.budget.compute_unit_price == 0 ? 1 : 0;
    explicit_limit += a.budget.has_compute_unit_limit ? 1 : 0;
    v0 += a.view.version() == txn::Version::V0 ? 1 : 0;
    with_alt += a.view.num_lookups() > 0 ? 1 : 0;
    forwarded += (tx.flags & abi::tpu_message_flags::FORWARDED) ? 1 : 0;
    ++payers[a.view.fee_payer()];
    for (std::size_t k = a.view.num_required_signatures(); k < a.view.num_static_keys(); ++k) {
      if (a.view.is_static_writable_requested(k)) ++writes[a.view.static_key(k)];
    }
  }
  const double vote_share = static_cast<double>(votes) / N;
  EXPECT_GT(vote_share, 0.72);
  EXPECT_LT(vote_share, 0.78);
  EXPECT_GT(duplicates, 0);
  // Compute-budget mix (spec §2): 30-40 % at price 0, ~80 % with an explicit limit.
  EXPECT_GT(zero_price, non_votes * 30 / 100);
  EXPECT_LT(zero_price, non_votes * 40 / 100);
  EXPECT_GT(explicit_limit, non_votes * 72 / 100);
  EXPECT_LT(explicit_limit, non_votes * 88 / 100);
  EXPECT_GT(v0, non_votes / 5);
  EXPECT_EQ(v0, with_alt);
  EXPECT_GT(forwarded, non_votes / 20);
  // Contention: the hottest written account appears in a few percent of non-votes, and
  // repeat payers (bots) send many transactions each.
  int hottest = 0;
  for (const auto& [k, n] : writes)
    hottest = std::max(hottest, n);
  EXPECT_GT(hottest, non_votes / 50);
  int top_payer = 0;
  for (const auto& [k, n] : payers)
    top_payer = std::max(top_payer, n);
  EXPECT_GT(top_payer, 20);
}

TEST(Generator, PriorityFeesHaveAHeavyTail) {
  GeneratorConfig cfg;
  cfg.vote_share = 0;
  cfg.duplicate_share = 0;
  Generator g(cfg);
  std::vector<std::uint64_t> prices;
  for (int i = 0; i < 3000; ++i) {
    const auto tx = g.next(blockhash_n(0));
    txn::Analysis a;
    ASSERT_EQ(txn::analyze(tx.bytes, a), txn::AnalyzeStatus::Ok);
    if (a.budget.compute_unit_price > 0) prices.push_back(a.budget.compute_unit_price);
  }
  std::sort(prices.begin(), prices.end());
  const auto pct = [&](double p) {
    return prices[static_cast<std::size_t>(p * (prices.size() - 1))];
  };
  EXPECT_GT(pct(0.5), 3'000u);
  EXPECT_LT(pct(0.5), 30'000u);
  EXPECT_GT(pct(0.9), 100'000u);
  EXPECT_GT(pct(0.99), 1'000'000u);
}

} // namespace
} // namespace extpack::sim
