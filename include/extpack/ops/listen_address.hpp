// The address a metrics endpoint listens on, as written in configuration:
// "127.0.0.1:9464". IPv4 only, because the endpoint is meant for loopback or a private
// management network; port 0 asks the kernel for a free port (tests).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "extpack/common/result.hpp"

namespace extpack::ops {

struct ListenAddress {
  std::string host; ///< dotted IPv4, e.g. "127.0.0.1"
  std::uint16_t port = 0;

  /// "host:port", the form civetweb and Prometheus scrape configs use.
  [[nodiscard]] std::string to_string() const;
};

/// Parses "A.B.C.D:PORT"; the error quotes the text and shows the expected form.
[[nodiscard]] Result<ListenAddress> parse_listen_address(std::string_view text);

} // namespace extpack::ops
