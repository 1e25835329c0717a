// Workload presets (see workloads.hpp).
#include "extpack/lab/workloads.hpp"

#include <string>

namespace extpack::lab {

namespace {
void contended(sim::SimConfig& cfg) {
  sim::GeneratorConfig& g = cfg.generator;
  g.vote_share = 0.25;
  g.swap_share = 0.85;
  g.oracle_share = 0.05;
  g.bot_swap_share = 0.60;
  g.bots = 24;
  g.hot_accounts = 64;
  g.zipf_s = 1.4;
  g.lookup_tables = 64;
  cfg.tx_per_slot = CONTENDED_TX_PER_SLOT;
}
} // namespace

std::vector<std::string_view> workload_names() {
  return {"mainnet-like", "contended"};
}

Result<void> apply_workload(std::string_view name, sim::SimConfig& cfg) {
  if (name == "mainnet-like") return {};
  if (name == "contended") {
    contended(cfg);
    return {};
  }
  std::string known;
  for (auto n : workload_names())
    known += (known.empty() ? "" : ", ") + std::string(n);
  return make_error("unknown workload '{}' (known: {})", name, known);
}

} // namespace extpack::lab
