// The hot path allocates nothing: a counting global operator new around analyze(),
// collect_account_locks() and verify_signatures() over every real transaction.
#include <atomic>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

#include "extpack/txn/account_locks.hpp"
#include "alloc_counter.hpp"
#include "extpack/txn/analyze.hpp"
#include "extpack/txn/sigverify.hpp"
#include "testutil.hpp"


namespace extpack::txn {
namespace {

TEST(NoAllocation, HotPathOverRealTransactions) {
  const auto txs = extpack::test::load_base64_lines(extpack::test::shared_data_dir() /
                                                    "mainnet-transactions.txt");
  ASSERT_EQ(txs.size(), 3211u);
  Analysis a;
  AccountLocks locks;
  std::array<Pubkey, MAX_TX_ACCOUNT_LOCKS> loaded{};
  std::size_t ok = 0, verified = 0;
  const std::size_t before = extpack::test::allocation_count();
  for (const auto& tx : txs) {
    if (analyze(tx, a) != AnalyzeStatus::Ok) continue;
    ++ok;
    const std::size_t w = a.view.num_loaded_writable(), r = a.view.num_loaded_readonly();
    for (std::size_t i = 0; i < w + r; ++i)
      loaded[i][0] = static_cast<std::uint8_t>(i + 1);
    (void)collect_account_locks(a.view, {loaded.data(), w}, {loaded.data() + w, r}, locks);
    verified += verify_signatures(a.view) ? 1 : 0;
  }
  const std::size_t after = extpack::test::allocation_count();
  EXPECT_EQ(after - before, 0u);
  EXPECT_EQ(ok, 3210u); // line 3178 uses the deprecated compute-budget instruction
  EXPECT_EQ(verified, 3210u);
}

TEST(NoAllocation, CounterWorks) {
  const std::size_t before = extpack::test::allocation_count();
  auto* p = new int(3);
  EXPECT_EQ(extpack::test::allocation_count() - before, 1u);
  delete p;
}

} // namespace
} // namespace extpack::txn
