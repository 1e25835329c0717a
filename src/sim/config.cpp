// Range checks for SimConfig.
#include "extpack/sim/config.hpp"

#include <cmath>

namespace extpack::sim {

namespace {
Result<void> share(const char* name, double v) {
  if (!(v >= 0.0 && v <= 1.0)) return make_error("{} must be in [0, 1], got {}", name, v);
  return {};
}
} // namespace

Result<void> SimConfig::validate() const {
  if (slots < 1 || slots > 10'000'000)
    return make_error("slots must be 1..10000000, got {}", slots);
  if (slot_ms < 1 || slot_ms > 60'000)
    return make_error("slot_ms must be 1..60000, got {}", slot_ms);
  if (leader_window < 1)
    return make_error("leader window must be >= 1 slot, got {}", leader_window);
  if (leader_every < leader_window || leader_every > 1'000'000) {
    return make_error("leader_every must be in [leader window {}, 1000000], got {}", leader_window,
                      leader_every);
  }
  if (progress_interval_ms < 1 || progress_interval_ms > slot_ms) {
    return make_error("progress interval must be 1..slot_ms ({}) ms, got {}", slot_ms,
                      progress_interval_ms);
  }
  if (tx_per_slot < 1 || tx_per_slot > 1'000'000) {
    return make_error("tx_per_slot must be 1..1000000, got {}", tx_per_slot);
  }
  if (!std::isfinite(worker.ns_per_cu) || worker.ns_per_cu < 0 || worker.ns_per_cu > 1e6) {
    return make_error("ns_per_cu must be in [0, 1000000], got {}", worker.ns_per_cu);
  }
  if (linger_ms > 3'600'000) return make_error("linger_ms must be <= 3600000, got {}", linger_ms);
  if (bank.limits.max_block_units == 0) return make_error("block limit must be > 0 CU");
  if (bank.max_blockhash_age < 1) return make_error("max_blockhash_age must be >= 1 slot");
  if (!(bank.cu_ratio_median > 0 && bank.cu_ratio_median <= 1)) {
    return make_error("cu_ratio_median must be in (0, 1], got {}", bank.cu_ratio_median);
  }
  if (!(bank.cu_ratio_sigma >= 0 && bank.cu_ratio_sigma <= 10)) {
    return make_error("cu_ratio_sigma must be in [0, 10], got {}", bank.cu_ratio_sigma);
  }
  for (auto [name, v] : {std::pair{"vote_share", generator.vote_share},
                         std::pair{"swap_share", generator.swap_share},
                         std::pair{"oracle_share", generator.oracle_share},
                         std::pair{"duplicate_share", generator.duplicate_share},
                         std::pair{"forwarded_share", generator.forwarded_share},
                         std::pair{"zero_price_share", generator.zero_price_share},
                         std::pair{"poor_payer_share", bank.poor_payer_share}}) {
    if (auto r = share(name, v); !r) return r;
  }
  if (generator.swap_share + generator.oracle_share > 1.0) {
    return make_error("swap_share + oracle_share must be <= 1, got {}",
                      generator.swap_share + generator.oracle_share);
  }
  if (generator.validators < 1 || generator.users < 1 || generator.bots < 1 ||
      generator.hot_accounts < 1 || generator.lookup_tables < 1) {
    return make_error("generator populations (validators, users, bots, hot accounts, lookup "
                      "tables) must each be >= 1");
  }
  return {};
}

} // namespace extpack::sim
