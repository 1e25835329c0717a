// agave-sim's configuration mapping; see settings.hpp.
#include "settings.hpp"

#include <fmt/format.h>

namespace extpack::apps {

sim::SimConfig simulator_config(const ops::SimConfig& c, const SimRunOptions& run) {
  sim::SimConfig s;
  s.slots = c.clock.slots;
  s.first_slot = run.first_slot;
  s.slot_ms = c.clock.slot_ms;
  s.leader_window = run.leader_window;
  s.leader_every = c.clock.leader_every;
  s.progress_interval_ms = run.progress_ms;
  s.input = c.workload.input;
  s.tx_per_slot = c.workload.tx_per_slot;
  s.seed = c.workload.generator.seed;
  s.linger_ms = run.linger_ms;

  const ops::GeneratorSection& g = c.workload.generator;
  s.generator.seed = g.seed;
  s.generator.vote_share = g.vote_share;
  s.generator.validators = g.validators;
  s.generator.users = g.users;
  s.generator.bots = g.bots;
  s.generator.swap_share = g.swap_share;
  s.generator.oracle_share = g.oracle_share;
  s.generator.bot_swap_share = g.bot_swap_share;
  s.generator.v0_swap_share = g.v0_swap_share;
  s.generator.hot_accounts = g.hot_accounts;
  s.generator.zipf_s = g.zipf_s;
  s.generator.lookup_tables = g.lookup_tables;
  s.generator.zero_price_share = g.zero_price_share;
  s.generator.price_median = g.price_median;
  s.generator.price_sigma = g.price_sigma;
  s.generator.tight_limit_share = g.tight_limit_share;
  s.generator.round_limit_share = g.round_limit_share;
  s.generator.duplicate_share = g.duplicate_share;
  s.generator.forwarded_share = g.forwarded_share;

  const ops::BankSection& b = c.bank;
  s.bank.limits = b.limits;
  s.bank.seed = g.seed;
  s.bank.check_blockhash = b.check_blockhash;
  s.bank.max_blockhash_age = b.max_blockhash_age;
  s.bank.status_cache_slots = b.status_cache_slots;
  s.bank.verify_signatures = b.verify_signatures;
  s.bank.poor_payer_share = b.poor_payer_share;
  s.bank.cu_ratio_median = b.cu_ratio_median;
  s.bank.cu_ratio_sigma = b.cu_ratio_sigma;
  s.worker.ns_per_cu = b.ns_per_cu;
  s.worker.verify_signatures = b.verify_signatures;
  return s;
}

std::string describe(const ops::SimConfig& c, const SimRunOptions& run) {
  const auto& s = c.session;
  const auto& g = c.workload.generator;
  const auto& b = c.bank;
  return fmt::format(
      "session.dir='{}' session.listen='{}' session.workers={} session.allocator_handles={} "
      "session.allocator_mib={} session.tpu_to_pack_capacity={} "
      "session.progress_tracker_capacity={} session.pack_to_worker_capacity={} "
      "session.worker_to_pack_capacity={} clock.slots={} clock.slot_ms={} "
      "clock.leader_every={} workload.input='{}' workload.tx_per_slot={} "
      "workload.generator.seed={} vote_share={} swap_share={} oracle_share={} "
      "price_median={} price_sigma={} bank.max_block_units={} "
      "bank.max_writable_account_units={} bank.max_vote_units={} bank.ns_per_cu={} "
      "bank.check_blockhash={} bank.verify_signatures={} bank.max_blockhash_age={} "
      "bank.status_cache_slots={} bank.poor_payer_share={} bank.cu_ratio_median={} "
      "bank.cu_ratio_sigma={} log.level={} metrics.listen={} output.stats_out='{}' "
      "output.block_record='{}' first_slot={} leader_window={} progress_ms={} linger_ms={}",
      s.dir, s.listen, s.workers, s.allocator_handles, s.allocator_mib, s.tpu_to_pack_capacity,
      s.progress_tracker_capacity, s.pack_to_worker_capacity, s.worker_to_pack_capacity,
      c.clock.slots, c.clock.slot_ms, c.clock.leader_every, c.workload.input,
      c.workload.tx_per_slot, g.seed, g.vote_share, g.swap_share, g.oracle_share, g.price_median,
      g.price_sigma, b.limits.max_block_units, b.limits.max_writable_account_units,
      b.limits.max_vote_units, b.ns_per_cu, b.check_blockhash, b.verify_signatures,
      b.max_blockhash_age, b.status_cache_slots, b.poor_payer_share, b.cu_ratio_median,
      b.cu_ratio_sigma, c.log_level, c.metrics_listen, c.stats_out, c.block_record, run.first_slot,
      run.leader_window, run.progress_ms, run.linger_ms);
}

} // namespace extpack::apps
