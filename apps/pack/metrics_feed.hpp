// Feeds pack's Prometheus metrics from the runtime's counters. The runtime keeps plain
// counters and fixed-bucket histograms (PackStats, SchedCounters) and knows nothing of
// Prometheus, so the pack loop calls update() every ~100 ms and at exit: counters advance
// by the difference since the last call, histogram buckets by their new samples (the pack
// histograms have the Prometheus buckets' bounds), gauges are set to the current values.
// Everything runs on the pack loop's thread.
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
  /// A pack histogram's state already exported, and the scratch vector of increments.
  struct HistogramSeen {
    std::array<std::uint64_t, pack::LatencyHistogram::MAX_BOUNDS + 1> buckets{};
    std::uint64_t sum_ns = 0;
    std::vector<double> increments;
  };
  HistogramSeen inclusion_seen_, pass_seen_;
};

/// Whether pack histogram `h` has exactly the bucket bounds `bounds_s` (seconds) of the
/// Prometheus histogram it feeds; the feed refuses to start otherwise.
[[nodiscard]] bool same_buckets(const pack::LatencyHistogram& h,
                                const std::vector<double>& bounds_s);

/// Label values of extpack_pack_dropped_total: every sched::DropReason except NotIncluded
/// (those are extpack_pack_not_included_total, by the validator's reason), in enum order.
[[nodiscard]] const std::vector<std::string_view>& pack_drop_labels();
/// Label values of extpack_pack_rejected_messages_total: every pack::Reject but None.
[[nodiscard]] const std::vector<std::string_view>& pack_reject_labels();

} // namespace extpack::apps
