// parse_compute_budget(): each rule of §3.3 with a crafted transaction.
#include <gtest/gtest.h>

#include "extpack/txn/compute_budget.hpp"
#include "extpack/txn/program_ids.hpp"
#include "extpack/txn/sanitize.hpp"
#include "tx_builder.hpp"

namespace extpack::txn {
namespace {

using test::cb_data;
using test::TxBuilder;

constexpr std::uint8_t kHeap = 1, kLimit = 2, kPrice = 3, kLoaded = 4;

/// Keys: payer, one account, then the compute-budget program (index 2) and `others` programs.
TxBuilder with_programs(std::vector<Pubkey> others = {}) {
  others.insert(others.begin(), COMPUTE_BUDGET_PROGRAM_ID);
  return TxBuilder::with_keys(1, others);
}

struct Outcome {
  ComputeBudgetError error;
  ComputeBudgetLimits limits;
};

Outcome run(TxBuilder b) {
  const auto bytes = b.build();
  TransactionView v;
  EXPECT_EQ(TransactionView::parse(bytes, v), ParseError::Ok);
  EXPECT_EQ(sanitize(v), SanitizeError::Ok);
  Outcome o{};
  o.error = parse_compute_budget(v, o.limits);
  return o;
}

TEST(ComputeBudget, DefaultsWithoutInstructions) {
  // One ordinary program: 200,000 CU, no price, 64 MiB, 32 KiB heap.
  TxBuilder b = with_programs({test::make_key(900)});
  b.add_ix(3, {0, 1}, {7});
  const Outcome o = run(b);
  ASSERT_EQ(o.error, ComputeBudgetError::Ok);
  EXPECT_EQ(o.limits.compute_unit_limit, 200'000u);
  EXPECT_FALSE(o.limits.has_compute_unit_limit);
  EXPECT_EQ(o.limits.compute_unit_price, 0u);
  EXPECT_EQ(o.limits.loaded_accounts_bytes, 64u * 1024 * 1024);
  EXPECT_EQ(o.limits.heap_bytes, 32u * 1024);
}

TEST(ComputeBudget, DefaultLimitCountsBuiltinsAt3000) {
  // SIMD-0170: System transfer + SetComputeUnitPrice = 2 builtins; one ordinary program.
  TxBuilder b = with_programs({SYSTEM_PROGRAM_ID, test::make_key(900)});
  b.add_ix(3, {0, 1}, {2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0});
  b.add_ix(2, {}, cb_data(kPrice, 5, 8));
  EXPECT_EQ(run(b).limits.compute_unit_limit, 2 * 3'000u);
  b.add_ix(4, {0}, {});
  EXPECT_EQ(run(b).limits.compute_unit_limit, 2 * 3'000u + 200'000u);
}

TEST(ComputeBudget, EveryBuiltinCounts3000) {
  for (const Pubkey& p : {VOTE_PROGRAM_ID, SYSTEM_PROGRAM_ID, COMPUTE_BUDGET_PROGRAM_ID,
                          BPF_LOADER_UPGRADEABLE_ID, BPF_LOADER_DEPRECATED_ID, BPF_LOADER_ID,
                          LOADER_V4_ID, SECP256K1_PROGRAM_ID, ED25519_PROGRAM_ID}) {
    TxBuilder b = TxBuilder::with_keys(1, {p});
    // Data the compute-budget program accepts, harmless for the others.
    b.add_ix(2, {}, cb_data(kPrice, 1, 8));
    EXPECT_EQ(run(b).limits.compute_unit_limit, 3'000u);
  }
}

TEST(ComputeBudget, MigratedBuiltinsAndSecp256r1Count200000) {
  for (const Pubkey& p : {STAKE_PROGRAM_ID, CONFIG_PROGRAM_ID, ADDRESS_LOOKUP_TABLE_PROGRAM_ID,
                          SECP256R1_PROGRAM_ID}) {
    TxBuilder b = TxBuilder::with_keys(1, {p});
    b.add_ix(2, {}, {0});
    EXPECT_EQ(run(b).limits.compute_unit_limit, 200'000u);
  }
}

TEST(ComputeBudget, DefaultLimitIsCapped) {
  TxBuilder b = with_programs({test::make_key(900)});
  for (int i = 0; i < 8; ++i)
    b.add_ix(3, {}, {});
  EXPECT_EQ(run(b).limits.compute_unit_limit, MAX_COMPUTE_UNIT_LIMIT); // 8 * 200k capped
}

TEST(ComputeBudget, ExplicitLimitAndClamp) {
  TxBuilder b = with_programs();
  b.add_ix(2, {}, cb_data(kLimit, 75'000, 4));
  Outcome o = run(b);
  ASSERT_EQ(o.error, ComputeBudgetError::Ok);
  EXPECT_TRUE(o.limits.has_compute_unit_limit);
  EXPECT_EQ(o.limits.compute_unit_limit, 75'000u);
  b.ixs[0].data = cb_data(kLimit, 6'000'000, 4);
  EXPECT_EQ(run(b).limits.compute_unit_limit, MAX_COMPUTE_UNIT_LIMIT);
  b.ixs[0].data = cb_data(kLimit, 0, 4);
  EXPECT_EQ(run(b).limits.compute_unit_limit, 0u);
}

TEST(ComputeBudget, TrailingBytesAreIgnored) {
  TxBuilder b = with_programs();
  b.add_ix(2, {}, cb_data(kLimit, 0xDEADBEEF00012345ull, 8)); // 9 bytes: uses the low 4
  const Outcome o = run(b);
  ASSERT_EQ(o.error, ComputeBudgetError::Ok);
  EXPECT_EQ(o.limits.compute_unit_limit, std::min<std::uint32_t>(0x00012345, 1'400'000));
}

TEST(ComputeBudget, ShortPayloadFails) {
  for (const auto& [tag, need] : {std::pair{kHeap, 4}, {kLimit, 4}, {kPrice, 8}, {kLoaded, 4}}) {
    TxBuilder b = with_programs();
    b.add_ix(2, {}, cb_data(kPrice, 1, 8));
    b.add_ix(2, {}, cb_data(tag, 0x1000, static_cast<std::size_t>(need - 1)));
    if (tag == kPrice) b.ixs[0].data = cb_data(kLimit, 1, 4);
    const Outcome o = run(b);
    EXPECT_EQ(o.error, ComputeBudgetError::InvalidInstructionData) << int{tag};
    EXPECT_EQ(o.limits.error_instruction, 1) << int{tag};
    EXPECT_EQ(o.limits.compute_unit_limit, 0u);
  }
}

TEST(ComputeBudget, DeprecatedUnknownAndEmptyInstructionsFail) {
  for (const std::vector<std::uint8_t>& data :
       {cb_data(0, 0x0000100000030D40ull, 8), cb_data(5, 1, 4), std::vector<std::uint8_t>{}}) {
    TxBuilder b = with_programs();
    b.add_ix(2, {}, data);
    EXPECT_EQ(run(b).error, ComputeBudgetError::InvalidInstructionData);
  }
}

TEST(ComputeBudget, DuplicatesFail) {
  for (const auto& [tag, bytes] : {std::pair{kHeap, 4}, {kLimit, 4}, {kPrice, 8}, {kLoaded, 4}}) {
    TxBuilder b = with_programs();
    const std::uint64_t value = tag == kHeap ? 64 * 1024 : 1000;
    b.add_ix(2, {}, cb_data(tag, value, static_cast<std::size_t>(bytes)));
    b.add_ix(2, {}, cb_data(tag == kPrice ? kLimit : kPrice, 1, tag == kPrice ? 4 : 8));
    EXPECT_EQ(run(b).error, ComputeBudgetError::Ok) << int{tag};
    b.add_ix(2, {}, cb_data(tag, value, static_cast<std::size_t>(bytes)));
    const Outcome o = run(b);
    EXPECT_EQ(o.error, ComputeBudgetError::DuplicateInstruction) << int{tag};
    EXPECT_EQ(o.limits.error_instruction, 2) << int{tag};
  }
}

TEST(ComputeBudget, HeapFrameBounds) {
  const std::pair<std::uint32_t, bool> cases[] = {
      {32 * 1024, true},   {256 * 1024, true},     {33 * 1024, true},         {31 * 1024, false},
      {257 * 1024, false}, {32 * 1024 + 1, false}, {100 * 1024 + 512, false}, {0, false},
  };
  for (const auto& [bytes, ok] : cases) {
    TxBuilder b = with_programs();
    b.add_ix(2, {}, cb_data(kPrice, 1, 8));
    b.add_ix(2, {}, cb_data(kHeap, bytes, 4));
    const Outcome o = run(b);
    EXPECT_EQ(o.error == ComputeBudgetError::Ok, ok) << bytes;
    if (ok) {
      EXPECT_EQ(o.limits.heap_bytes, bytes);
    } else {
      EXPECT_EQ(o.error, ComputeBudgetError::InvalidInstructionData) << bytes;
      EXPECT_EQ(o.limits.error_instruction, 1) << bytes;
    }
  }
}

TEST(ComputeBudget, LoadedAccountsDataSizeLimit) {
  TxBuilder b = with_programs();
  b.add_ix(2, {}, cb_data(kLoaded, 0, 4));
  Outcome o = run(b);
  EXPECT_EQ(o.error, ComputeBudgetError::InvalidLoadedAccountsDataSizeLimit);
  EXPECT_EQ(o.limits.error_instruction, 0);
  b.ixs[0].data = cb_data(kLoaded, 1, 4);
  o = run(b);
  ASSERT_EQ(o.error, ComputeBudgetError::Ok);
  EXPECT_EQ(o.limits.loaded_accounts_bytes, 1u);
  b.ixs[0].data = cb_data(kLoaded, 0xFFFFFFFF, 4);
  EXPECT_EQ(run(b).limits.loaded_accounts_bytes, MAX_LOADED_ACCOUNTS_DATA_SIZE_BYTES);
}

TEST(ComputeBudget, PriceIsAFullU64) {
  TxBuilder b = with_programs();
  b.add_ix(2, {}, cb_data(kPrice, UINT64_MAX, 8));
  EXPECT_EQ(run(b).limits.compute_unit_price, UINT64_MAX);
}

TEST(ComputeBudget, OnlyTheComputeBudgetProgramIsRead) {
  // The same bytes sent to another program are that program's business.
  TxBuilder b = with_programs({test::make_key(900)});
  b.add_ix(3, {}, cb_data(kLoaded, 0, 4));
  EXPECT_EQ(run(b).error, ComputeBudgetError::Ok);
}

} // namespace
} // namespace extpack::txn
