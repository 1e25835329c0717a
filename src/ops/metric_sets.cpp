// The metrics of extpack-pack and agave-sim; see metric_sets.hpp.
#include "extpack/ops/metric_sets.hpp"

#include <string>

namespace extpack::ops {

std::vector<double> inclusion_time_buckets() {
  return exponential_buckets(0.001, 2.0, 15);
}

std::vector<double> schedule_pass_buckets() {
  return exponential_buckets(1e-6, 2.0, 17);
}

namespace {
Gauge& queue_depth(MetricsRegistry& r, const Labels& labels) {
  return r.gauge("extpack_pack_queue_depth", "Messages waiting in a shared-memory queue", labels);
}
} // namespace

PackMetrics::PackMetrics(MetricsRegistry& r, const PackMetricLabels& labels)
    : received(r.counter("extpack_pack_received_total", "Transactions pack read from tpu_to_pack")),
      scheduled(r.counter("extpack_pack_scheduled_total",
                          "Transactions sent to workers in execution batches")),
      included(
          r.counter("extpack_pack_included_total", "Transactions the validator reported included")),
      not_included(r.reason_counters("extpack_pack_not_included_total",
                                     "Transactions the validator reported not included, by "
                                     "not_included_reason")),
      dropped(r.labeled_counters("extpack_pack_dropped_total",
                                 "Transactions pack dropped without inclusion, by reason", "reason",
                                 labels.drop_reasons)),
      batches_sent(r.counter("extpack_pack_batches_total", "Batches sent to workers",
                             {{"kind", "execute"}})),
      resolve_batches(r.counter("extpack_pack_batches_total", "Batches sent to workers",
                                {{"kind", "resolve"}})),
      rejected_messages(r.labeled_counters("extpack_pack_rejected_messages_total",
                                           "Messages from the validator pack rejected, by "
                                           "reason",
                                           "reason", labels.message_rejections)),
      fees_captured(r.counter("extpack_pack_fees_captured_lamports_total",
                              "Fees of included transactions, lamports")),
      backlog(r.gauge("extpack_pack_backlog_transactions",
                      "Transactions held by pack and not in flight")),
      inflight_cost(r.gauge("extpack_pack_inflight_cost_units",
                            "Estimated cost units of batches sent and not yet answered")),
      inflight_batches(
          r.gauge("extpack_pack_inflight_batches", "Batches sent and not yet answered")),
      tpu_queue_depth(queue_depth(r, {{"queue", "tpu_to_pack"}})),
      progress_queue_depth(queue_depth(r, {{"queue", "progress_tracker"}})),
      slot(r.gauge("extpack_pack_slot", "Slot of the latest progress message")),
      leader(r.gauge("extpack_pack_leader", "1 while the validator is leader, else 0")),
      block_cost_remaining(r.gauge("extpack_pack_block_cost_remaining_units",
                                   "Block cost units the validator reported remaining")),
      time_to_inclusion(r.histogram("extpack_pack_time_to_inclusion_seconds",
                                    "From arrival in pack to the included response",
                                    inclusion_time_buckets())),
      schedule_pass(r.histogram("extpack_pack_schedule_pass_seconds",
                                "Duration of one scheduling pass", schedule_pass_buckets())) {
  for (std::uint32_t w = 0; w < labels.workers; ++w) {
    worker_queue_depth.push_back(
        &queue_depth(r, {{"queue", "worker_to_pack"}, {"worker", std::to_string(w)}}));
  }
}

SimMetrics::SimMetrics(MetricsRegistry& r, const SimMetricLabels& labels)
    : fed(r.counter("extpack_sim_fed_total", "Transactions the TPU feed handed to pack")),
      feed_dropped(r.labeled_counters("extpack_sim_feed_dropped_total",
                                      "Transactions the TPU feed dropped, by reason", "reason",
                                      labels.feed_drop_reasons)),
      included(r.counter("extpack_sim_included_total", "Transactions the bank included")),
      not_included(r.reason_counters("extpack_sim_not_included_total",
                                     "Transactions answered not included, by reason")),
      not_processed(r.labeled_counters("extpack_sim_not_processed_total",
                                       "Batches answered NOT_PROCESSED, by reason", "reason",
                                       labels.not_processed_reasons)),
      batches(r.counter("extpack_sim_batches_total", "Batches workers processed",
                        {{"kind", "execute"}})),
      resolve_batches(r.counter("extpack_sim_batches_total", "Batches workers processed",
                                {{"kind", "resolve"}})),
      fees(r.counter("extpack_sim_fees_lamports_total", "Leader reward captured, lamports")),
      cu_used(r.counter("extpack_sim_cost_units_total", "Executed cost of included txs")),
      slot(r.gauge("extpack_sim_slot", "Current slot")),
      leader(r.gauge("extpack_sim_leader", "1 in leader slots, else 0")),
      block_cost(
          r.gauge("extpack_sim_block_cost_units", "Block cost of the latest slot that ended")),
      block_limit(r.gauge("extpack_sim_block_limit_units", "Block cost limit")) {}

} // namespace extpack::ops
