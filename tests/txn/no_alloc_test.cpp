// The hot path allocates nothing: a counting global operator new around analyze(),
// collect_account_locks() and verify_signatures() over every real transaction.
#include <atomic>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

#include "extpack/txn/account_locks.hpp"
#include "extpack/txn/analyze.hpp"
#include "extpack/txn/sigverify.hpp"
#include "testutil.hpp"

namespace {
std::atomic<std::size_t> g_allocations{0};
} // namespace

// Replacement global allocation functions that count. GCC's -Wmismatched-new-delete cannot see
// that new and delete here are a malloc/free pair.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

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
  const std::size_t before = g_allocations.load(std::memory_order_relaxed);
  for (const auto& tx : txs) {
    if (analyze(tx, a) != AnalyzeStatus::Ok) continue;
    ++ok;
    const std::size_t w = a.view.num_loaded_writable(), r = a.view.num_loaded_readonly();
    for (std::size_t i = 0; i < w + r; ++i)
      loaded[i][0] = static_cast<std::uint8_t>(i + 1);
    (void)collect_account_locks(a.view, {loaded.data(), w}, {loaded.data() + w, r}, locks);
    verified += verify_signatures(a.view) ? 1 : 0;
  }
  const std::size_t after = g_allocations.load(std::memory_order_relaxed);
  EXPECT_EQ(after - before, 0u);
  EXPECT_EQ(ok, 3210u); // line 3178 uses the deprecated compute-budget instruction
  EXPECT_EQ(verified, 3210u);
}

TEST(NoAllocation, CounterWorks) {
  const std::size_t before = g_allocations.load();
  auto* p = new int(3);
  EXPECT_EQ(g_allocations.load() - before, 1u);
  delete p;
}

} // namespace
} // namespace extpack::txn
