// extpack-pack's configuration mapping; see settings.hpp.
#include "settings.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "extpack/sched/policies.hpp"

namespace extpack::apps {

Result<session::SessionConfig> session_config(const ops::PackConfig& cfg) {
  const ops::PackSessionSection& shape = cfg.session;
  session::SessionConfig sc;
  sc.num_workers = shape.workers;
  sc.allocator_handles = shape.allocator_handles;
  sc.allocator_size = shape.allocator_mib * 1024 * 1024;
  sc.tpu_to_pack_capacity = shape.tpu_to_pack_capacity;
  sc.progress_tracker_capacity = shape.progress_tracker_capacity;
  sc.pack_to_worker_capacity = shape.pack_to_worker_capacity;
  sc.worker_to_pack_capacity = shape.worker_to_pack_capacity;
  if (auto r = sc.validate(); !r) return r.error();
  return sc;
}

pack::RuntimeConfig runtime_config(const ops::PackConfig& cfg) {
  pack::RuntimeConfig rc;
  sched::SchedConfig& s = rc.sched;
  s.capacity = cfg.pack.capacity;
  s.limits = cfg.limits;
  s.max_batch = cfg.pack.max_batch;
  s.max_batches_per_worker = cfg.pack.max_batches_per_worker;
  s.max_inflight_cost = cfg.pack.max_inflight_cost;
  s.max_scan_per_pass = cfg.pack.max_scan_per_pass;
  s.max_attempts =
      static_cast<std::uint8_t>(std::clamp<std::uint32_t>(cfg.pack.max_attempts, 1, 255));
  rc.shutdown_wait = std::chrono::milliseconds(cfg.timeouts.shutdown_grace_ms);
  rc.validator_silence = std::chrono::milliseconds(cfg.timeouts.validator_silence_ms);
  return rc;
}

Result<std::unique_ptr<sched::Policy>> make_configured_policy(const ops::PackConfig& cfg) {
  if (!cfg.policy.params.empty()) {
    return make_error("policy.params.{}: policy '{}' takes no parameters",
                      cfg.policy.params.begin()->first, cfg.policy.name);
  }
  auto p = sched::make_policy(cfg.policy.name);
  if (!p) {
    std::string known;
    for (auto n : sched::policy_names())
      known += (known.empty() ? "" : ", ") + std::string(n);
    return make_error("policy.name: unknown policy '{}'; known: {}", cfg.policy.name, known);
  }
  return p;
}

std::string describe(const ops::PackConfig& c) {
  return fmt::format(
      "session.dir='{}' session.connect='{}' session.allocator_handles={} session.workers={} "
      "session.allocator_mib={} session.tpu_to_pack_capacity={} "
      "session.progress_tracker_capacity={} session.pack_to_worker_capacity={} "
      "session.worker_to_pack_capacity={} policy.name={} "
      "pack.capacity={} pack.max_batch={} pack.max_batches_per_worker={} "
      "pack.max_inflight_cost={} pack.max_scan_per_pass={} pack.max_attempts={} "
      "limits.max_block_units={} limits.max_writable_account_units={} "
      "limits.max_vote_units={} limits.max_block_accounts_data_size_delta={} "
      "timeouts.validator_silence_ms={} timeouts.shutdown_grace_ms={} log.level={} "
      "metrics.listen={} output.stats_out='{}'",
      c.session.dir, c.session.connect, c.session.allocator_handles, c.session.workers,
      c.session.allocator_mib, c.session.tpu_to_pack_capacity, c.session.progress_tracker_capacity,
      c.session.pack_to_worker_capacity, c.session.worker_to_pack_capacity, c.policy.name,
      c.pack.capacity, c.pack.max_batch, c.pack.max_batches_per_worker, c.pack.max_inflight_cost,
      c.pack.max_scan_per_pass, c.pack.max_attempts, c.limits.max_block_units,
      c.limits.max_writable_account_units, c.limits.max_vote_units,
      c.limits.max_block_accounts_data_size_delta, c.timeouts.validator_silence_ms,
      c.timeouts.shutdown_grace_ms, c.log_level, c.metrics_listen, c.stats_out);
}

} // namespace extpack::apps
