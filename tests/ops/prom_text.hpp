// Test helpers for the metrics endpoint: a parser of the Prometheus text exposition
// format (version 0.0.4) and a minimal HTTP/1.0 GET over a loopback TCP socket. Written
// for the tests so that they check what a scraper would see, not strings in a buffer.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "extpack/common/result.hpp"

namespace extpack::test {

using PromLabels = std::map<std::string, std::string>;

struct PromSample {
  std::string name; ///< full sample name, e.g. "x_bucket"
  PromLabels labels;
  double value = 0;
};

struct PromFamily {
  std::string help;
  std::string type; ///< counter, gauge, histogram, summary, untyped
  std::vector<PromSample> samples;
};

struct PromScrape {
  std::map<std::string, PromFamily> families;

  /// The value of sample `name` with exactly `labels`, if present.
  [[nodiscard]] std::optional<double> value(std::string_view name,
                                            const PromLabels& labels = {}) const;
};

/// Parses a whole exposition; the error names the line number and what is wrong.
Result<PromScrape> parse_prometheus_text(std::string_view text);

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers; ///< names lower-cased
  std::string body;
};

/// GET `path` from 127.0.0.1:`port`; the error names the step that failed.
Result<HttpResponse> http_get_loopback(std::uint16_t port, std::string_view path);

} // namespace extpack::test
