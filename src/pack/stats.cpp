// JSON form of the pack counters; see stats.hpp.
#include "extpack/pack/stats.hpp"

#include <algorithm>
#include <string>

#include "extpack/abi/messages.hpp"
#include "extpack/txn/account_locks.hpp"
#include "extpack/txn/analyze.hpp"

namespace extpack::pack {

std::uint64_t PackStats::total_dropped() const {
  std::uint64_t t = 0;
  for (std::uint64_t d : dropped)
    t += d;
  return t;
}

std::uint64_t LatencyHistogram::quantile_bound_ns(double q) const {
  if (count == 0) return 0;
  // The rank of the quantile sample, 1-based: ceil(q * count), at least 1.
  auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count));
  if (static_cast<double>(rank) < q * static_cast<double>(count)) ++rank;
  if (rank == 0) rank = 1;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bounds; ++i) {
    seen += buckets[i];
    if (seen >= rank) return std::min(bound_ns(i), max_ns);
  }
  return max_ns;
}

namespace {

/// A histogram's summary for the stats file, in `unit_ns` units (1e6: milliseconds).
nlohmann::json histogram_json(const LatencyHistogram& h, double unit_ns) {
  auto in_unit = [&](std::uint64_t ns) { return static_cast<double>(ns) / unit_ns; };
  return {{"count", h.count},
          {"sum", in_unit(h.sum_ns)},
          {"p50", in_unit(h.quantile_bound_ns(0.50))},
          {"p90", in_unit(h.quantile_bound_ns(0.90))},
          {"p99", in_unit(h.quantile_bound_ns(0.99))},
          {"max", in_unit(h.max_ns)}};
}

/// Name of a drop's detail code, for the reasons that carry one.
std::string detail_name(sched::DropReason r, std::uint8_t d) {
  using sched::DropReason;
  switch (r) {
  case DropReason::ParseFailed:
    return txn::to_string(static_cast<txn::ParseError>(d));
  case DropReason::SanitizeFailed:
    return txn::to_string(static_cast<txn::SanitizeError>(d));
  case DropReason::ComputeBudgetFailed:
    return txn::to_string(static_cast<txn::ComputeBudgetError>(d));
  case DropReason::LockError:
    return txn::to_string(static_cast<txn::LockError>(d));
  default:
    return std::to_string(d);
  }
}

} // namespace

nlohmann::json stats_to_json(const PackStats& s, const sched::SchedCounters& c,
                             const char* policy) {
  using nlohmann::json;
  json dropped = json::object();
  json details = json::object();
  for (std::size_t i = 0; i < PackStats::NUM_DROP; ++i) {
    auto r = static_cast<sched::DropReason>(i);
    if (r == sched::DropReason::NotIncluded) continue; // listed by Agave's reason names
    if (s.dropped[i] != 0) dropped[sched::to_string(r)] = s.dropped[i];
    for (std::size_t d = 0; d < PackStats::NUM_DETAIL; ++d) {
      if (s.drop_detail[i][d] == 0 || s.dropped[i] == 0) continue;
      if (r != sched::DropReason::ParseFailed && r != sched::DropReason::SanitizeFailed &&
          r != sched::DropReason::ComputeBudgetFailed && r != sched::DropReason::LockError) {
        continue;
      }
      details[std::string(sched::to_string(r)) + ":" +
              detail_name(r, static_cast<std::uint8_t>(d))] = s.drop_detail[i][d];
    }
  }
  for (std::size_t code = 0; code < s.not_included.size(); ++code) {
    if (s.not_included[code] == 0) continue;
    // RESERVED / UNDEFINED codes share a name; keep them apart by number.
    auto u = static_cast<std::uint8_t>(code);
    std::string name =
        abi::not_included_reasons::is_defined(u)
            ? abi::not_included_reasons::name(u)
            : std::string(abi::not_included_reasons::name(u)) + "_" + std::to_string(code);
    dropped[name] = s.not_included[code];
  }
  json rejected = json::object();
  for (std::size_t i = 1; i < PackStats::NUM_REJECT; ++i) {
    if (s.rejected[i] != 0) rejected[to_string(static_cast<Reject>(i))] = s.rejected[i];
  }
  json retried = json::object();
  for (std::size_t code = 0; code < 256; ++code) {
    if (s.retried_by_reason[code] != 0) {
      retried[abi::not_included_reasons::name(static_cast<std::uint8_t>(code))] =
          s.retried_by_reason[code];
    }
  }
  json j;
  j["policy"] = policy;
  j["received"] = s.received;
  j["included"] = c.included;
  j["dropped"] = dropped;
  j["dropped_total"] = s.total_dropped();
  j["drop_details"] = details;
  j["scheduled"] = c.scheduled;
  j["batches_sent"] = c.execution_batches;
  j["resolve_batches"] = c.resolve_batches;
  j["sent_to_resolve"] = c.sent_to_resolve;
  j["resolved"] = c.resolved;
  j["rejected_messages"] = rejected;
  j["fees_captured"] = c.fees_captured;
  j["included_cost_units"] = c.included_cost;
  j["retried"] = c.retried;
  j["expired"] = c.expired;
  j["blockhashes_untracked"] = c.blockhashes_untracked;
  j["retried_by_reason"] = retried;
  j["not_processed_batches"] = s.not_processed_batches;
  j["aborted_batches"] = c.aborted_batches;
  j["batch_alloc_failures"] = s.batch_alloc_failures;
  j["worker_queue_full"] = s.worker_queue_full;
  j["actual_cost_above_estimate"] = c.actual_above_estimate;
  j["leader_slots"] = s.leader_slots;
  j["slots_seen"] = c.slots;
  j["messages"] = {{"tpu_to_pack", s.tpu_messages},
                   {"progress_tracker", s.progress_messages},
                   {"worker_to_pack", s.worker_messages}};
  j["frees"] = {{"local", s.frees_local}, {"remote", s.frees_remote}};
  j["shutdown_wait_timeouts"] = s.shutdown_wait_timeouts;
  j["validator_lost"] = s.validator_lost_silent + s.validator_lost_exited != 0;
  j["validator_loss"] = {{"silent", s.validator_lost_silent},
                         {"process_exited", s.validator_lost_exited},
                         {"silent_ms", s.validator_silent_ms}};
  j["schedule_passes"] = {{"passes", c.pass.passes},
                          {"examined", c.pass.examined},
                          {"admitted", c.pass.admitted},
                          {"skipped_conflict", c.pass.conflict},
                          {"skipped_block_budget", c.pass.over_block},
                          {"skipped_account_limit", c.pass.over_account},
                          {"skipped_vote_limit", c.pass.over_vote},
                          {"skipped_inflight_cap", c.pass.over_inflight},
                          {"alt_deactivated", c.pass.alt_deactivated},
                          {"unaffordable_dropped", c.pass.unaffordable_dropped},
                          {"unaffordable_waiting", c.pass.unaffordable_waiting}};
  // Quantiles are bucket upper bounds (capped by the largest sample), not exact values.
  j["time_to_inclusion_ms"] = histogram_json(s.time_to_inclusion, 1e6);
  j["schedule_pass_us"] = histogram_json(s.schedule_pass, 1e3);
  return j;
}

} // namespace extpack::pack
