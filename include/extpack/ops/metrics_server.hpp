// Serves a MetricsRegistry at http://ADDRESS/metrics in the Prometheus text format, on
// prometheus-cpp's embedded civetweb server (one thread; scrapes are rare).
//
// Bind to loopback (127.0.0.1) unless a scraper on another host needs it: the endpoint
// has no authentication.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "extpack/common/result.hpp"
#include "extpack/ops/listen_address.hpp"
#include "extpack/ops/metrics.hpp"

namespace prometheus {
class Exposer;
}

namespace extpack::ops {

class MetricsServer {
public:
  /// Starts serving `registry` (kept alive by the server). Port 0 picks a free port; see
  /// port(). The error names the address and why it could not bind.
  static Result<std::unique_ptr<MetricsServer>> start(const ListenAddress& address,
                                                      const MetricsRegistry& registry);
  /// Same for configuration text ("127.0.0.1:9464"); "off" is an error here, so check
  /// for it first.
  static Result<std::unique_ptr<MetricsServer>> start(std::string_view listen,
                                                      const MetricsRegistry& registry);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  /// The port actually bound.
  [[nodiscard]] std::uint16_t port() const { return port_; }

private:
  MetricsServer() = default;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::uint16_t port_ = 0;
};

} // namespace extpack::ops
