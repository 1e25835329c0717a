// Comparison rows, table and JSON (see compare.hpp).
#include "extpack/lab/compare.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "extpack/abi/messages.hpp"

namespace extpack::lab {

namespace nir = abi::not_included_reasons;

namespace {
constexpr double LAMPORTS_PER_SOL = 1e9;
constexpr double NS_PER_MS = 1e6;

/// The p-th percentile (0..100) by nearest rank, in ms; 0 for no samples.
double percentile_ms(std::vector<std::int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  const std::size_t i = std::min(v.size() - 1, rank == 0 ? 0 : rank - 1);
  return static_cast<double>(v[i]) / NS_PER_MS;
}
nlohmann::json slots_json(const std::vector<SlotOutcome>& slots) {
  nlohmann::json a = nlohmann::json::array();
  for (const SlotOutcome& o : slots) {
    a.push_back({{"slot", o.slot},
                 {"fees_lamports", o.fees},
                 {"cu_used", o.cu_used},
                 {"block_limit", o.block_limit},
                 {"included", o.included},
                 {"bound_lamports", o.bound.bound},
                 {"bound_lp_optimal", o.bound.lp_optimal}});
  }
  return a;
}
} // namespace

FailureGroups group_failures(const std::array<std::uint64_t, 256>& by_reason) {
  FailureGroups g;
  for (std::size_t r = 1; r < by_reason.size(); ++r) {
    const std::uint64_t n = by_reason[r];
    switch (r) {
    case nir::WOULD_EXCEED_MAX_BLOCK_COST_LIMIT:
    case nir::WOULD_EXCEED_MAX_ACCOUNT_COST_LIMIT:
    case nir::WOULD_EXCEED_MAX_VOTE_COST_LIMIT:
    case nir::WOULD_EXCEED_ACCOUNT_DATA_BLOCK_LIMIT:
    case nir::WOULD_EXCEED_ACCOUNT_DATA_TOTAL_LIMIT:
      g.limits += n;
      break;
    case nir::ACCOUNT_IN_USE:
      g.in_use += n;
      break;
    case nir::BANK_NOT_AVAILABLE:
    case nir::SLOT_MISMATCH:
      g.no_bank += n;
      break;
    default:
      g.other += n;
    }
  }
  return g;
}

PolicyRow summarize(const std::string& policy, const LabRun& run, double wall_ms) {
  PolicyRow row;
  row.policy = policy;
  std::uint64_t cu = 0, limit = 0;
  for (const SlotOutcome& o : run.leader_slots) {
    row.fees += o.fees;
    row.slot_bounds += o.bound.bound;
    cu += o.cu_used;
    limit += o.block_limit;
    row.slots.push_back(o);
  }
  // The same for every policy; the per-slot sum (also valid, policy-dependent) is in JSON.
  row.bound = run.window_bound.bound;
  row.bound_exact = run.window_bound.lp_optimal;
  row.gap = run.gap;
  row.ratio = row.bound == 0 ? 1.0 : static_cast<double>(row.fees) / static_cast<double>(row.bound);
  row.fill = limit == 0 ? 0.0 : static_cast<double>(cu) / static_cast<double>(limit);
  row.included = run.report.totals.included;
  for (const sim::SlotRecord& rec : run.report.slots)
    row.votes_included += rec.votes_included;
  row.votes_fed = run.report.totals.fed_votes;
  row.failed = group_failures(run.report.totals.not_included);
  row.p50_ms = percentile_ms(run.latencies_ns, 50);
  row.p99_ms = percentile_ms(run.latencies_ns, 99);
  row.vote_p99_ms = percentile_ms(run.vote_delays_ns, 99);
  row.received = run.pack_stats.value("received", std::uint64_t{0});
  row.dropped = run.pack_stats.value("dropped_total", std::uint64_t{0});
  const std::uint64_t pack_included = run.pack_stats.value("included", std::uint64_t{0});
  for (std::uint64_t n : run.outstanding_by_id)
    row.outstanding += n;
  row.accounted = run.drained && row.received == pack_included + row.dropped &&
                  row.outstanding == 0 && pack_included == row.included;
  row.wall_ms = wall_ms;
  row.steps = run.steps;
  if (run.pack_stats.contains("schedule_passes")) {
    row.passes = run.pack_stats["schedule_passes"].value("passes", std::uint64_t{0});
  }
  return row;
}

Result<std::vector<PolicyRow>> compare(const LabConfig& base,
                                       const std::vector<std::string>& policies) {
  std::vector<PolicyRow> rows;
  auto cache = std::make_shared<WindowBoundCache>();
  for (const std::string& p : policies) {
    LabConfig cfg = base;
    if (!cfg.bound_cache) cfg.bound_cache = cache;
    cfg.policy = p;
    const auto t0 = std::chrono::steady_clock::now();
    auto run = run_lab(cfg);
    if (!run) return make_error("policy {}: {}", p, run.error().message);
    const std::chrono::duration<double, std::milli> wall = std::chrono::steady_clock::now() - t0;
    rows.push_back(summarize(p, *run, wall.count()));
  }
  return rows;
}

std::string format_table(const std::vector<PolicyRow>& rows) {
  std::string s =
      fmt::format("{:<12} {:>12} {:>12} {:>6} {:>6} {:>8} {:>6} {:>8} {:>7} {:>7} {:>7} "
                  "{:>8} {:>8} {:>8} {:>5}\n",
                  "policy", "fees SOL", "bound SOL", "ratio", "fill%", "included", "votes%",
                  "f:limit", "f:inuse", "f:nobank", "f:other", "p50 ms", "p99 ms", "vp99 ms", "ok");
  for (const PolicyRow& r : rows) {
    const double votes_pct = r.votes_fed == 0 ? 100.0
                                              : 100.0 * static_cast<double>(r.votes_included) /
                                                    static_cast<double>(r.votes_fed);
    s += fmt::format("{:<12} {:>12.6f} {:>12.6f} {:>6.3f} {:>6.1f} {:>8} {:>6.1f} {:>8} {:>7} "
                     "{:>7} {:>7} {:>8.1f} {:>8.1f} {:>8.1f} {:>5}\n",
                     r.policy, static_cast<double>(r.fees) / LAMPORTS_PER_SOL,
                     static_cast<double>(r.bound) / LAMPORTS_PER_SOL, r.ratio, 100.0 * r.fill,
                     r.included, votes_pct, r.failed.limits, r.failed.in_use, r.failed.no_bank,
                     r.failed.other, r.p50_ms, r.p99_ms, r.vote_p99_ms, r.accounted ? "yes" : "NO");
  }
  return s;
}

std::string format_gaps(const std::vector<PolicyRow>& rows) {
  std::string s;
  for (const PolicyRow& r : rows) {
    if (!r.gap.known) continue;
    const GapBreakdown& g = r.gap;
    const auto sol = [](double lamports) { return lamports / LAMPORTS_PER_SOL; };
    s += fmt::format("{}: bound - fees {:.6f} SOL = the LP's choice not included {:.6f} (arrived "
                     "in the last {:.0f} % of the slot the LP used it in {:.6f}, earlier in that "
                     "slot {:.6f}, before it {:.6f}) - included outside the LP's choice {:.6f}\n",
                     r.policy, sol(g.lp_value - static_cast<double>(r.fees)), sol(g.missed()),
                     100.0 * GapBreakdown::LATE_SHARE, sol(g.missed_late), sol(g.missed_in_slot),
                     sol(g.missed_backlog), sol(g.outside));
  }
  return s;
}

nlohmann::json rows_json(const std::vector<PolicyRow>& rows) {
  nlohmann::json a = nlohmann::json::array();
  for (const PolicyRow& r : rows) {
    a.push_back(
        {{"policy", r.policy},
         {"fees_lamports", r.fees},
         {"bound_lamports", r.bound},
         {"bound_lp_optimal", r.bound_exact},
         {"slot_bounds_lamports", r.slot_bounds},
         {"ratio", r.ratio},
         {"block_fill", r.fill},
         {"included", r.included},
         {"votes", {{"included", r.votes_included}, {"fed", r.votes_fed}}},
         {"failed",
          {{"limits", r.failed.limits},
           {"account_in_use", r.failed.in_use},
           {"bank_not_available", r.failed.no_bank},
           {"other", r.failed.other}}},
         {"latency_ms", {{"p50", r.p50_ms}, {"p99", r.p99_ms}, {"vote_p99", r.vote_p99_ms}}},
         {"pack", {{"received", r.received}, {"dropped", r.dropped}}},
         {"outstanding_allocations", r.outstanding},
         {"accounted", r.accounted},
         {"wall_ms", r.wall_ms},
         {"engine_steps", r.steps},
         {"schedule_passes", r.passes},
         {"leader_slots", slots_json(r.slots)}});
    if (r.gap.known) {
      const GapBreakdown& g = r.gap;
      a.back()["bound_gap_lamports"] = {{"lp_value", g.lp_value},
                                        {"missed_late", g.missed_late},
                                        {"missed_in_slot", g.missed_in_slot},
                                        {"missed_backlog", g.missed_backlog},
                                        {"included_outside", g.outside}};
    }
  }
  return a;
}

} // namespace extpack::lab
