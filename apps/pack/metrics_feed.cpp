// Pack metrics from the runtime's counters; see metrics_feed.hpp.
#include "metrics_feed.hpp"

#include <cmath>
#include <stdexcept>

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

template <typename Seen>
void advance(ops::Histogram& out, const pack::LatencyHistogram& h, Seen& seen) {
  const std::size_t n = h.bounds + 1;
  seen.increments.assign(n, 0.0);
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (h.buckets[i] > seen.buckets[i]) {
      seen.increments[i] = static_cast<double>(h.buckets[i] - seen.buckets[i]);
      any = true;
    }
    seen.buckets[i] = h.buckets[i];
  }
  if (!any) return;
  out.ObserveMultiple(seen.increments, static_cast<double>(h.sum_ns - seen.sum_ns) * 1e-9);
  seen.sum_ns = h.sum_ns;
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

bool same_buckets(const pack::LatencyHistogram& h, const std::vector<double>& bounds_s) {
  if (bounds_s.size() != h.bounds) return false;
  for (std::size_t i = 0; i < h.bounds; ++i) {
    const double want = static_cast<double>(h.bound_ns(i)) * 1e-9;
    if (std::abs(bounds_s[i] - want) > want * 1e-9) return false;
  }
  return true;
}

PackMetricsFeed::PackMetricsFeed(ops::MetricsRegistry& registry, std::uint32_t workers)
    : m_(registry, ops::PackMetricLabels{pack_drop_labels(), pack_reject_labels(), workers}) {
  const pack::PackStats bounds;
  if (!same_buckets(bounds.time_to_inclusion, ops::inclusion_time_buckets()) ||
      !same_buckets(bounds.schedule_pass, ops::schedule_pass_buckets())) {
    throw std::logic_error("pack histogram bounds differ from the Prometheus buckets");
  }
}

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
  advance(m_.time_to_inclusion, s.time_to_inclusion, inclusion_seen_);
  advance(m_.schedule_pass, s.schedule_pass, pass_seen_);

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
