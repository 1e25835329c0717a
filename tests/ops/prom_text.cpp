// Prometheus text format parser and loopback HTTP GET; see prom_text.hpp.
#include "prom_text.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>

namespace extpack::test {

namespace {

bool is_name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool is_name_char(char c) {
  return is_name_start(c) || std::isdigit(static_cast<unsigned char>(c));
}

/// A cursor over one line.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  [[nodiscard]] bool done() const { return i >= s.size(); }
  [[nodiscard]] char peek() const { return done() ? '\0' : s[i]; }
  void skip_blanks() {
    while (!done() && (s[i] == ' ' || s[i] == '\t'))
      ++i;
  }
  std::string name() {
    std::size_t start = i;
    if (done() || !is_name_start(s[i])) return {};
    while (!done() && is_name_char(s[i]))
      ++i;
    return std::string(s.substr(start, i - start));
  }
  std::string token() {
    std::size_t start = i;
    while (!done() && s[i] != ' ' && s[i] != '\t')
      ++i;
    return std::string(s.substr(start, i - start));
  }
};

bool parse_double(const std::string& t, double& out) {
  if (t.empty()) return false;
  errno = 0;
  char* end = nullptr;
  out = std::strtod(t.c_str(), &end);
  return end == t.c_str() + t.size() && errno != ERANGE;
}

/// Unescapes HELP text (\\ and \n) or a label value (also \").
Result<std::string> unescape(std::string_view raw, bool quote_allowed) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      out += raw[i];
      continue;
    }
    if (++i == raw.size()) return make_error("dangling backslash");
    switch (raw[i]) {
    case '\\':
      out += '\\';
      break;
    case 'n':
      out += '\n';
      break;
    case '"':
      if (!quote_allowed) return make_error("\\\" is not an escape in HELP text");
      out += '"';
      break;
    default:
      return make_error("unknown escape \\{}", raw[i]);
    }
  }
  return out;
}

Result<PromLabels> parse_labels(Cursor& c) {
  PromLabels labels;
  ++c.i; // '{'
  while (true) {
    c.skip_blanks();
    if (c.peek() == '}') {
      ++c.i;
      return labels;
    }
    std::string key = c.name();
    if (key.empty()) return make_error("expected a label name at column {}", c.i + 1);
    if (c.peek() != '=') return make_error("expected '=' after label {}", key);
    ++c.i;
    if (c.peek() != '"') return make_error("expected '\"' to open label {}'s value", key);
    ++c.i;
    std::size_t start = c.i;
    while (!c.done() && c.s[c.i] != '"')
      c.i += c.s[c.i] == '\\' ? 2 : 1;
    if (c.done()) return make_error("label {}'s value is not closed", key);
    auto value = unescape(c.s.substr(start, c.i - start), true);
    if (!value) return value.error();
    ++c.i; // closing quote
    if (!labels.emplace(key, std::move(*value)).second) {
      return make_error("label {} appears twice", key);
    }
    c.skip_blanks();
    if (c.peek() == ',') {
      ++c.i;
    } else if (c.peek() != '}') {
      return make_error("expected ',' or '}}' after label {}", key);
    }
  }
}

/// The family a sample called `name` belongs to, given the families declared so far.
std::string family_of(const std::map<std::string, PromFamily>& families, const std::string& name) {
  if (families.count(name) != 0) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string_view n = name;
    std::string_view s = suffix;
    if (n.size() <= s.size() || n.substr(n.size() - s.size()) != s) continue;
    std::string base(n.substr(0, n.size() - s.size()));
    auto it = families.find(base);
    if (it == families.end()) continue;
    if (it->second.type == "histogram" || (it->second.type == "summary" && s != "_bucket")) {
      return base;
    }
  }
  return name;
}

} // namespace

std::optional<double> PromScrape::value(std::string_view name, const PromLabels& labels) const {
  for (const auto& [family_name, family] : families) {
    for (const auto& s : family.samples) {
      if (s.name == name && s.labels == labels) return s.value;
    }
  }
  return std::nullopt;
}

