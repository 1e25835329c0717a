// agave-sim's Prometheus metrics (ops::SimMetrics), kept live during a run: the slot clock
// calls publish_slot() as each slot ends (RunHooks::on_totals) with the run's counters so
// far, and publish() at the end brings them to the run's final totals. Counters advance by
// what grew since the previous call, so a scrape during a run sees them rise slot by slot
// and the totals are counted once. Gauges describe the latest slot that ended.
#pragma once

#include "extpack/ops/metric_sets.hpp"
#include "extpack/sim/stats.hpp"

namespace extpack::apps {

class SimReportMetrics {
public:
  explicit SimReportMetrics(ops::MetricsRegistry& registry);
  /// A new run (session) begins: its counters start from zero again, while the exported
  /// counters keep adding up across runs.
  void begin_run();
  /// Adds what grew since the last call and sets the gauges to `slot`. Slot-clock thread.
  void publish_slot(const sim::SlotRecord& slot, const sim::Totals& so_far);
  /// Adds the rest of the report's totals; the run is over, so the validator is not leader.
  void publish(const sim::RunReport& report);

private:
  void advance(const sim::Totals& t);

  ops::SimMetrics m_;
  sim::Totals seen_; ///< this run's totals already exported
};

} // namespace extpack::apps
