// agave-sim's live metrics, from the slot clock and the run report; see report_metrics.hpp.
#include "report_metrics.hpp"

#include <string_view>
#include <vector>

namespace extpack::apps {

namespace {

const std::vector<std::string_view>& feed_drop_labels() {
  static const std::vector<std::string_view> v = [] {
    std::vector<std::string_view> out;
    for (std::size_t i = 0; i < sim::FEED_DROP_COUNT; ++i) {
      out.emplace_back(sim::to_string(static_cast<sim::FeedDrop>(i)));
    }
    return out;
  }();
  return v;
}

const std::vector<std::string_view>& rejection_labels() {
  static const std::vector<std::string_view> v = [] {
    std::vector<std::string_view> out;
    for (std::size_t i = 0; i < sim::REJECTION_COUNT; ++i) {
      out.emplace_back(sim::to_string(static_cast<sim::Rejection>(i)));
    }
    return out;
  }();
  return v;
}

/// Adds now - seen to `c` (counters only grow within a run) and remembers `now`.
void add(ops::Counter& c, std::uint64_t now, std::uint64_t& seen) {
  if (now > seen) c.Increment(static_cast<double>(now - seen));
  seen = now;
}

} // namespace

SimReportMetrics::SimReportMetrics(ops::MetricsRegistry& registry)
    : m_(registry, ops::SimMetricLabels{feed_drop_labels(), rejection_labels()}) {}

void SimReportMetrics::begin_run() {
  seen_ = sim::Totals{};
}

void SimReportMetrics::advance(const sim::Totals& t) {
  add(m_.fed, t.fed, seen_.fed);
  for (std::size_t i = 0; i < sim::FEED_DROP_COUNT; ++i)
    add(m_.feed_dropped[i], t.feed_dropped[i], seen_.feed_dropped[i]);
  add(m_.included, t.included, seen_.included);
  for (std::size_t code = 0; code < t.not_included.size(); ++code) {
    add(m_.not_included[static_cast<std::uint8_t>(code)], t.not_included[code],
        seen_.not_included[code]);
  }
  for (std::size_t i = 0; i < sim::REJECTION_COUNT; ++i) {
    add(m_.not_processed[i], t.not_processed[i], seen_.not_processed[i]);
  }
  add(m_.batches, t.batches, seen_.batches);
  add(m_.resolve_batches, t.resolve_batches, seen_.resolve_batches);
  add(m_.fees, t.fees_lamports, seen_.fees_lamports);
  add(m_.cu_used, t.cu_used, seen_.cu_used);
}

void SimReportMetrics::publish_slot(const sim::SlotRecord& slot, const sim::Totals& so_far) {
  advance(so_far);
  m_.slot.Set(static_cast<double>(slot.slot));
  m_.leader.Set(slot.leader ? 1.0 : 0.0);
  m_.block_cost.Set(static_cast<double>(slot.cu_used));
  // Only leader slots carry a block limit; keep the last one known across the others.
  if (slot.block_limit != 0) m_.block_limit.Set(static_cast<double>(slot.block_limit));
}

void SimReportMetrics::publish(const sim::RunReport& r) {
  advance(r.totals);
  if (!r.slots.empty()) {
    const sim::SlotRecord& last = r.slots.back();
    m_.slot.Set(static_cast<double>(last.slot));
    m_.block_cost.Set(static_cast<double>(last.cu_used));
    if (last.block_limit != 0) m_.block_limit.Set(static_cast<double>(last.block_limit));
  }
  m_.leader.Set(0.0); // the final progress message said not leader
}

} // namespace extpack::apps
