// The simulated bank: every not_included reason it can produce, account-lock conflicts
// across workers, cost limits, fees and balances.
#include <barrier>
#include <thread>

#include <gtest/gtest.h>

#include "extpack/sim/bank.hpp"
#include "extpack/txn/analyze.hpp"
#include "sim_test_util.hpp"

namespace extpack::sim {
namespace {

namespace nir = abi::not_included_reasons;
using test::addr;
using test::execute;
using test::key;
using test::transfer;

struct BankTest : ::testing::Test {
  BankTest() { make(BankConfig{}); }
  void make(const BankConfig& cfg) {
    bank = std::make_unique<Bank>(cfg, counters);
    bank->advance(10, true, nullptr, nullptr);
    bh = bank->latest_blockhash();
  }
  std::uint8_t one(const std::vector<std::uint8_t>& tx, std::uint64_t max_slot = UINT64_MAX) {
    return execute(*bank, alts, {tx}, max_slot)[0].not_included_reason;
  }
  SimCounters counters;
  AltRegistry alts;
  std::unique_ptr<Bank> bank;
  Hash bh{};
};

TEST_F(BankTest, IncludedTransactionPaysFeeAndChargesExecutedCost) {
  const Keypair payer = key(1);
  const auto tx = transfer(payer, addr(1), bh, 100'000, 50'000);
  txn::Analysis a;
  ASSERT_EQ(txn::analyze(tx, a), txn::AnalyzeStatus::Ok);
  const std::uint64_t before = bank->balance(payer.pubkey);
  const auto r = execute(*bank, alts, {tx})[0];
  ASSERT_EQ(r.not_included_reason, nir::NONE);
  // fee = 5,000 per signature + ceil(100,000 * 50,000 / 10^6) = 5,000 + 5,000.
  EXPECT_EQ(a.fees.total(), 10'000u);
  EXPECT_EQ(r.fee_payer_balance, before - 10'000);
  EXPECT_EQ(bank->balance(payer.pubkey), before - 10'000);
  // Executed cost: estimate minus the unused CUs and loaded-data difference, never more.
  EXPECT_GT(r.cost_units, 720u + 2 * 300);
  EXPECT_LE(r.cost_units, a.cost.sum());
  EXPECT_EQ(bank->status().block_cost, r.cost_units);
  EXPECT_EQ(counters.included.load(), 1u);
  EXPECT_EQ(counters.fees_lamports.load(), a.fees.leader_reward());
  SlotRecord rec;
  BlockRecord block;
  ASSERT_TRUE(bank->finish(&rec, &block));
  EXPECT_EQ(rec.included, 1u);
  EXPECT_EQ(rec.cu_used, r.cost_units);
  ASSERT_EQ(block.entries.size(), 1u);
  EXPECT_EQ(block.entries[0].fee, 10'000u);
  EXPECT_EQ(block.entries[0].cost_units, r.cost_units);
}

TEST_F(BankTest, ConsumedUnitsAreDeterministicAndBelowTheLimit) {
  Signature s{};
  std::vector<double> ratios;
  for (int i = 0; i < 2000; ++i) {
    s[0] = static_cast<std::uint8_t>(i);
    s[1] = static_cast<std::uint8_t>(i >> 8);
    const std::uint64_t c = bank->draw_consumed(s, 1'000'000);
    EXPECT_EQ(c, bank->draw_consumed(s, 1'000'000));
    EXPECT_LE(c, 1'000'000u);
    ratios.push_back(static_cast<double>(c) / 1e6);
  }
  std::sort(ratios.begin(), ratios.end());
  EXPECT_NEAR(ratios[ratios.size() / 2], 0.7, 0.05);
}

TEST_F(BankTest, RatioOneWithoutSpreadConsumesTheWholeLimit) {
  // extpack-compare --cu-ratio-median 1 --cu-ratio-sigma 0: nothing is left to rebate.
  BankConfig cfg;
  cfg.cu_ratio_median = 1.0;
  cfg.cu_ratio_sigma = 0.0;
  make(cfg);
  Signature s{};
  for (int i = 0; i < 500; ++i) {
    s[0] = static_cast<std::uint8_t>(i);
    s[1] = static_cast<std::uint8_t>(i >> 8);
    EXPECT_EQ(bank->draw_consumed(s, 1'000'000), 1'000'000u);
    EXPECT_EQ(bank->draw_consumed(s, 123'457), 123'457u);
  }
}

TEST_F(BankTest, NoWorkingBankWhenNotLeader) {
  bank->advance(11, false, nullptr, nullptr);
  EXPECT_EQ(one(transfer(key(1), addr(1), bh)), nir::BANK_NOT_AVAILABLE);
  EXPECT_FALSE(bank->status().ready);
  EXPECT_EQ(counters.not_included[nir::BANK_NOT_AVAILABLE].load(), 1u);
}

TEST_F(BankTest, MaxExecutionSlotInThePastIsBankNotAvailable) {
  EXPECT_EQ(one(transfer(key(1), addr(1), bh), 9), nir::BANK_NOT_AVAILABLE);
  EXPECT_EQ(one(transfer(key(1), addr(1), bh), 10), nir::NONE);
}

TEST_F(BankTest, GarbageIsSanitizeFailure) {
  std::vector<std::uint8_t> junk(200, 0xab);
  EXPECT_EQ(one(junk), nir::SANITIZE_FAILURE);
  auto tx = transfer(key(1), addr(1), bh);
  tx.push_back(0); // trailing byte
  EXPECT_EQ(one(tx), nir::SANITIZE_FAILURE);
}

TEST_F(BankTest, SecondExecutionIsAlreadyProcessed) {
  const auto tx = transfer(key(1), addr(1), bh);
  EXPECT_EQ(one(tx), nir::NONE);
  EXPECT_EQ(one(tx), nir::ALREADY_PROCESSED);
}

TEST_F(BankTest, UnknownBlockhashIsBlockhashNotFound) {
  Hash stale{};
  stale.fill(0x55);
  EXPECT_EQ(one(transfer(key(1), addr(1), stale)), nir::BLOCKHASH_NOT_FOUND);
}

TEST_F(BankTest, PoorPayerIsInsufficientFundsForFee) {
  const Keypair payer = key(2);
  bank->set_balance(payer.pubkey, 4'999);
  EXPECT_EQ(one(transfer(payer, addr(1), bh)), nir::INSUFFICIENT_FUNDS_FOR_FEE);
  EXPECT_EQ(bank->balance(payer.pubkey), 4'999u);
  bank->set_balance(payer.pubkey, 5'000);
  EXPECT_EQ(execute(*bank, alts, {transfer(payer, addr(1), bh)})[0].fee_payer_balance, 0u);
}

TEST_F(BankTest, ConflictInsideOneBatchIsAccountInUse) {
  const auto r = execute(*bank, alts,
                         {transfer(key(1), addr(9), bh), transfer(key(2), addr(9), bh),
                          transfer(key(3), addr(8), bh)});
  EXPECT_EQ(r[0].not_included_reason, nir::NONE);
  EXPECT_EQ(r[1].not_included_reason, nir::ACCOUNT_IN_USE);
  EXPECT_EQ(r[2].not_included_reason, nir::NONE);
  EXPECT_EQ(bank->locks_held(), 0u);
}

TEST_F(BankTest, ConcurrentWorkersConflictExactlyOneExecutes) {
  // Two workers execute conflicting transactions while both still hold their locks.
  const auto a = transfer(key(1), addr(5), bh);
  const auto b = transfer(key(2), addr(5), bh);
  std::barrier sync(2);
  abi::ExecutionResponse ra{}, rb{};
  auto worker = [&](const std::vector<std::uint8_t>& tx, abi::ExecutionResponse& out) {
    std::vector<PreparedTx> p(1);
    prepare_transaction(tx, alts, false, p[0]);
    std::vector<abi::ExecutionResponse> r(1);
    const auto ticket = bank->execute(p, UINT64_MAX, 0, r);
    sync.arrive_and_wait(); // neither releases before both have executed
    bank->release(ticket);
    out = r[0];
  };
  std::thread t1(worker, std::cref(a), std::ref(ra));
  std::thread t2(worker, std::cref(b), std::ref(rb));
  t1.join();
  t2.join();
  const int included =
      (ra.not_included_reason == nir::NONE) + (rb.not_included_reason == nir::NONE);
  const int in_use = (ra.not_included_reason == nir::ACCOUNT_IN_USE) +
                     (rb.not_included_reason == nir::ACCOUNT_IN_USE);
  EXPECT_EQ(included, 1);
  EXPECT_EQ(in_use, 1);
  EXPECT_EQ(bank->locks_held(), 0u);
  // Once released, the loser's transaction executes.
  EXPECT_EQ(one(ra.not_included_reason == nir::NONE ? b : a), nir::NONE);
}

TEST_F(BankTest, ReadLocksShareWriteLocksDoNot) {
  LockTable t;
  const Pubkey k = addr(1);
  const txn::AccountLock r{k, false}, w{k, true};
  EXPECT_TRUE(t.try_lock({&r, 1}));
  EXPECT_TRUE(t.try_lock({&r, 1}));
  EXPECT_FALSE(t.try_lock({&w, 1}));
  t.unlock({&r, 1});
  t.unlock({&r, 1});
  EXPECT_TRUE(t.try_lock({&w, 1}));
  EXPECT_FALSE(t.try_lock({&r, 1}));
  t.unlock({&w, 1});
  EXPECT_EQ(t.held(), 0u);
}

TEST_F(BankTest, BlockLimitIsNeverExceeded) {
  BankConfig cfg;
  cfg.limits.max_block_units = 1'000'000;
  make(cfg);
  std::uint64_t charged = 0;
  int refused = 0;
  for (int batch = 0; batch < 20; ++batch) {
    std::vector<std::vector<std::uint8_t>> txs;
    for (int i = 0; i < 8; ++i) {
      txs.push_back(
          transfer(key(100 + batch * 8 + i), addr(batch * 8 + i), bh, 150'000 + 10'000 * i, 1));
    }
    for (const auto& r : execute(*bank, alts, txs)) {
      charged += r.not_included_reason == nir::NONE ? r.cost_units : 0;
      refused += r.not_included_reason == nir::WOULD_EXCEED_MAX_BLOCK_COST_LIMIT;
      ASSERT_LE(bank->status().block_cost, cfg.limits.max_block_units);
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_EQ(bank->status().block_cost, charged);
  EXPECT_LE(charged, cfg.limits.max_block_units);
  EXPECT_EQ(bank->status().remaining_cost_units, cfg.limits.max_block_units - charged);
}

TEST_F(BankTest, WritableAccountLimit) {
  BankConfig cfg;
  cfg.limits.max_writable_account_units = 500'000;
  make(cfg);
  int refused = 0;
  for (int i = 0; i < 6; ++i) {
    refused += one(transfer(key(200 + i), addr(77), bh, 200'000)) ==
               nir::WOULD_EXCEED_MAX_ACCOUNT_COST_LIMIT;
  }
  EXPECT_GT(refused, 0);
}

TEST_F(BankTest, VoteLimit) {
  BankConfig cfg;
  cfg.limits.max_vote_units = 2 * txn::SIMPLE_VOTE_USAGE_COST + 100;
  make(cfg);
  EXPECT_EQ(one(test::vote(key(1), addr(1), bh, 1)), nir::NONE);
  EXPECT_EQ(one(test::vote(key(2), addr(2), bh, 1)), nir::NONE);
  EXPECT_EQ(one(test::vote(key(3), addr(3), bh, 1)), nir::WOULD_EXCEED_MAX_VOTE_COST_LIMIT);
  EXPECT_EQ(bank->status().block_cost, 2 * txn::SIMPLE_VOTE_USAGE_COST);
}

TEST_F(BankTest, ComputeBudgetFailures) {
  using test::transfer_with_budget_data;
  // Deprecated RequestUnits (tag 0) is invalid instruction data.
  EXPECT_EQ(one(transfer_with_budget_data(key(1), addr(1), bh, {{0, 1, 0, 0, 0, 0, 0, 0, 0}})),
            nir::INSTRUCTION_ERROR);
  EXPECT_EQ(one(transfer_with_budget_data(
                key(2), addr(1), bh,
                {set_compute_unit_limit_data(10'000), set_compute_unit_limit_data(20'000)})),
            nir::DUPLICATE_INSTRUCTION);
  EXPECT_EQ(one(transfer_with_budget_data(key(3), addr(1), bh, {{4, 0, 0, 0, 0}})),
            nir::INVALID_LOADED_ACCOUNTS_DATA_SIZE_LIMIT);
}

TEST_F(BankTest, DuplicateKeyIsAccountLoadedTwice) {
  const Keypair payer = key(1);
  MessageSpec m;
  m.static_keys = {payer.pubkey, addr(3), addr(3), system_program_id()};
  m.num_readonly_unsigned = 1;
  m.recent_blockhash = bh;
  m.instructions.push_back({3, {0, 1}, system_transfer_data(1)});
  const Keypair* signers[] = {&payer};
  EXPECT_EQ(one(build_transaction(m, signers)), nir::ACCOUNT_LOADED_TWICE);
}

MessageSpec v0_with_lookup(const Keypair& payer, const Hash& bh, std::size_t writable,
                           std::uint8_t first_index) {
  MessageSpec m;
  m.v0 = true;
  m.static_keys = {payer.pubkey, addr(4), system_program_id()};
  m.num_readonly_unsigned = 1;
  m.recent_blockhash = bh;
  m.instructions.push_back({2, {0, 1}, system_transfer_data(1)});
  LookupSpec l;
  l.table = addr(1000);
  for (std::size_t i = 0; i < writable; ++i)
    l.writable.push_back(static_cast<std::uint8_t>(first_index + i));
  m.lookups.push_back(l);
  return m;
}

TEST_F(BankTest, TooManyAccountLocks) {
  const Keypair payer = key(1);
  const Keypair* signers[] = {&payer};
  // 3 static + 62 loaded = 65 keys, one above the 64-lock limit.
  EXPECT_EQ(one(build_transaction(v0_with_lookup(payer, bh, 62, 0), signers)),
            nir::TOO_MANY_ACCOUNT_LOCKS);
  EXPECT_EQ(one(build_transaction(v0_with_lookup(payer, bh, 61, 0), signers)), nir::NONE);
}

TEST_F(BankTest, LookupIndexPastTheTableIsInvalidIndex) {
  const AltRegistry small(16);
  const Keypair payer = key(1);
  const Keypair* signers[] = {&payer};
  const auto bad = build_transaction(v0_with_lookup(payer, bh, 1, 16), signers);
  EXPECT_EQ(execute(*bank, small, {bad})[0].not_included_reason,
            nir::INVALID_ADDRESS_LOOKUP_TABLE_INDEX);
  const auto good = build_transaction(v0_with_lookup(payer, bh, 2, 14), signers);
  EXPECT_EQ(execute(*bank, small, {good})[0].not_included_reason, nir::NONE);
}

TEST_F(BankTest, BadSignatureWhenVerifying) {
  const Keypair payer = key(1);
  MessageSpec m;
  m.static_keys = {payer.pubkey, addr(2), system_program_id()};
  m.num_readonly_unsigned = 1;
  m.recent_blockhash = bh;
  m.instructions.push_back({2, {0, 1}, system_transfer_data(1)});
  const auto unsigned_tx = build_transaction(m, {});
  EXPECT_EQ(execute(*bank, alts, {unsigned_tx}, UINT64_MAX, true)[0].not_included_reason,
            nir::SIGNATURE_FAILURE);
  const Keypair* signers[] = {&payer};
  EXPECT_EQ(execute(*bank, alts, {build_transaction(m, signers)}, UINT64_MAX, true)[0]
                .not_included_reason,
            nir::NONE);
}

TEST_F(BankTest, StatusCacheForgetsOldSlots) {
  BankConfig cfg;
  cfg.status_cache_slots = 2;
  cfg.check_blockhash = false;
  make(cfg);
  const auto tx = transfer(key(1), addr(1), bh);
  EXPECT_EQ(one(tx), nir::NONE);
  bank->advance(11, true, nullptr, nullptr);
  EXPECT_EQ(one(tx), nir::ALREADY_PROCESSED);
  bank->advance(12, true, nullptr, nullptr);
  EXPECT_EQ(one(tx), nir::NONE);
}

} // namespace
} // namespace extpack::sim
