// agave-sim's Prometheus metrics (ops::SimMetrics), filled from a finished run's report.
// sim::run keeps its counters to itself while it runs, so the endpoint shows the totals
// once the slots are over (in handshake mode the simulator then stays up until pack exits,
// which is when a scrape sees them) and 0 before.
#pragma once

#include "extpack/ops/metric_sets.hpp"
#include "extpack/sim/stats.hpp"

namespace extpack::apps {

class SimReportMetrics {
public:
  explicit SimReportMetrics(ops::MetricsRegistry& registry);
  /// Adds the report's totals and sets the gauges to its last slot.
  void publish(const sim::RunReport& report);

private:
  ops::SimMetrics m_;
};

} // namespace extpack::apps
