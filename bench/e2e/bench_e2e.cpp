// End to end through the real protocol path: the pack runtime and the simulator (feed,
// progress, bank, workers) over a real shared-memory session, in virtual time (lab engine).
// Reports transactions per wall-clock second through pack, and how much faster than real
// time the run went. Each iteration is a whole run, so iterations are fixed at one.
#include <benchmark/benchmark.h>

#include "extpack/lab/engine.hpp"
#include "extpack/lab/workloads.hpp"

namespace {

void run(benchmark::State& state, const char* workload, const char* policy) {
  namespace lab = extpack::lab;
  lab::LabConfig cfg;
  if (auto r = lab::apply_workload(workload, cfg.sim); !r) {
    state.SkipWithError(r.error().message.c_str());
    return;
  }
  cfg.sim.slots = static_cast<std::uint64_t>(state.range(0));
  cfg.policy = policy;
  cfg.bounds = false;
  std::uint64_t received = 0;
  std::uint64_t included = 0;
  std::int64_t virtual_ns = 0;
  for (auto _ : state) {
    auto r = lab::run_lab(cfg);
    if (!r) {
      state.SkipWithError(r.error().message.c_str());
      return;
    }
    received += r->pack_stats.value("received", 0ull);
    included += r->pack_stats.value("included", 0ull);
    virtual_ns += r->virtual_ns;
  }
  using benchmark::Counter;
  state.counters["rx_per_s"] = Counter(static_cast<double>(received), Counter::kIsRate);
  state.counters["included_per_s"] = Counter(static_cast<double>(included), Counter::kIsRate);
  state.counters["virtual_s"] = static_cast<double>(virtual_ns) / 1e9;
}

void BM_E2E_MainnetLike_Extpack(benchmark::State& s) { run(s, "mainnet-like", "extpack"); }
void BM_E2E_MainnetLike_Greedy(benchmark::State& s) { run(s, "mainnet-like", "greedy"); }
void BM_E2E_MainnetLike_Fifo(benchmark::State& s) { run(s, "mainnet-like", "fifo"); }

BENCHMARK(BM_E2E_MainnetLike_Extpack)->Arg(8)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_E2E_MainnetLike_Greedy)->Arg(8)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_E2E_MainnetLike_Fifo)->Arg(8)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
