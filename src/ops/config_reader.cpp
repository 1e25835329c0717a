// Typed reads of a TOML document with overrides; see config_reader.hpp.
#include "config_reader.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "extpack/ops/listen_address.hpp"
#include "extpack/session/session.hpp"

namespace extpack::ops::detail {

namespace {

std::string describe(const toml::node& n) {
  switch (n.type()) {
  case toml::node_type::string:
    return fmt::format("the string \"{}\"", n.as_string()->get());
  case toml::node_type::integer:
    return fmt::format("the integer {}", n.as_integer()->get());
  case toml::node_type::floating_point:
    return fmt::format("the float {}", n.as_floating_point()->get());
  case toml::node_type::boolean:
    return fmt::format("the boolean {}", n.as_boolean()->get());
  case toml::node_type::table:
    return "a table";
  case toml::node_type::array:
    return "an array";
  default:
    return "a date/time";
  }
}

std::string parent_of(std::string_view key) {
  auto dot = key.rfind('.');
  return dot == std::string_view::npos ? std::string{} : std::string(key.substr(0, dot + 1));
}

} // namespace

ConfigReader::ConfigReader(const toml::table& root, std::string source_name,
                           const ConfigOverrides& overrides)
    : root_(root), source_(std::move(source_name)), overrides_(overrides) {}

ConfigReader::Value ConfigReader::lookup(std::string_view key) {
  known_.emplace(key);
  Value v;
  if (const auto* o = overrides_.find(key)) {
    v.override = o;
    if (o->text.find('\n') != std::string::npos) {
      v.unparsable = true;
      return v;
    }
    try {
      parsed_overrides_.push_back(toml::parse("v = " + o->text));
      v.node = parsed_overrides_.back().get("v");
    } catch (const toml::parse_error&) {
      v.unparsable = true;
    }
    return v;
  }
  v.node = toml::at_path(root_, key).node();
  return v;
}

bool ConfigReader::given(std::string_view key) const {
  return overrides_.find(key) != nullptr || toml::at_path(root_, key).node() != nullptr;
}

std::string ConfigReader::origin(std::string_view key) const {
  if (const auto* o = overrides_.find(key)) return fmt::format("(from {})", o->origin);
  if (const auto* n = toml::at_path(root_, key).node()) {
    return fmt::format("({}:{})", source_, n->source().begin.line);
  }
  return {};
}

void ConfigReader::fail(std::string_view key, std::string_view what) {
  auto where = origin(key);
  errors_.push_back(where.empty() ? fmt::format("{}: {}", key, what)
                                  : fmt::format("{}: {} {}", key, what, where));
}

void ConfigReader::type_error(std::string_view key, std::string_view expected, const Value& v) {
  std::string got = v.unparsable ? fmt::format("\"{}\"", v.override->text) : describe(*v.node);
  fail(key, fmt::format("expected {}, got {}", expected, got));
}

void ConfigReader::read_uint(std::string_view key, std::uint64_t& out, std::uint64_t lo,
                             std::uint64_t hi) {
  Value v = lookup(key);
  if (v.node == nullptr && !v.unparsable) return;
  if (v.unparsable || !v.node->is_integer()) return type_error(key, "an integer", v);
  std::int64_t x = v.node->as_integer()->get();
  if (x < 0 || static_cast<std::uint64_t>(x) < lo || static_cast<std::uint64_t>(x) > hi) {
    return fail(key, fmt::format("{} is out of range {}..{}", x, lo, hi));
  }
  out = static_cast<std::uint64_t>(x);
}

void ConfigReader::read_uint(std::string_view key, std::uint32_t& out, std::uint32_t lo,
                             std::uint32_t hi) {
  std::uint64_t wide = out;
  read_uint(key, wide, lo, hi);
  out = static_cast<std::uint32_t>(wide);
}

void ConfigReader::read_real(std::string_view key, double& out, double lo, double hi) {
  Value v = lookup(key);
  if (v.node == nullptr && !v.unparsable) return;
  double x = 0;
  if (!v.unparsable && v.node->is_floating_point()) {
    x = v.node->as_floating_point()->get();
  } else if (!v.unparsable && v.node->is_integer()) {
    x = static_cast<double>(v.node->as_integer()->get());
  } else {
    return type_error(key, "a number", v);
  }
  if (!std::isfinite(x) || x < lo || x > hi) {
    return fail(key, fmt::format("{} is out of range {}..{}", x, lo, hi));
  }
  out = x;
}

void ConfigReader::read_bool(std::string_view key, bool& out) {
  Value v = lookup(key);
  if (v.node == nullptr && !v.unparsable) return;
  if (v.unparsable || !v.node->is_boolean()) return type_error(key, "true or false", v);
  out = v.node->as_boolean()->get();
}

void ConfigReader::read_string(std::string_view key, std::string& out) {
  known_.emplace(key);
  // A flag's text is the string itself: --stats-out 123 names a file "123".
  if (const auto* o = overrides_.find(key)) {
    out = o->text;
    return;
  }
  Value v = lookup(key);
  if (v.node == nullptr) return;
  if (!v.node->is_string()) return type_error(key, "a string", v);
  out = v.node->as_string()->get();
}

void ConfigReader::read_choice(std::string_view key, std::string& out,
                               std::initializer_list<std::string_view> choices) {
  std::string value = out;
  read_string(key, value);
  for (auto c : choices) {
    if (value == c) {
      out = value;
      return;
    }
  }
  fail(key, fmt::format("\"{}\" is not one of {}", value, fmt::join(choices, ", ")));
}

void ConfigReader::read_params(std::string_view key, ParamMap& out) {
  known_.emplace(key);
  std::string prefix = std::string(key) + ".";
  params_prefixes_.push_back(prefix);
  auto to_param = [](const toml::node& n, ParamValue& p) {
    if (const auto* i = n.as_integer())
      p = i->get();
    else if (const auto* f = n.as_floating_point())
      p = f->get();
    else if (const auto* b = n.as_boolean())
      p = b->get();
    else if (const auto* s = n.as_string())
      p = s->get();
    else
      return false;
    return true;
  };
  if (const auto* node = toml::at_path(root_, key).node()) {
    const auto* table = node->as_table();
    if (table == nullptr) return type_error(key, "a table of parameters", Value{node});
    for (auto&& [name, value] : *table) {
      ParamValue p;
      if (!to_param(value, p)) {
        errors_.push_back(fmt::format("{}{}: expected an integer, float, boolean or string, "
                                      "got {} ({}:{})",
                                      prefix, name.str(), describe(value), source_,
                                      value.source().begin.line));
        continue;
      }
      out[std::string(name.str())] = std::move(p);
    }
  }
  for (const auto& o : overrides_.entries()) {
    if (o.key.rfind(prefix, 0) != 0) continue;
    std::string name = o.key.substr(prefix.size());
    if (name.empty() || name.find('.') != std::string::npos) {
      errors_.push_back(
          fmt::format("{}: a parameter name must be one word (from {})", o.key, o.origin));
      continue;
    }
    ParamValue p = o.text; // text that is no TOML scalar is taken as a string
    if (o.text.find('\n') == std::string::npos) {
      try {
        auto t = toml::parse("v = " + o.text);
        if (!to_param(*t.get("v"), p)) p = o.text;
      } catch (const toml::parse_error&) {
      }
    }
    out[name] = std::move(p);
  }
}

bool ConfigReader::under_params(std::string_view key) const {
  for (const auto& p : params_prefixes_) {
    if (key.substr(0, p.size()) == p) return true;
  }
  return false;
}

std::string ConfigReader::known_siblings(std::string_view key) const {
  std::string parent = parent_of(key);
  auto children = [&](const std::string& prefix) {
    std::set<std::string> names;
    for (const auto& k : known_) {
      if (k.rfind(prefix, 0) != 0) continue;
      std::string rest = k.substr(prefix.size());
      names.insert(rest.substr(0, rest.find('.')));
    }
    return names;
  };
  auto names = children(parent);
  if (names.empty()) { // the section itself is unknown: name the sections there are
    parent.clear();
    names = children(parent);
  }
  if (names.empty()) return {};
  if (parent.empty()) return fmt::format("; sections are {}", fmt::join(names, ", "));
  parent.pop_back();
  return fmt::format("; keys of [{}] are {}", parent, fmt::join(names, ", "));
}

void ConfigReader::walk_unknown(const toml::table& table, const std::string& prefix) {
  for (auto&& [name, node] : table) {
    std::string path = prefix + std::string(name.str());
    if (known_.count(path) != 0 || under_params(path)) continue;
    if (const auto* sub = node.as_table(); sub != nullptr && !sub->empty()) {
      walk_unknown(*sub, path + ".");
      continue;
    }
    errors_.push_back(fmt::format("unknown key '{}' ({}:{}){}", path, source_,
                                  node.source().begin.line, known_siblings(path)));
  }
}

std::vector<std::string> ConfigReader::finish() {
  walk_unknown(root_, "");
  for (const auto& o : overrides_.entries()) {
    if (known_.count(o.key) != 0 || under_params(o.key)) continue;
    errors_.push_back(
        fmt::format("unknown key '{}' (from {}){}", o.key, o.origin, known_siblings(o.key)));
  }
  return std::move(errors_);
}

} // namespace extpack::ops::detail

