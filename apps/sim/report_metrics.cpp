// agave-sim's metrics from the run report; see report_metrics.hpp.
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

void add(ops::Counter& c, std::uint64_t n) {
  if (n != 0) c.Increment(static_cast<double>(n));
}

} // namespace

SimReportMetrics::SimReportMetrics(ops::MetricsRegistry& registry)
    : m_(registry, ops::SimMetricLabels{feed_drop_labels(), rejection_labels()}) {}

void SimReportMetrics::publish(const sim::RunReport& r) {
  const sim::Totals& t = r.totals;
  add(m_.fed, t.fed);
  for (std::size_t i = 0; i < sim::FEED_DROP_COUNT; ++i)
    add(m_.feed_dropped[i], t.feed_dropped[i]);
  add(m_.included, t.included);
  for (std::size_t code = 0; code < t.not_included.size(); ++code) {
    add(m_.not_included[static_cast<std::uint8_t>(code)], t.not_included[code]);
  }
  for (std::size_t i = 0; i < sim::REJECTION_COUNT; ++i) {
    add(m_.not_processed[i], t.not_processed[i]);
  }
  add(m_.batches, t.batches);
  add(m_.resolve_batches, t.resolve_batches);
  add(m_.fees, t.fees_lamports);
  add(m_.cu_used, t.cu_used);
  if (!r.slots.empty()) {
    const sim::SlotRecord& last = r.slots.back();
    m_.slot.Set(static_cast<double>(last.slot));
    m_.leader.Set(0.0); // the run is over: the final progress message said not leader
    m_.block_cost.Set(0.0);
    m_.block_limit.Set(static_cast<double>(last.block_limit));
  }
}

} // namespace extpack::apps
