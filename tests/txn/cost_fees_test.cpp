// Cost model (§3.2), fees (§3.4) and priority (§3.5) on crafted transactions.
#include <gtest/gtest.h>

#include "extpack/txn/analyze.hpp"
#include "extpack/txn/program_ids.hpp"
#include "tx_builder.hpp"

namespace extpack::txn {
namespace {

using test::cb_data;
using test::TxBuilder;

Analysis run(TxBuilder b) {
  const auto bytes = b.build();
  Analysis a;
  analyze(bytes, a);
  a.view = TransactionView{}; // the bytes die here
  return a;
}

std::vector<std::uint8_t> le(std::uint64_t v, std::size_t n) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  return out;
}

std::vector<std::uint8_t> cat(std::initializer_list<std::vector<std::uint8_t>> parts) {
  std::vector<std::uint8_t> out;
  for (const auto& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

/// System CreateAccount { lamports, space, owner } (bincode).
std::vector<std::uint8_t> create_account(std::uint64_t space) {
  return cat({le(0, 4), le(1'000'000, 8), le(space, 8), std::vector<std::uint8_t>(32, 7)});
}
std::vector<std::uint8_t> allocate(std::uint64_t space) {
  return cat({le(8, 4), le(space, 8)});
}
/// System AllocateWithSeed { base, seed, space, owner }.
std::vector<std::uint8_t> allocate_with_seed(std::vector<std::uint8_t> seed, std::uint64_t space) {
  return cat({le(9, 4), std::vector<std::uint8_t>(32, 1), le(seed.size(), 8), seed, le(space, 8),
              std::vector<std::uint8_t>(32, 2)});
}

TEST(Cost, SimpleVoteIsFixed) {
  TxBuilder b = TxBuilder::with_keys(1, {VOTE_PROGRAM_ID});
  b.add_ix(2, {1, 0}, std::vector<std::uint8_t>(100, 1));
  Analysis a = run(b);
  ASSERT_EQ(a.status, AnalyzeStatus::Ok);
  EXPECT_TRUE(a.cost.simple_vote);
  EXPECT_EQ(a.cost.sum(), SIMPLE_VOTE_USAGE_COST);
  EXPECT_EQ(a.cost.sum(), 720u + 2 * 300 + 2'100 + 8);
  EXPECT_EQ(a.fees.total(), 5'000u);
  EXPECT_EQ(executed_cost(a.cost, 2'100, 1 << 20), SIMPLE_VOTE_USAGE_COST);

  b.num_required = 2; // two signers still simple
  EXPECT_TRUE(run(b).cost.simple_vote);
  b.num_required = 3; // three are not
  EXPECT_FALSE(run(b).cost.simple_vote);
  b.num_required = 1;
  b.v0 = true; // a v0 vote is not simple
  EXPECT_FALSE(run(b).cost.simple_vote);
  b.v0 = false;
  b.add_ix(2, {1, 0}, {1}); // nor is a second instruction
  a = run(b);
  EXPECT_FALSE(a.cost.simple_vote);
  EXPECT_EQ(a.cost.sum(), 720u + 2 * 300 + 101 / 4 + 2 * 3'000 + 16'384);
}

TEST(Cost, TermsOfAnOrdinaryTransaction) {
  // 2 writable (payer + account) + 1 program; 10 data bytes; default limit 200,000.
  TxBuilder b = TxBuilder::with_keys(1, {test::make_key(900)});
  b.add_ix(2, {0, 1}, std::vector<std::uint8_t>(10, 1));
  const Analysis a = run(b);
  ASSERT_EQ(a.status, AnalyzeStatus::Ok);
  EXPECT_EQ(a.cost.signature_cost, 720u);
  EXPECT_EQ(a.cost.num_requested_write_locks, 2u);
  EXPECT_EQ(a.cost.write_lock_cost, 600u);
  EXPECT_EQ(a.cost.data_bytes_cost, 2u); // 10 / 4, floored
  EXPECT_EQ(a.cost.programs_execution_cost, 200'000u);
  EXPECT_EQ(a.cost.loaded_accounts_data_size_cost, 16'384u);
  EXPECT_EQ(a.cost.sum(), 720u + 600 + 2 + 200'000 + 16'384);
  EXPECT_EQ(a.fees.signature_fee, 5'000u);
  EXPECT_EQ(a.fees.priority_fee, 0u);
  EXPECT_EQ(a.reward, 2'500u);
  EXPECT_EQ(a.priority, 2'500u * 1'000'000 / (a.cost.sum() + 1));
}

TEST(Cost, WriteLocksAreChargedAsRequested) {
  // Writable by header: payer, a sysvar and the invoked program (both later demoted to read
  // locks) and an ordinary account; plus two table-loaded writable keys. All six are charged.
  TxBuilder b;
  b.keys = {test::make_key(0), SYSVAR_CLOCK_ID, test::make_key(900), test::make_key(1)};
  b.v0 = true;
  b.add_ix(2, {0, 1, 3}, {});
  b.lookups.push_back({test::make_key(60), {4, 5}, {6}});
  const Analysis a = run(b);
  ASSERT_EQ(a.status, AnalyzeStatus::Ok);
  EXPECT_EQ(a.cost.num_requested_write_locks, 6u);
  EXPECT_EQ(a.cost.write_lock_cost, 1'800u);
}

TEST(Cost, PrecompileSignaturesAreCostedAndCharged) {
  TxBuilder b =
      TxBuilder::with_keys(0, {ED25519_PROGRAM_ID, SECP256K1_PROGRAM_ID, SECP256R1_PROGRAM_ID});
  b.add_ix(1, {}, {2, 0}); // 2 ed25519 signatures
  b.add_ix(1, {}, {1});    // and 1 more
  b.add_ix(2, {}, {3});    // 3 secp256k1
  b.add_ix(3, {}, {1, 9}); // 1 secp256r1
  b.add_ix(3, {}, {});     // empty data: 0 signatures
  const Analysis a = run(b);
  ASSERT_EQ(a.status, AnalyzeStatus::Ok);
  EXPECT_EQ(a.cost.num_transaction_signatures, 1u);
  EXPECT_EQ(a.cost.num_ed25519_signatures, 3u);
  EXPECT_EQ(a.cost.num_secp256k1_signatures, 3u);
  EXPECT_EQ(a.cost.num_secp256r1_signatures, 1u);
  EXPECT_EQ(a.cost.signature_cost, 720u + 3 * 2'400 + 3 * 6'690 + 4'800);
  EXPECT_EQ(a.fees.signature_fee, 5'000u * 8);
  EXPECT_EQ(a.reward, 20'000u);
}

TEST(Cost, BudgetFailureZeroesExecutionAndLoadedCost) {
  TxBuilder b = TxBuilder::with_keys(0, {COMPUTE_BUDGET_PROGRAM_ID});
  b.add_ix(1, {}, cb_data(4, 0, 4)); // SetLoadedAccountsDataSizeLimit(0)
  const Analysis a = run(b);
  EXPECT_EQ(a.status, AnalyzeStatus::ComputeBudgetFailed);
  EXPECT_EQ(a.budget_error, ComputeBudgetError::InvalidLoadedAccountsDataSizeLimit);
  EXPECT_EQ(a.cost.programs_execution_cost, 0u);
  EXPECT_EQ(a.cost.loaded_accounts_data_size_cost, 0u);
  EXPECT_EQ(a.cost.sum(), 720u + 300 + 5 / 4);
}

TEST(Cost, LoadedAccountsDataPages) {
  const std::pair<std::uint32_t, std::uint64_t> cases[] = {
      {1, 8}, {32 * 1024, 8}, {32 * 1024 + 1, 16}, {1'000'000, 248}, {64 * 1024 * 1024, 16'384}};
  for (const auto& [bytes, cost] : cases) {
    TxBuilder b = TxBuilder::with_keys(0, {COMPUTE_BUDGET_PROGRAM_ID});
    b.add_ix(1, {}, cb_data(4, bytes, 4));
    const Analysis a = run(b);
    ASSERT_EQ(a.status, AnalyzeStatus::Ok);
    EXPECT_EQ(a.cost.loaded_accounts_data_size_cost, cost) << bytes;
  }
}

TEST(Cost, ExecutedCostUsesActualUnitsAndBytes) {
  TxBuilder b = TxBuilder::with_keys(1, {test::make_key(900)});
  b.add_ix(2, {0, 1}, std::vector<std::uint8_t>(8, 1));
  const Analysis a = run(b);
  const std::uint64_t fixed = 720 + 600 + 2;
  EXPECT_EQ(executed_cost(a.cost, 0, 0), fixed);
  EXPECT_EQ(executed_cost(a.cost, 1'234, 1), fixed + 1'234 + 8);
  EXPECT_EQ(executed_cost(a.cost, 1'234, 96 * 1024), fixed + 1'234 + 24);
  EXPECT_EQ(executed_cost(a.cost, UINT64_MAX, 0), UINT64_MAX);
}

TEST(Cost, AllocatedAccountsDataSize) {
  auto with_system = [](std::vector<std::vector<std::uint8_t>> datas) {
    TxBuilder b = TxBuilder::with_keys(1, {SYSTEM_PROGRAM_ID, test::make_key(900)});
    for (auto& d : datas)
      b.add_ix(2, {0, 1}, std::move(d));
    b.add_ix(3, {}, allocate(999)); // not the system program: ignored
    return run(b).cost.allocated_accounts_data_size;
  };
  const std::uint64_t mib = 1024 * 1024;
  EXPECT_EQ(with_system({create_account(100), allocate(200)}), 300u);
  EXPECT_EQ(with_system({allocate_with_seed({'s', 'e', 'e', 'd'}, 50)}), 50u);
  EXPECT_EQ(with_system({allocate_with_seed({0xC3, 0xA9}, 50)}), 50u);  // "é"
  EXPECT_EQ(with_system({cat({le(2, 4), le(5, 8)}), allocate(7)}), 7u); // transfer: none
  // Any system instruction that must fail makes the whole allocation 0.
  EXPECT_EQ(with_system({allocate(7), allocate(10 * mib + 1)}), 0u);
  EXPECT_EQ(with_system({allocate(7), cat({le(2, 4), le(5, 7)})}), 0u);     // short transfer
  EXPECT_EQ(with_system({allocate(7), le(13, 4)}), 0u);                     // unknown variant
  EXPECT_EQ(with_system({allocate_with_seed({0xC3, 0x28}, 50)}), 0u);       // invalid UTF-8
  EXPECT_EQ(with_system({allocate_with_seed({0xED, 0xA0, 0x80}, 50)}), 0u); // surrogate
  // Capped at 20 MiB per transaction; 10 MiB itself is allowed.
  EXPECT_EQ(with_system({allocate(10 * mib), create_account(10 * mib)}), 20 * mib);
  EXPECT_EQ(with_system({allocate(10 * mib), allocate(10 * mib), allocate(1)}), 20 * mib);
  // Trailing bytes after a complete instruction are allowed (bincode allow_trailing_bytes).
  EXPECT_EQ(with_system({cat({allocate(64), {1, 2, 3}})}), 64u);
}

TEST(Fees, PriorityFeeRoundsUp) {
  // §3.4: a 20,000 limit at 36,461 micro-lamports per CU costs 730 lamports.
  TransactionCost cost;
  cost.num_transaction_signatures = 1;
  ComputeBudgetLimits budget;
  budget.compute_unit_limit = 20'000;
  budget.compute_unit_price = 36'461;
  FeeDetails f = calculate_fees(cost, budget);
  EXPECT_EQ(f.priority_fee, 730u);
  EXPECT_EQ(f.total(), 5'730u);
  EXPECT_EQ(f.leader_reward(), 3'230u);
  budget.compute_unit_limit = 1;
  budget.compute_unit_price = 1;
  EXPECT_EQ(calculate_fees(cost, budget).priority_fee, 1u); // 1e-6 lamports rounds up to 1
  budget.compute_unit_price = 0;
  EXPECT_EQ(calculate_fees(cost, budget).priority_fee, 0u);
}

TEST(Fees, PriorityFeeSaturates) {
  TransactionCost cost;
  cost.num_transaction_signatures = 1;
  ComputeBudgetLimits budget;
  budget.compute_unit_limit = MAX_COMPUTE_UNIT_LIMIT;
  budget.compute_unit_price = UINT64_MAX;
  const FeeDetails f = calculate_fees(cost, budget);
  EXPECT_EQ(f.priority_fee, UINT64_MAX);
  EXPECT_EQ(f.total(), UINT64_MAX);
  EXPECT_EQ(f.leader_reward(), UINT64_MAX);
  // Just below the top: 128-bit intermediate, no early saturation.
  budget.compute_unit_limit = 1'000'000;
  budget.compute_unit_price = UINT64_MAX;
  EXPECT_EQ(calculate_fees(cost, budget).priority_fee, UINT64_MAX);
  budget.compute_unit_limit = 2;
  EXPECT_EQ(calculate_fees(cost, budget).priority_fee, UINT64_MAX / 500'000 + 1);
}

TEST(Priority, AgaveArithmetic) {
  EXPECT_EQ(calculate_priority(9'100, 53'436), 170'293u); // §3.5 example
  EXPECT_EQ(calculate_priority(0, 100), 0u);
  EXPECT_EQ(calculate_priority(1, 0), 1'000'000u);
  // reward * 1e6 saturates in 64 bits before the division, as Agave's saturating_mul does.
  EXPECT_EQ(calculate_priority(UINT64_MAX, 0), UINT64_MAX);
  EXPECT_EQ(calculate_priority(UINT64_MAX / 10, 1), UINT64_MAX / 2);
  EXPECT_EQ(calculate_priority(5, UINT64_MAX), 0u);
}

} // namespace
} // namespace extpack::txn