Result<PromScrape> parse_prometheus_text(std::string_view text) {
  static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                               "untyped"};
  PromScrape out;
  std::set<std::pair<std::string, PromLabels>> seen;
  std::size_t line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    auto fail = [&](const Error& e) {
      return make_error("line {}: {}: \"{}\"", line_no, e.message, line);
    };
    if (line.empty()) continue;
    Cursor c{line};
    if (line.front() == '#') {
      ++c.i;
      c.skip_blanks();
      std::string keyword = c.token();
      if (keyword != "HELP" && keyword != "TYPE") continue; // a plain comment
      c.skip_blanks();
      std::string name = c.name();
      if (name.empty()) return fail(make_error("{} without a metric name", keyword));
      auto& family = out.families[name];
      if (!family.samples.empty()) {
        return fail(make_error("{} for {} after its samples", keyword, name));
      }
      c.skip_blanks();
      std::string_view rest = line.substr(c.i);
      if (keyword == "HELP") {
        auto help = unescape(rest, false);
        if (!help) return fail(help.error());
        family.help = std::move(*help);
      } else {
        if (!family.type.empty()) return fail(make_error("second TYPE for {}", name));
        if (kTypes.count(std::string(rest)) == 0) {
          return fail(make_error("unknown type '{}'", rest));
        }
        family.type = std::string(rest);
      }
      continue;
    }
    PromSample sample;
    sample.name = c.name();
    if (sample.name.empty()) return fail(make_error("a sample must start with a metric name"));
    if (c.peek() == '{') {
      auto labels = parse_labels(c);
      if (!labels) return fail(labels.error());
      sample.labels = std::move(*labels);
    }
    if (c.peek() != ' ' && c.peek() != '\t') return fail(make_error("expected a blank"));
    c.skip_blanks();
    if (!parse_double(c.token(), sample.value)) return fail(make_error("value is no number"));
    c.skip_blanks();
    if (!c.done()) {
      double timestamp = 0;
      if (!parse_double(c.token(), timestamp)) return fail(make_error("bad timestamp"));
      c.skip_blanks();
      if (!c.done()) return fail(make_error("trailing text"));
    }
    if (!seen.emplace(sample.name, sample.labels).second) {
      return fail(make_error("duplicate sample {}", sample.name));
    }
    std::string family_name = family_of(out.families, sample.name);
    auto& family = out.families[family_name];
    if (family.type == "histogram" && sample.name == family_name + "_bucket" &&
        sample.labels.count("le") == 0) {
      return fail(make_error("histogram bucket without an le label"));
    }
    family.samples.push_back(std::move(sample));
  }
  return out;
}

Result<HttpResponse> http_get_loopback(std::uint16_t port, std::string_view path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return make_error("socket: {}", std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return make_error("connect to 127.0.0.1:{}: {}", port, std::strerror(errno));
  }
  std::string request = fmt::format("GET {} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n", path, port);
  for (std::size_t sent = 0; sent < request.size();) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return make_error("send: {}", std::strerror(errno));
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) return make_error("recv: {}", std::strerror(errno));
    if (n == 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  auto header_end = raw.find("\r\n\r\n");
  if (header_end == std::string::npos)
    return make_error("no end of headers in {} bytes", raw.size());
  HttpResponse resp;
  std::string_view head(raw.data(), header_end);
  auto first_eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, first_eol);
  if (status_line.substr(0, 5) != "HTTP/" || status_line.size() < 12) {
    return make_error("bad status line \"{}\"", status_line);
  }
  resp.status = std::atoi(std::string(status_line.substr(9, 3)).c_str());
  std::string_view rest = first_eol == std::string_view::npos ? "" : head.substr(first_eol + 2);
  while (!rest.empty()) {
    auto eol = rest.find("\r\n");
    std::string_view h = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? "" : rest.substr(eol + 2);
    auto colon = h.find(':');
    if (colon == std::string_view::npos) return make_error("bad header \"{}\"", h);
    std::string key(h.substr(0, colon));
    for (auto& ch : key)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::string_view value = h.substr(colon + 1);
    while (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
    resp.headers[key] = std::string(value);
  }
  resp.body = raw.substr(header_end + 4);
  if (auto it = resp.headers.find("content-length"); it != resp.headers.end()) {
    auto want = std::strtoull(it->second.c_str(), nullptr, 10);
    if (want != resp.body.size()) {
      return make_error("Content-Length {} but {} body bytes", want, resp.body.size());
    }
  }
  return resp;
}

} // namespace extpack::test
