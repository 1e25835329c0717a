// extpack-compare: runs every scheduling policy (or the ones named with --policy) over the
// same workload and seed in the lab's virtual clock (the real pack runtime against the
// simulated validator in one process, over real shared memory), and prints one row per
// policy with the offline upper bound; --json writes the rows and the configuration.
// docs/COMPARISON.md explains the columns.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "extpack/common/logging.hpp"
#include "extpack/lab/compare.hpp"
#include "extpack/lab/workloads.hpp"
#include "extpack/sched/policies.hpp"

namespace {

namespace lab = extpack::lab;

/// Exit codes: 0 every run accounted for everything, 1 a run failed or leaked, 2 bad options.
constexpr int EXIT_RUN_FAILED = 1;
constexpr int EXIT_BAD_OPTIONS = 2;

constexpr std::uint64_t DEFAULT_SLOTS = 16;

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"extpack-compare: scheduling policies side by side in virtual time"};
  lab::LabConfig cfg;
  cfg.sim.slots = DEFAULT_SLOTS;
  std::string workload = "mainnet-like";
  std::vector<std::string> policies;
  std::string input, json_path, log_level = "warn";
  std::uint32_t tx_per_slot = 0;
  double tick_us = static_cast<double>(cfg.tick_ns) / 1e3;
  app.add_option("--slots", cfg.sim.slots, "Slots to simulate")->capture_default_str();
  app.add_option("--workers", cfg.workers, "Worker endpoints")->capture_default_str();
  app.add_option("--seed", cfg.sim.seed, "Seed of the generator, blockhashes and balances")
      ->capture_default_str();
  app.add_option("--workload", workload, "mainnet-like or contended")->capture_default_str();
  app.add_option("--tx-per-slot", tx_per_slot,
                 "Transactions offered per slot (default: the workload's)");
  app.add_option("--input", input, "Replay base64 transactions from FILE instead of generating");
  app.add_option("--leader-window", cfg.sim.leader_window, "Consecutive leader slots")
      ->capture_default_str();
  app.add_option("--leader-every", cfg.sim.leader_every, "The leader window repeats every N slots")
      ->capture_default_str();
  app.add_option("--ns-per-cu", cfg.sim.worker.ns_per_cu, "Execution time per consumed CU, ns")
      ->capture_default_str();
  app.add_option("--cu-ratio-median", cfg.sim.bank.cu_ratio_median,
                 "Median of consumed / requested compute units, (0, 1]; each ratio is "
                 "clamped to [0.02, 1] (1 with --cu-ratio-sigma 0: every transaction uses "
                 "its whole compute-unit limit)")
      ->capture_default_str();
  app.add_option("--cu-ratio-sigma", cfg.sim.bank.cu_ratio_sigma,
                 "Log-normal spread of that ratio, [0, 10]")
      ->capture_default_str();
  app.add_option("--loaded-bytes-per-account", cfg.sim.bank.loaded_bytes_per_account,
                 "Bytes each account of a transaction loads, for its executed loaded-data "
                 "cost (at most its requested limit, 64 MiB by default; 67108864: the "
                 "executed loaded-data cost is the estimate's)")
      ->capture_default_str();
  app.add_option("--tick-us", tick_us,
                 "Grid of the feed's bursts (arrival resolution), microseconds")
      ->capture_default_str();
  app.add_option("--policy", policies, "Run only these policies (repeatable; default: all)");
  std::string bound = "lp";
  app.add_option("--bound", bound,
                 "lp: the LP relaxation's optimum (GLPK; tens of seconds on long runs); "
                 "descent: the quicker, looser Lagrangian descent")
      ->check(CLI::IsMember({"lp", "descent"}))
      ->capture_default_str();
  app.add_option("--json", json_path, "Write the results as JSON to FILE");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (!extpack::init_logging("compare", log_level)) {
    std::cerr << "unknown log level '" << log_level << "'\n";
    return EXIT_BAD_OPTIONS;
  }
  if (auto r = lab::apply_workload(workload, cfg.sim); !r) {
    std::cerr << r.error().message << "\n";
    return EXIT_BAD_OPTIONS;
  }
  if (tx_per_slot != 0) cfg.sim.tx_per_slot = tx_per_slot;
  cfg.sim.input = input;
  cfg.tick_ns = static_cast<std::int64_t>(tick_us * 1e3);
  cfg.exact_bound = bound == "lp";
  if (auto r = cfg.validate(); !r) {
    std::cerr << r.error().message << "\n";
    return EXIT_BAD_OPTIONS;
  }
  const auto known = extpack::sched::policy_names();
  if (policies.empty()) {
    for (auto n : known)
      policies.emplace_back(n);
  }
  for (const auto& p : policies) {
    if (std::find(known.begin(), known.end(), p) == known.end()) {
      std::cerr << "--policy: unknown policy '" << p << "'\n";
      return EXIT_BAD_OPTIONS;
    }
  }
  if (cfg.sim.slots < cfg.sim.leader_every) {
    std::cerr << "warning: " << cfg.sim.slots << " slots may hold no leader slot (the node leads "
              << "the last " << cfg.sim.leader_window << " of every " << cfg.sim.leader_every
              << "); use --slots " << cfg.sim.leader_every << " or more\n";
  }

  std::cout << "workload " << (input.empty() ? workload : input) << ", " << cfg.sim.slots
            << " slots (leader " << cfg.sim.leader_window << " of every " << cfg.sim.leader_every
            << "), " << cfg.workers << " workers, seed " << cfg.sim.seed << ", "
            << cfg.sim.tx_per_slot << " tx/slot, tick " << tick_us << " us" << std::endl;
  auto rows = lab::compare(cfg, policies);
  if (!rows) {
    std::cerr << rows.error().message << "\n";
    return EXIT_RUN_FAILED;
  }
  std::cout << lab::format_table(*rows);
  std::cout << lab::format_gaps(*rows);
  for (const auto& r : *rows) {
    std::cout << r.policy << ": " << static_cast<long>(r.wall_ms) << " ms wall, " << r.steps
              << " steps, " << r.passes << " scheduling passes\n";
  }

  if (!json_path.empty()) {
    nlohmann::json j;
    j["config"] = {{"workload", input.empty() ? workload : std::string("file")},
                   {"input", input},
                   {"slots", cfg.sim.slots},
                   {"workers", cfg.workers},
                   {"seed", cfg.sim.seed},
                   {"tx_per_slot", cfg.sim.tx_per_slot},
                   {"leader_window", cfg.sim.leader_window},
                   {"leader_every", cfg.sim.leader_every},
                   {"ns_per_cu", cfg.sim.worker.ns_per_cu},
                   {"cu_ratio_median", cfg.sim.bank.cu_ratio_median},
                   {"cu_ratio_sigma", cfg.sim.bank.cu_ratio_sigma},
                   {"loaded_bytes_per_account", cfg.sim.bank.loaded_bytes_per_account},
                   {"tick_ns", cfg.tick_ns},
                   {"bound", bound}};
    j["policies"] = lab::rows_json(*rows);
    std::ofstream f(json_path);
    f << j.dump(2) << "\n";
    if (!f) {
      std::cerr << "cannot write " << json_path << "\n";
      return EXIT_RUN_FAILED;
    }
  }
  for (const auto& r : *rows) {
    if (!r.accounted) return EXIT_RUN_FAILED;
  }
  return 0;
}
