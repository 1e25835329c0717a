// Pack metrics from the runtime's counters; see metrics_feed.hpp.
#include "metrics_feed.hpp"

namespace extpack::apps {

namespace {

using sched::DropReason;

constexpr auto NOT_INCLUDED = static_cast<std::size_t>(DropReason::NotIncluded);

/// Index of drop reason `r` in pack_drop_labels().
std::size_t drop_label_index(std::size_t r) {
  return r < NOT_INCLUDED ? r : r - 1;
}

void advance(ops::Counter& c, std::uint64_t now, std::uint64_t& seen) {
  if (now > seen) c.Increment(static_cast<double>(now - seen));
  seen = now;
}

} // namespace

const std::vector<std::string_view>& pack_drop_labels() {
  static const std::vector<std::string_view> labels = [] {
    std::vector<std::string_view> v;
    for (std::size_t i = 0; i < pack::PackStats::NUM_DROP; ++i) {
      if (i != NOT_INCLUDED) v.emplace_back(sched::to_string(static_cast<DropReason>(i)));
    }
    return v;
  }();
  return labels;
}

const std::vector<std::string_view>& pack_reject_labels() {
  static const std::vector<std::string_view> labels = [] {
    std::vector<std::string_view> v;
    for (std::size_t i = 1; i < pack::PackStats::NUM_REJECT; ++i) {
      v.emplace_back(pack::to_string(static_cast<pack::Reject>(i)));
    }
    return v;
  }();
  return labels;
}

PackMetricsFeed::PackMetricsFeed(ops::MetricsRegistry& registry, std::uint32_t workers)
    : m_(registry, ops::PackMetricLabels{pack_drop_labels(), pack_reject_labels(), workers}) {}

void PackMetricsFeed::update(const pack::PackRuntime& rt, session::PackSession& session) {
  const pack::PackStats& s = rt.stats();
  const sched::Scheduler& sc = rt.scheduler();
  const sched::SchedCounters& c = sc.counters();
  advance(m_.received, s.received, received_);
  advance(m_.scheduled, c.scheduled, scheduled_);
  advance(m_.included, c.included, included_);
  advance(m_.batches_sent, c.execution_batches, batches_);
  advance(m_.resolve_batches, c.resolve_batches, resolves_);
  advance(m_.fees_captured, c.fees_captured, fees_);
  for (std::size_t i = 0; i < s.dropped.size(); ++i) {
    if (i != NOT_INCLUDED) advance(m_.dropped[drop_label_index(i)], s.dropped[i], dropped_[i]);
  }
  for (std::size_t code = 0; code < s.not_included.size(); ++code) {
    advance(m_.not_included[static_cast<std::uint8_t>(code)], s.not_included[code],
            not_included_[code]);
  }
  for (std::size_t i = 1; i < s.rejected.size(); ++i) {
    advance(m_.rejected_messages[i - 1], s.rejected[i], rejected_[i]);
  }

  const sched::Container& box = sc.container();
  m_.backlog.Set(static_cast<double>(box.ready_size() + box.unresolved_size()));
  m_.inflight_cost.Set(static_cast<double>(sc.budget().in_flight()));
  m_.inflight_batches.Set(static_cast<double>(rt.in_flight_batches()));
  m_.tpu_queue_depth.Set(static_cast<double>(session.tpu_to_pack.len()));
  m_.progress_queue_depth.Set(static_cast<double>(session.progress_tracker.len()));
  for (std::size_t w = 0; w < m_.worker_queue_depth.size() && w < session.worker_to_pack.size();
       ++w) {
    m_.worker_queue_depth[w]->Set(static_cast<double>(session.worker_to_pack[w].len()));
  }
  m_.slot.Set(static_cast<double>(sc.slot()));
  m_.leader.Set(sc.leader() ? 1.0 : 0.0);
  m_.block_cost_remaining.Set(static_cast<double>(sc.budget().available()));
}

} // namespace extpack::apps