// ---- documents and shared sections ------------------------------------------------------

namespace extpack::ops::detail {

bool parse_document(std::string_view text, std::string_view source, toml::table& out,
                    std::vector<std::string>& errors) {
  try {
    out = toml::parse(text, source);
    return true;
  } catch (const toml::parse_error& e) {
    errors.push_back(fmt::format("{}:{}:{}: {}", source, e.source().begin.line,
                                 e.source().begin.column, e.description()));
    return false;
  }
}

bool read_document(const std::filesystem::path& file, std::string& out,
                   std::vector<std::string>& errors) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    errors.push_back(
        fmt::format("cannot read config file {}: {}", file.string(), std::strerror(errno)));
    return false;
  }
  try { // a read error (a directory, an I/O error) throws from inside the iterator
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::ios_base::failure& e) {
    errors.push_back(fmt::format("cannot read config file {}: {}", file.string(), e.what()));
    return false;
  }
  return true;
}

void read_log_section(ConfigReader& r, std::string& level) {
  r.read_choice("log.level", level, {"trace", "debug", "info", "warn", "error", "off"});
}

void read_metrics_section(ConfigReader& r, std::string& listen) {
  r.read_string("metrics.listen", listen);
  if (listen == "off") return;
  if (auto addr = parse_listen_address(listen); !addr) {
    r.fail("metrics.listen", addr.error().message + " or \"off\"");
    listen = "off";
  }
}

