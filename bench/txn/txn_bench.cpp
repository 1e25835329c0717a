// Per-transaction cost of the transaction pipeline over the real data set: parse alone,
// parse + sanitize, and analyze() (parse, sanitize, compute budget, cost, fees, priority), for
// non-votes and votes separately; plus account locks and signature verification.
//
// Each iteration handles one transaction, cycling through the set, so the reported time is per
// transaction. A counting operator new fails the benchmark if the timed loop allocates.
//   <build>/bin/txn_bench --benchmark_repetitions=10 --benchmark_report_aggregates_only=true
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <new>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "extpack/common/encoding.hpp"
#include "extpack/txn/account_locks.hpp"
#include "alloc_counter.hpp"
#include "extpack/txn/analyze.hpp"
#include "extpack/txn/sigverify.hpp"


namespace extpack::txn {
namespace {

using Tx = std::vector<std::uint8_t>;

struct DataSet {
  std::vector<Tx> non_votes; ///< every non-vote of mainnet-transactions.txt
  std::vector<Tx> votes;     ///< every simple vote
  std::vector<Tx> modern;    ///< the 34 samples from 2023-2025 (lines 3178-3211)
};

const DataSet& data() {
  static const DataSet set = [] {
    const char* env = std::getenv("EXTPACK_SHARED_DATA");
    const std::string dir = env != nullptr && *env != '\0' ? env : EXTPACK_SHARED_DATA_DIR;
    std::ifstream in(dir + "/mainnet-transactions.txt");
    DataSet s;
    std::string line;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
      auto bytes = base64_decode(line);
      if (!bytes) continue;
      TransactionView v;
      if (TransactionView::parse(*bytes, v) != ParseError::Ok) continue;
      if (n >= 3178) s.modern.push_back(*bytes);
      (is_simple_vote(v) ? s.votes : s.non_votes).push_back(std::move(*bytes));
    }
    return s;
  }();
  return set;
}

/// Runs `body(tx)` once per iteration over `txs`, failing the run if anything allocates.
template <typename Body> void run(benchmark::State& state, const std::vector<Tx>& txs, Body body) {
  if (txs.empty()) {
    state.SkipWithError("no transactions loaded (set EXTPACK_SHARED_DATA)");
    return;
  }
  std::size_t i = 0;
  const std::size_t before = extpack::test::allocation_count();
  for (auto _ : state) {
    body(txs[i]);
    if (++i == txs.size()) i = 0;
  }
  const std::size_t allocations = extpack::test::allocation_count() - before;
  if (allocations != 0) state.SkipWithError("the hot path allocated");
  state.SetItemsProcessed(state.iterations());
}

const std::vector<Tx>& pick(const benchmark::State& state) {
  switch (state.range(0)) {
  case 0:
    return data().non_votes;
  case 1:
    return data().votes;
  default:
    return data().modern;
  }
}

void BM_Parse(benchmark::State& state) {
  TransactionView v;
  run(state, pick(state),
      [&](const Tx& tx) { benchmark::DoNotOptimize(TransactionView::parse(tx, v)); });
}

void BM_ParseSanitize(benchmark::State& state) {
  TransactionView v;
  run(state, pick(state), [&](const Tx& tx) {
    benchmark::DoNotOptimize(TransactionView::parse(tx, v));
    benchmark::DoNotOptimize(sanitize(v));
  });
}

void BM_Analyze(benchmark::State& state) {
  Analysis a;
  run(state, pick(state), [&](const Tx& tx) {
    benchmark::DoNotOptimize(analyze(tx, a));
    benchmark::DoNotOptimize(a.priority);
  });
}

void BM_CollectLocks(benchmark::State& state) {
  // Legacy transactions only (v0 ones would need resolved keys).
  std::vector<Tx> legacy;
  for (const Tx& tx : pick(state)) {
    TransactionView v;
    if (TransactionView::parse(tx, v) == ParseError::Ok && v.num_lookups() == 0)
      legacy.push_back(tx);
  }
  TransactionView v;
  AccountLocks locks;
  run(state, legacy, [&](const Tx& tx) {
    (void)TransactionView::parse(tx, v);
    benchmark::DoNotOptimize(collect_account_locks(v, {}, {}, locks));
  });
}

void BM_VerifySignatures(benchmark::State& state) {
  TransactionView v;
  run(state, pick(state), [&](const Tx& tx) {
    (void)TransactionView::parse(tx, v);
    benchmark::DoNotOptimize(verify_signatures(v));
  });
}

// Argument: 0 = non-votes, 1 = votes, 2 = the modern (2023-2025) samples.
BENCHMARK(BM_Parse)->ArgName("set")->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(BM_ParseSanitize)->ArgName("set")->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(BM_Analyze)->ArgName("set")->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(BM_CollectLocks)->ArgName("set")->Arg(0)->Arg(1);
BENCHMARK(BM_VerifySignatures)->ArgName("set")->Arg(0)->Arg(1);

} // namespace
} // namespace extpack::txn

BENCHMARK_MAIN();
