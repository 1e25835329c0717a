// The /metrics endpoint; see metrics_server.hpp.
#include "extpack/ops/metrics_server.hpp"

#include <exception>
#include <string>

#include <prometheus/exposer.h>

namespace extpack::ops {

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const ListenAddress& address,
                                                            const MetricsRegistry& registry) {
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->registry_ = registry.registry();
  try {
    server->exposer_ = std::make_unique<prometheus::Exposer>(address.to_string(), 1);
  } catch (const std::exception& e) {
    return make_error("metrics endpoint cannot listen on {}: {} (address in use or not "
                      "local?)",
                      address.to_string(), e.what());
  }
  server->exposer_->RegisterCollectable(server->registry_);
  auto ports = server->exposer_->GetListeningPorts();
  if (ports.empty()) {
    return make_error("metrics endpoint on {} reports no listening port", address.to_string());
  }
  server->port_ = static_cast<std::uint16_t>(ports.front());
  return server;
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(std::string_view listen,
                                                            const MetricsRegistry& registry) {
  auto address = parse_listen_address(listen);
  if (!address) return address.error();
  return start(*address, registry);
}

MetricsServer::~MetricsServer() = default;

} // namespace extpack::ops
