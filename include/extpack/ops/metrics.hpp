// A small facade over prometheus-cpp's registry: create counters, gauges and histograms
// once at start-up, keep references, and touch only those references on hot paths (an
// increment is one relaxed atomic add; no name or label lookup per event).
//
// Label sets with a fixed, known list of values (reasons, queue names) are created eagerly
// as LabeledCounters, so every series exists from the first scrape with value 0, which is
// what rate() and absent-series alerts need.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace extpack::ops {

using Counter = prometheus::Counter;
using Gauge = prometheus::Gauge;
using Histogram = prometheus::Histogram;
using Labels = std::map<std::string, std::string>;

/// Counters of one family that differ in one label, indexed like the values given.
class LabeledCounters {
public:
  LabeledCounters() = default;
  [[nodiscard]] Counter& operator[](std::size_t i) const { return *counters_.at(i); }
  [[nodiscard]] std::size_t size() const { return counters_.size(); }

private:
  friend class MetricsRegistry;
  std::vector<Counter*> counters_;
};

/// Counters by abi::not_included_reasons code: code c counts under
/// reason=not_included_reasons::name(c); reserved and undefined codes share "RESERVED" and
/// "UNDEFINED". Indexing is an array load.
class ReasonCounters {
public:
  [[nodiscard]] Counter& operator[](std::uint8_t code) const { return *by_code_[code]; }

private:
  friend class MetricsRegistry;
  std::array<Counter*, 256> by_code_{};
};

class MetricsRegistry {
public:
  MetricsRegistry();

  /// Registers (or finds) series `labels` of counter family `name`. Names follow
  /// Prometheus conventions: snake_case, unit suffix, counters end in _total.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  /// `buckets` are upper bounds in increasing order, in the metric's unit.
  Histogram& histogram(const std::string& name, const std::string& help,
                       const std::vector<double>& buckets, const Labels& labels = {});
  /// One counter per value of `label`, created now.
  LabeledCounters labeled_counters(const std::string& name, const std::string& help,
                                   const std::string& label,
                                   std::span<const std::string_view> values);
  /// One counter per ABI not-included reason name, labeled `reason`.
  ReasonCounters reason_counters(const std::string& name, const std::string& help);

  /// The underlying registry (for an exposer; it must stay alive while served).
  [[nodiscard]] std::shared_ptr<prometheus::Registry> registry() const { return registry_; }
  /// Everything in the Prometheus text exposition format, as /metrics would serve it.
  [[nodiscard]] std::string text() const;

private:
  std::shared_ptr<prometheus::Registry> registry_;
};

/// Histogram buckets from `start` multiplying by `factor`, `count` of them.
[[nodiscard]] std::vector<double> exponential_buckets(double start, double factor,
                                                      std::size_t count);

} // namespace extpack::ops
