// Golden tests on real mainnet transactions (shared/data): every transaction parses, sanitizes
// and verifies; the parsed shape matches the meta file; computed fees equal on-chain fees and
// the executed-cost formula reproduces on-chain costUnits.
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "extpack/txn/account_locks.hpp"
#include "extpack/txn/analyze.hpp"
#include "extpack/txn/sigverify.hpp"
#include "testutil.hpp"

namespace extpack::txn {
namespace {

struct Sample {
  std::vector<std::uint8_t> bytes;
  nlohmann::json meta;
};

const std::vector<Sample>& mainnet() {
  static const std::vector<Sample> samples = [] {
    const auto dir = extpack::test::shared_data_dir();
    auto txs = extpack::test::load_base64_lines(dir / "mainnet-transactions.txt");
    auto metas = extpack::test::read_lines(dir / "mainnet-transactions.meta.jsonl");
    std::vector<Sample> out;
    if (txs.size() != metas.size()) return out;
    for (std::size_t i = 0; i < txs.size(); ++i) {
      out.push_back({std::move(txs[i]), nlohmann::json::parse(metas[i])});
    }
    return out;
  }();
  return samples;
}

TEST(MainnetGolden, DataSetIsComplete) {
  ASSERT_EQ(mainnet().size(), 3211u);
  for (std::size_t i = 0; i < mainnet().size(); ++i) {
    ASSERT_EQ(mainnet()[i].meta.at("line").get<std::size_t>(), i + 1);
  }
}

TEST(MainnetGolden, EveryTransactionParsesSanitizesAndVerifies) {
  for (const Sample& s : mainnet()) {
    const auto line = s.meta.at("line").get<int>();
    TransactionView v;
    ASSERT_EQ(TransactionView::parse(s.bytes, v), ParseError::Ok) << "line " << line;
    ASSERT_EQ(sanitize(v), SanitizeError::Ok) << "line " << line;
    EXPECT_TRUE(verify_signatures(v)) << "line " << line;
  }
}

TEST(MainnetGolden, ParsedShapeMatchesMeta) {
  for (const Sample& s : mainnet()) {
    const nlohmann::json& m = s.meta;
    const auto line = m.at("line").get<int>();
    TransactionView v;
    ASSERT_EQ(TransactionView::parse(s.bytes, v), ParseError::Ok) << "line " << line;
    EXPECT_EQ(v.version() == Version::V0 ? "v0" : "legacy", m.at("version").get<std::string>())
        << "line " << line;
    EXPECT_EQ(v.bytes().size(), m.at("size").get<std::size_t>()) << "line " << line;
    EXPECT_EQ(v.num_signatures(), m.at("num_signatures").get<std::size_t>()) << "line " << line;
    EXPECT_EQ(v.num_static_keys(), m.at("static_keys").get<std::size_t>()) << "line " << line;
    EXPECT_EQ(v.num_lookups(), m.at("num_lookup_tables").get<std::size_t>()) << "line " << line;
    EXPECT_EQ(v.num_instructions(), m.at("num_instructions").get<std::size_t>()) << "line " << line;
    EXPECT_EQ(is_simple_vote(v), m.at("simple_vote").get<bool>()) << "line " << line;
  }
}

TEST(MainnetGolden, ComputedFeeEqualsOnChainFee) {
  std::size_t checked = 0;
  for (const Sample& s : mainnet()) {
    if (!s.meta.contains("fee")) continue;
    const auto line = s.meta.at("line").get<int>();
    Analysis a;
    ASSERT_EQ(analyze(s.bytes, a), AnalyzeStatus::Ok) << "line " << line;
    EXPECT_EQ(a.fees.total(), s.meta.at("fee").get<std::uint64_t>()) << "line " << line;
    ++checked;
  }
  EXPECT_EQ(checked, 22u); // SOURCES.md: 22 transactions carry an on-chain fee
}

// costUnits (RPC) is Agave's executed cost: the transaction's signature, write-lock and
// data-byte terms, the CUs it consumed, and 8 CU per 32 KiB page of the account data it actually
// loaded. None of the four samples sets SetLoadedAccountsDataSizeLimit, and the bytes loaded
// depend on the on-chain sizes of its accounts and programs, which the transaction does not
// carry. So the loaded term cannot be derived from the bytes: we check every other term exactly,
// and that what remains is a whole number of pages within the transaction's loaded-data limit.
TEST(MainnetGolden, ExecutedCostReproducesOnChainCostUnits) {
  std::size_t checked = 0;
  for (const Sample& s : mainnet()) {
    if (!s.meta.contains("cost_units")) continue;
    const auto line = s.meta.at("line").get<int>();
    Analysis a;
    ASSERT_EQ(analyze(s.bytes, a), AnalyzeStatus::Ok) << "line " << line;
    const auto consumed = s.meta.at("cu_consumed").get<std::uint64_t>();
    const auto on_chain = s.meta.at("cost_units").get<std::uint64_t>();
    const std::uint64_t without_loaded = executed_cost(a.cost, consumed, 0);
    ASSERT_LE(without_loaded, on_chain) << "line " << line;
    const std::uint64_t loaded_term = on_chain - without_loaded;
    EXPECT_GT(loaded_term, 0u) << "line " << line; // every transaction loads its programs
    EXPECT_EQ(loaded_term % LOADED_ACCOUNTS_DATA_COST_PER_PAGE, 0u) << "line " << line;
    EXPECT_LE(loaded_term, a.cost.loaded_accounts_data_size_cost) << "line " << line;
    const std::uint64_t pages = loaded_term / LOADED_ACCOUNTS_DATA_COST_PER_PAGE;
    // Any byte count in the last page gives the same cost: the formula rounds up to pages.
    EXPECT_EQ(executed_cost(a.cost, consumed, pages * LOADED_ACCOUNTS_DATA_PAGE_BYTES), on_chain);
    EXPECT_EQ(executed_cost(a.cost, consumed, (pages - 1) * LOADED_ACCOUNTS_DATA_PAGE_BYTES + 1),
              on_chain);
    // The estimate the scheduler reserved covers what was spent: the rebate is never negative.
    EXPECT_GE(a.cost.sum(), on_chain) << "line " << line;
    ++checked;
  }
  EXPECT_EQ(checked, 4u); // lines 3190-3193
}

// The spec's worked example (meta line 3180, firedancer pack txn1.bin).
TEST(MainnetGolden, SpecPriorityExample) {
  const Sample& s = mainnet().at(3180 - 1);
  Analysis a;
  ASSERT_EQ(analyze(s.bytes, a), AnalyzeStatus::Ok);
  EXPECT_EQ(a.reward, 9'100u);
  EXPECT_EQ(a.cost.sum(), 53'436u);
  EXPECT_EQ(a.priority, 170'293u);
}

// Fixture notes in SOURCES.md: transaction1.bin uses the deprecated RequestUnits tag; txn4 carries
// a 9-byte SetComputeUnitLimit of 75,000; txn5 asks for 6M CUs (clamped); txn7 asks for a
// 256 KiB heap.
TEST(MainnetGolden, ComputeBudgetFixtures) {
  Analysis a;
  EXPECT_EQ(analyze(mainnet().at(3178 - 1).bytes, a), AnalyzeStatus::ComputeBudgetFailed);
  EXPECT_EQ(a.budget_error, ComputeBudgetError::InvalidInstructionData);
  EXPECT_EQ(a.cost.programs_execution_cost, 0u);
  EXPECT_EQ(a.cost.loaded_accounts_data_size_cost, 0u);

  ASSERT_EQ(analyze(mainnet().at(3183 - 1).bytes, a), AnalyzeStatus::Ok);
  EXPECT_EQ(a.budget.compute_unit_limit, 75'000u);
  ASSERT_EQ(analyze(mainnet().at(3184 - 1).bytes, a), AnalyzeStatus::Ok);
  EXPECT_EQ(a.budget.compute_unit_limit, MAX_COMPUTE_UNIT_LIMIT);
  ASSERT_EQ(analyze(mainnet().at(3186 - 1).bytes, a), AnalyzeStatus::Ok);
  EXPECT_EQ(a.budget.heap_bytes, 256u * 1024);
}

// SOURCES.md: 2,539 of the block's 3,177 transactions are simple votes; the spec (§1) prices the
// 638 non-votes at 168.8M estimated CU in total and the votes at 8.70M.
TEST(MainnetGolden, FullBlockVotesAndEstimatedCost) {
  const auto block = extpack::test::load_base64_lines(extpack::test::shared_data_dir() /
                                                      "blocks/mainnet-slot-102815960.txt");
  ASSERT_EQ(block.size(), 3177u);
  std::size_t votes = 0;
  std::uint64_t vote_cost = 0, other_cost = 0;
  Analysis a;
  for (const auto& tx : block) {
    ASSERT_EQ(analyze(tx, a), AnalyzeStatus::Ok);
    if (a.cost.simple_vote) {
      ++votes;
      vote_cost += a.cost.sum();
    } else {
      other_cost += a.cost.sum();
    }
  }
  EXPECT_EQ(votes, 2'539u);
  EXPECT_EQ(vote_cost, 2'539u * SIMPLE_VOTE_USAGE_COST);
  EXPECT_EQ((other_cost + 50'000) / 100'000, 1'688u); // 168.8M, rounded as the spec does
}

// blocks/*.entries.csv records each transaction's write locks; compare with ours.
TEST(MainnetGolden, FullBlockWriteLocksMatchEntries) {
  const auto dir = extpack::test::shared_data_dir() / "blocks";
  const auto block = extpack::test::load_base64_lines(dir / "mainnet-slot-102815960.txt");
  const auto csv = extpack::test::read_lines(dir / "mainnet-slot-102815960.entries.csv");
  ASSERT_EQ(csv.size(), block.size() + 1); // header line
  ASSERT_EQ(csv[0].substr(csv[0].rfind(',') + 1), "num_write_locks");
  for (std::size_t i = 0; i < block.size(); ++i) {
    const std::size_t expected = std::stoul(csv[i + 1].substr(csv[i + 1].rfind(',') + 1));
    TransactionView v;
    ASSERT_EQ(TransactionView::parse(block[i], v), ParseError::Ok);
    AccountLocks locks;
    ASSERT_EQ(collect_account_locks(v, {}, {}, locks), LockError::Ok);
    std::size_t writable = 0;
    for (const AccountLock& l : locks.view())
      writable += l.writable ? 1 : 0;
    EXPECT_EQ(writable, expected) << "block line " << i + 1;
    EXPECT_EQ(v.num_requested_write_locks(), expected) << "block line " << i + 1;
  }
}

// other-transactions.meta.jsonl records how many of each transaction's signatures verify
// (unsigned wallet vectors have zeroed signatures); two samples exceed the packet size.
TEST(OtherTransactions, SignatureCountsMatchMeta) {
  const auto dir = extpack::test::shared_data_dir();
  const auto txs = extpack::test::load_base64_lines(dir / "other-transactions.txt");
  const auto metas = extpack::test::read_lines(dir / "other-transactions.meta.jsonl");
  ASSERT_EQ(txs.size(), metas.size());
  std::size_t too_large = 0;
  for (std::size_t i = 0; i < txs.size(); ++i) {
    const auto m = nlohmann::json::parse(metas[i]);
    TransactionView v;
    const ParseError e = TransactionView::parse(txs[i], v);
    if (m.at("size").get<std::size_t>() > PACKET_DATA_SIZE) {
      EXPECT_EQ(e, ParseError::TooLarge) << "line " << i + 1;
      ++too_large;
      continue;
    }
    ASSERT_EQ(e, ParseError::Ok) << "line " << i + 1;
    EXPECT_EQ(v.num_signatures(), m.at("num_signatures").get<std::size_t>());
    std::size_t verified = 0;
    for (std::size_t s = 0; s < v.num_signatures(); ++s)
      verified += verify_signature(v, s) ? 1 : 0;
    EXPECT_EQ(verified, m.at("sigs_verified").get<std::size_t>()) << "line " << i + 1;
    EXPECT_EQ(verify_signatures(v), verified == v.num_signatures()) << "line " << i + 1;
    EXPECT_EQ(is_simple_vote(v), m.at("simple_vote").get<bool>()) << "line " << i + 1;
  }
  EXPECT_EQ(too_large, 2u);
}

TEST(MainnetGolden, TamperedBytesFailVerification) {
  const Sample& s = mainnet().at(3179 - 1);
  std::vector<std::uint8_t> bytes = s.bytes;
  TransactionView v;
  ASSERT_EQ(TransactionView::parse(bytes, v), ParseError::Ok);
  ASSERT_TRUE(verify_signatures(v));
  bytes.back() ^= 0x01; // last message byte
  ASSERT_EQ(TransactionView::parse(bytes, v), ParseError::Ok);
  EXPECT_FALSE(verify_signatures(v));
  bytes.back() ^= 0x01;
  bytes[1] ^= 0x01; // first signature byte
  ASSERT_EQ(TransactionView::parse(bytes, v), ParseError::Ok);
  EXPECT_FALSE(verify_signatures(v));
}

} // namespace
} // namespace extpack::txn
