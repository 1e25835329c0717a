// Parsing of metrics listen addresses; see listen_address.hpp.
#include "extpack/ops/listen_address.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace extpack::ops {

std::string ListenAddress::to_string() const {
  return fmt::format("{}:{}", host, port);
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return make_error("\"{}\" is not an IPv4 listen address ({}); write e.g. 127.0.0.1:9464", text,
                      why);
  };
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("no ':PORT'");
  std::string host(text.substr(0, colon));
  std::string_view port_text = text.substr(colon + 1);
  in_addr addr{};
  if (::inet_pton(AF_INET, host.c_str(), &addr) != 1) return bad("host is not A.B.C.D");
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return bad("port is not 0..65535");
  }
  return ListenAddress{std::move(host), static_cast<std::uint16_t>(port)};
}

} // namespace extpack::ops
