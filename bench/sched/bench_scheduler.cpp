// Scheduler throughput: scheduling decisions per second for every policy against a
// backlog of 1K to 256K transactions at both contention extremes (every transaction
// writes one shared account, or none shares a writable account), and ingest with
// eviction from a full container. No shared memory: this is the pure decision cost that
// bounds the pack loop.
#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "extpack/sched/policies.hpp"
#include "extpack/sched/scheduler.hpp"

namespace {

using namespace extpack;
using namespace extpack::sched;

txn::Pubkey account(std::uint64_t n) {
  txn::Pubkey k{};
  std::memcpy(k.data(), &n, sizeof n);
  k[20] = static_cast<std::uint8_t>(n * 31);
  return k;
}

struct Workload {
  std::vector<std::array<txn::AccountLock, 3>> locks;
  std::vector<NewTx> txs;
  /// `hot` accounts shared by everyone (0 = no conflicts beyond the payer).
  Workload(std::size_t n, std::uint64_t hot, std::uint64_t seed) : locks(n), txs(n) {
    std::mt19937_64 rng(seed);
    for (std::size_t i = 0; i < n; ++i) {
      locks[i][0] = {account(1'000'000 + i), true}; // own payer
      locks[i][1] = {account(hot ? rng() % hot : 2'000'000 + i), true};
      locks[i][2] = {account(3'000'000), false}; // a shared readonly program-like key
      NewTx& t = txs[i];
      t.ref = TxRef{i * 256, 200};
      t.priority = rng() % 1'000'000;
      t.reward = t.priority;
      t.cost = 1'000 + rng() % 50'000;
      std::memcpy(t.signature.data(), &i, sizeof i);
      std::uint64_t r = rng();
      std::memcpy(t.signature.data() + 8, &r, sizeof r);
      t.locks = locks[i];
    }
  }
};

const char* policy_at(std::int64_t i) {
  static const std::vector<std::string_view> names = policy_names();
  return names[static_cast<std::size_t>(i)].data();
}

/// Decisions per second: each iteration runs one scheduling pass for 8 workers over the
/// backlog, then answers every batch as included and tops the backlog up (untimed).
/// `slot_limits` false: budgets effectively unlimited, no slot progress (the pass's own
/// cost). True: a slot 10 % in, per-account limit 12M CU, and a forecast from one earlier
/// slot's arrivals, so the policies that plan against the rest of the slot (extpack's
/// threshold and its hot-account protection levels) do that work every pass; once the
/// hot accounts are full, the passes examine and hold back their writers.
void run_decisions(benchmark::State& state, bool slot_limits) {
  const char* policy = policy_at(state.range(0));
  const auto backlog = static_cast<std::size_t>(state.range(1));
  const auto hot = static_cast<std::uint64_t>(state.range(2));
  static std::unique_ptr<Workload> w;
  static std::size_t w_size = 0;
  static std::uint64_t w_hot = ~0ULL;
  if (!w || w_size != backlog || w_hot != hot) {
    w = std::make_unique<Workload>(backlog * 2, hot, 1);
    w_size = backlog;
    w_hot = hot;
  }
  SchedConfig cfg;
  cfg.capacity = backlog + 1024;
  cfg.limits.max_block_units = UINT64_MAX / 4;
  cfg.limits.max_writable_account_units = slot_limits ? 12'000'000 : UINT64_MAX / 4;
  Scheduler s(cfg, make_policy(policy), 8);
  std::size_t next = 0;
  auto refill = [&] {
    while (s.container().size() < backlog) {
      s.insert(w->txs[next]);
      s.clear_drops();
      next = (next + 1) % w->txs.size();
    }
  };
  std::uint64_t slot = 1;
  const std::uint8_t pct = slot_limits ? 10 : UNKNOWN_PROGRESS;
  if (slot_limits) {
    // A pass in slot 1 starts the policy's count of arrivals; the backlog then arrives,
    // and from slot 2 on that is the forecast of a slot's arrivals.
    s.on_progress(slot, true, UINT64_MAX / 8, pct);
    s.insert(w->txs[next++]);
    std::vector<PlannedBatch> first;
    s.schedule(first);
    for (const PlannedBatch& b : first)
      s.abort_batch(b, false);
    refill();
    slot = 2;
  }
  refill();
  s.on_progress(slot, true, UINT64_MAX / 8, pct);
  std::vector<PlannedBatch> out;
  for (auto _ : state) {
    out.clear();
    s.schedule(out);
    state.PauseTiming();
    for (const PlannedBatch& b : out) {
      for (EntryId id : b.entries())
        s.included(id, s.entry(id).cost);
      s.batch_done(b.worker);
    }
    refill();
    // The same slot: its block budget is effectively unlimited here, and a slot change
    // would sweep the whole backlog for expired blockhashes each iteration (untimed, but
    // it made a 256K run take minutes).
    s.on_progress(slot, true, UINT64_MAX / 8, pct);
    state.ResumeTiming();
  }
  state.SetLabel(policy);
  state.counters["decisions/s"] = benchmark::Counter(
      static_cast<double>(s.counters().pass.examined), benchmark::Counter::kIsRate);
  state.counters["scheduled/s"] =
      benchmark::Counter(static_cast<double>(s.counters().scheduled), benchmark::Counter::kIsRate);
  if (slot_limits) {
    // Shows the planning ran: writers extpack held back for better ones, per pass.
    for (const PolicyCounter& c : s.policy().counters())
      if (std::string_view(c.name) == "account_protected")
        state.counters["protected/pass"] =
            benchmark::Counter(static_cast<double>(c.value), benchmark::Counter::kAvgIterations);
  }
}

/// Args: policy index, backlog size, hot accounts (0 = no conflicts beyond the payer).
void BM_ScheduleDecisions(benchmark::State& state) {
  run_decisions(state, false);
}
void BM_ScheduleDecisionsSlotLimits(benchmark::State& state) {
  run_decisions(state, true);
}

void decision_args(benchmark::internal::Benchmark* b) {
  const auto n = static_cast<std::int64_t>(policy_names().size());
  for (std::int64_t p = 0; p < n; ++p)
    for (std::int64_t backlog : {1 << 10, 1 << 14, 1 << 16, 1 << 18})
      for (std::int64_t hot : {0, 1})
        b->Args({p, backlog, hot});
}
BENCHMARK(BM_ScheduleDecisions)->Apply(decision_args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ScheduleDecisionsSlotLimits)
    ->ArgsProduct({benchmark::CreateDenseRange(0, 4, 1), {1 << 16}, {1, 64}})
    ->Unit(benchmark::kMicrosecond);

/// Ingest into a full 64K container (filled before timing starts). Args: policy index,
/// then the arrival mix:
///  0  the workload's random priorities and costs: each newcomer evicts the worst queued
///     transaction when it ranks above it, else it is refused (the share accepted falls
///     as the container's floor rises, so the iteration count is fixed: every run and
///     every build does the same work and must report the same `accepted`);
///  1  priorities that rise with every arrival at one cost: every insert evicts.
void BM_IngestEvict(benchmark::State& state) {
  const std::size_t capacity = 65'536;
  static const Workload w(capacity * 4, 0, 2);
  const bool rising = state.range(1) == 1;
  SchedConfig cfg;
  cfg.capacity = capacity;
  Scheduler s(cfg, make_policy(policy_at(state.range(0))), 4);
  std::size_t next = 0;
  std::uint64_t serial = 0;
  auto insert_next = [&] {
    NewTx t = w.txs[next];
    // A fresh signature each round so nothing is a duplicate.
    std::memcpy(t.signature.data() + 16, &serial, sizeof serial);
    if (rising) {
      t.priority = 1'000'000 + serial;
      t.reward = t.priority;
      t.cost = 10'000;
    }
    Admission a = s.insert(t);
    s.clear_drops();
    next = (next + 1) % w.txs.size();
    ++serial;
    return a;
  };
  while (s.container().size() < capacity)
    insert_next();
  std::uint64_t inserted = 0;
  std::uint64_t accepted = 0;
  for (auto _ : state) {
    Admission a = insert_next();
    ++inserted;
    accepted += a.accepted ? 1 : 0;
    benchmark::DoNotOptimize(a);
  }
  state.SetLabel(policy_at(state.range(0)));
  state.counters["tx/s"] =
      benchmark::Counter(static_cast<double>(inserted), benchmark::Counter::kIsRate);
  state.counters["accepted"] = benchmark::Counter(
      static_cast<double>(accepted) / static_cast<double>(std::max<std::uint64_t>(inserted, 1)));
}
BENCHMARK(BM_IngestEvict)
    ->ArgsProduct({benchmark::CreateDenseRange(0, 4, 1), {0, 1}})
    ->Iterations(1 << 21);

} // namespace

BENCHMARK_MAIN();
