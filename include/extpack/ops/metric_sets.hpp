// The metrics extpack-pack and agave-sim export, with their names fixed in one place (the
// Grafana dashboard in deploy/grafana and docs/OPERATIONS.md use these names).
//
// Pack counts every transaction outcome: received, scheduled, included, not included by
// the validator's reason, dropped by pack's own reason; plus gauges of what is waiting
// and in flight, and two latency histograms. Each member is a reference created at
// construction, so the pack loop only increments.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "extpack/ops/metrics.hpp"

namespace extpack::ops {

/// Histogram bounds of time to inclusion, seconds: 1 ms .. ~16 s (a slot is 0.4 s).
[[nodiscard]] std::vector<double> inclusion_time_buckets();
/// Histogram bounds of one scheduling pass, seconds: 1 us .. ~65 ms.
[[nodiscard]] std::vector<double> schedule_pass_buckets();

/// Label values pack decides itself.
struct PackMetricLabels {
  std::span<const std::string_view> drop_reasons;       ///< pack's drop reasons
  std::span<const std::string_view> message_rejections; ///< why a message was rejected
  std::uint32_t workers = 0;                            ///< one queue-depth series each
};

struct PackMetrics {
  PackMetrics(MetricsRegistry& registry, const PackMetricLabels& labels);

  Counter& received;                 ///< extpack_pack_received_total
  Counter& scheduled;                ///< extpack_pack_scheduled_total (sent in execution batches)
  Counter& included;                 ///< extpack_pack_included_total
  ReasonCounters not_included;       ///< extpack_pack_not_included_total{reason}
  LabeledCounters dropped;           ///< extpack_pack_dropped_total{reason}
  Counter& batches_sent;             ///< extpack_pack_batches_total{kind="execute"}
  Counter& resolve_batches;          ///< extpack_pack_batches_total{kind="resolve"}
  LabeledCounters rejected_messages; ///< extpack_pack_rejected_messages_total{reason}
  Counter& fees_captured;            ///< extpack_pack_fees_captured_lamports_total (included txs)
  Gauge& backlog;                    ///< extpack_pack_backlog_transactions (held, not in flight)
  Gauge& inflight_cost;              ///< extpack_pack_inflight_cost_units
  Gauge& inflight_batches;           ///< extpack_pack_inflight_batches
  Gauge& tpu_queue_depth;            ///< extpack_pack_queue_depth{queue="tpu_to_pack"}
  Gauge& progress_queue_depth;       ///< extpack_pack_queue_depth{queue="progress_tracker"}
  std::vector<Gauge*>
      worker_queue_depth;       ///< extpack_pack_queue_depth{queue="worker_to_pack",worker}
  Gauge& slot;                  ///< extpack_pack_slot (latest progress message)
  Gauge& leader;                ///< extpack_pack_leader (1 while the validator is leader)
  Gauge& block_cost_remaining;  ///< extpack_pack_block_cost_remaining_units
  Histogram& time_to_inclusion; ///< extpack_pack_time_to_inclusion_seconds
  Histogram& schedule_pass;     ///< extpack_pack_schedule_pass_seconds
};

/// Label values the simulator decides itself.
struct SimMetricLabels {
  std::span<const std::string_view> feed_drop_reasons;     ///< sim::FeedDrop names
  std::span<const std::string_view> not_processed_reasons; ///< sim::Rejection names
};

struct SimMetrics {
  SimMetrics(MetricsRegistry& registry, const SimMetricLabels& labels);

  Counter& fed;                  ///< extpack_sim_fed_total
  LabeledCounters feed_dropped;  ///< extpack_sim_feed_dropped_total{reason}
  Counter& included;             ///< extpack_sim_included_total
  ReasonCounters not_included;   ///< extpack_sim_not_included_total{reason}
  LabeledCounters not_processed; ///< extpack_sim_not_processed_total{reason}
  Counter& batches;              ///< extpack_sim_batches_total{kind="execute"}
  Counter& resolve_batches;      ///< extpack_sim_batches_total{kind="resolve"}
  Counter& fees;                 ///< extpack_sim_fees_lamports_total (leader reward)
  Counter& cu_used;              ///< extpack_sim_cost_units_total (included, executed)
  Gauge& slot;                   ///< extpack_sim_slot
  Gauge& leader;                 ///< extpack_sim_leader
  Gauge& block_cost;             ///< extpack_sim_block_cost_units (latest slot that ended)
  Gauge& block_limit;            ///< extpack_sim_block_limit_units
};

} // namespace extpack::ops
