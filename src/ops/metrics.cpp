// The metrics registry facade; see metrics.hpp.
#include "extpack/ops/metrics.hpp"

#include <prometheus/text_serializer.h>

#include "extpack/abi/messages.hpp"

namespace extpack::ops {

MetricsRegistry::MetricsRegistry() : registry_(std::make_shared<prometheus::Registry>()) {}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                  const Labels& labels) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(*registry_).Add(labels);
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                              const Labels& labels) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(*registry_).Add(labels);
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                      const std::vector<double>& buckets, const Labels& labels) {
  return prometheus::BuildHistogram()
      .Name(name)
      .Help(help)
      .Register(*registry_)
      .Add(labels, buckets);
}

LabeledCounters MetricsRegistry::labeled_counters(const std::string& name, const std::string& help,
                                                  const std::string& label,
                                                  std::span<const std::string_view> values) {
  auto& family = prometheus::BuildCounter().Name(name).Help(help).Register(*registry_);
  LabeledCounters out;
  for (auto v : values)
    out.counters_.push_back(&family.Add({{label, std::string(v)}}));
  return out;
}

ReasonCounters MetricsRegistry::reason_counters(const std::string& name, const std::string& help) {
  namespace reasons = abi::not_included_reasons;
  auto& family = prometheus::BuildCounter().Name(name).Help(help).Register(*registry_);
  ReasonCounters out;
  for (unsigned code = 0; code < out.by_code_.size(); ++code) {
    // Family::Add returns the existing series for a label set it already has.
    out.by_code_[code] = &family.Add({{"reason", reasons::name(static_cast<std::uint8_t>(code))}});
  }
  return out;
}

std::string MetricsRegistry::text() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

std::vector<double> exponential_buckets(double start, double factor, std::size_t count) {
  std::vector<double> out;
  out.reserve(count);
  for (double b = start; out.size() < count; b *= factor)
    out.push_back(b);
  return out;
}

} // namespace extpack::ops
