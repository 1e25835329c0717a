// Feeds pack's Prometheus metrics from the runtime's counters. The runtime keeps plain
// counters (PackStats, SchedCounters) and has no per-event hooks, so the pack loop calls
// update() every ~100 ms and at exit: counters advance by the difference since the last
// call, gauges are set to the current values. Everything runs on the pack loop's thread.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "extpack/ops/metric_sets.hpp"
#include "extpack/pack/runtime.hpp"
#include "extpack/session/session.hpp"

namespace extpack::apps {

class PackMetricsFeed {
public:
  /// Registers every series in `registry` (they exist, at 0, from the first scrape).
  PackMetricsFeed(ops::MetricsRegistry& registry, std::uint32_t workers);

  /// Brings the metrics up to date with `rt` and the queues of `session`.
  void update(const pack::PackRuntime& rt, session::PackSession& session);

private:
  ops::PackMetrics m_;
  // Values already exported, to add only the difference.
  std::uint64_t received_ = 0, scheduled_ = 0, included_ = 0, batches_ = 0, resolves_ = 0,
                fees_ = 0;
  std::array<std::uint64_t, pack::PackStats::NUM_DROP> dropped_{};
  std::array<std::uint64_t, 256> not_included_{};
  std::array<std::uint64_t, pack::PackStats::NUM_REJECT> rejected_{};
};

/// Label values of extpack_pack_dropped_total: every sched::DropReason except NotIncluded
/// (those are extpack_pack_not_included_total, by the validator's reason), in enum order.
[[nodiscard]] const std::vector<std::string_view>& pack_drop_labels();
/// Label values of extpack_pack_rejected_messages_total: every pack::Reject but None.
[[nodiscard]] const std::vector<std::string_view>& pack_reject_labels();

} // namespace extpack::apps