void read_block_limits(ConfigReader& r, std::string_view section, txn::BlockLimits& limits) {
  // Generous ceilings: mainnet is at 60M (SIMD-0256) with 100M proposed (SIMD-0286).
  constexpr std::uint64_t MAX_UNITS = 1'000'000'000;
  constexpr std::uint64_t MAX_DATA_DELTA = 1'000'000'000'000; // bytes
  auto key = [&](std::string_view name) { return fmt::format("{}.{}", section, name); };
  r.read_uint(key("max_block_units"), limits.max_block_units, 1, MAX_UNITS);
  r.read_uint(key("max_writable_account_units"), limits.max_writable_account_units, 1, MAX_UNITS);
  r.read_uint(key("max_vote_units"), limits.max_vote_units, 1, MAX_UNITS);
  r.read_uint(key("max_block_accounts_data_size_delta"), limits.max_block_accounts_data_size_delta,
              0, MAX_DATA_DELTA);
  for (auto [name, value] :
       {std::pair{"max_writable_account_units", limits.max_writable_account_units},
        std::pair{"max_vote_units", limits.max_vote_units}}) {
    if (value > limits.max_block_units) {
      r.fail(key(name), fmt::format("{} exceeds {} = {}", value, key("max_block_units"),
                                    limits.max_block_units));
    }
  }
}

void read_worker_count(ConfigReader& r, std::uint32_t& workers) {
  r.read_uint("session.workers", workers, 1, session::MAX_WORKERS);
}

void read_allocator_mib(ConfigReader& r, std::uint64_t& mib) {
  r.read_uint("session.allocator_mib", mib, 8, 4094);
  if (mib % 2 != 0) {
    r.fail("session.allocator_mib",
           fmt::format("{} is not a multiple of 2 (the allocator's slabs are 2 MiB)", mib));
  }
}

void read_queue_capacity(ConfigReader& r, std::string_view key, std::uint64_t& capacity) {
  constexpr std::uint64_t MAX_QUEUE_CAPACITY = 1ull << 24; // session::SessionConfig's bound
  r.read_uint(key, capacity, 1, MAX_QUEUE_CAPACITY);
  if ((capacity & (capacity - 1)) != 0) {
    r.fail(key, fmt::format("{} is not a power of two", capacity));
  }
}

} // namespace extpack::ops::detail
