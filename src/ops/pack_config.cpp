// Loading and checking extpack-pack's configuration; see pack_config.hpp.
#include "extpack/ops/pack_config.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config_reader.hpp"

namespace extpack::ops {

namespace {

constexpr std::uint32_t MAX_ALLOCATOR_HANDLES = 128;       // agave-scheduling-utils 3.1 handshake
constexpr std::uint32_t MAX_TRANSACTIONS_PER_MESSAGE = 64; // bindings: one 4 KiB array

void read_session(detail::ConfigReader& r, PackSessionSection& s) {
  r.read_string("session.dir", s.dir);
  r.read_string("session.connect", s.connect);
  r.read_uint("session.allocator_handles", s.allocator_handles, 1, MAX_ALLOCATOR_HANDLES);
  detail::read_session_shape(r, s);
  if (!s.dir.empty() && !s.connect.empty()) {
    r.fail("session.connect", "cannot be combined with session.dir; set one of them");
  } else if (s.dir.empty() && s.connect.empty()) {
    r.fail("session", "set session.dir (seed-mode directory) or session.connect (the "
                      "validator's scheduler socket)");
  }
}

void read_policy(detail::ConfigReader& r, PolicySection& p, const PackConfigRules& rules) {
  r.read_string("policy.name", p.name);
  r.read_params("policy.params", p.params);
  if (p.name.empty()) {
    r.fail("policy.name", "must not be empty");
  } else if (!rules.policies.empty() && std::find(rules.policies.begin(), rules.policies.end(),
                                                  p.name) == rules.policies.end()) {
    r.fail("policy.name",
           fmt::format("\"{}\" is not one of {}", p.name, fmt::join(rules.policies, ", ")));
  }
}

void read_pack(detail::ConfigReader& r, PackSection& p) {
  r.read_uint("pack.capacity", p.capacity, 1, 10'000'000);
  r.read_uint("pack.max_batch", p.max_batch, 1, MAX_TRANSACTIONS_PER_MESSAGE);
  r.read_uint("pack.max_batches_per_worker", p.max_batches_per_worker, 1, 64);
  r.read_uint("pack.max_inflight_cost", p.max_inflight_cost, 0, 1'000'000'000);
  r.read_uint("pack.max_scan_per_pass", p.max_scan_per_pass, 1, 10'000'000);
  r.read_uint("pack.max_attempts", p.max_attempts, 1, 255);
}

void read_timeouts(detail::ConfigReader& r, PackTimeoutsSection& t) {
  r.read_uint("timeouts.validator_silence_ms", t.validator_silence_ms, 100, 3'600'000);
  r.read_uint("timeouts.shutdown_grace_ms", t.shutdown_grace_ms, 0, 600'000);
}

} // namespace

Checked<PackConfig> check_pack_config(std::string_view toml_text, std::string_view source_name,
                                      const ConfigOverrides& overrides,
                                      const PackConfigRules& rules) {
  Checked<PackConfig> out;
  toml::table root;
  if (!detail::parse_document(toml_text, source_name, root, out.errors)) return out;
  detail::ConfigReader r(root, std::string(source_name), overrides);
  PackConfig& c = out.config;
  read_session(r, c.session);
  read_policy(r, c.policy, rules);
  read_pack(r, c.pack);
  detail::read_block_limits(r, "limits", c.limits);
  read_timeouts(r, c.timeouts);
  detail::read_log_section(r, c.log_level);
  detail::read_metrics_section(r, c.metrics_listen);
  r.read_string("output.stats_out", c.stats_out);
  out.errors = r.finish();
  return out;
}

Checked<PackConfig> check_pack_config_file(const std::filesystem::path& file,
                                           const ConfigOverrides& overrides,
                                           const PackConfigRules& rules) {
  std::string text;
  if (!file.empty()) {
    Checked<PackConfig> failed;
    if (!detail::read_document(file, text, failed.errors)) return failed;
  }
  return check_pack_config(text, file.empty() ? "<defaults>" : file.string(), overrides, rules);
}

Result<PackConfig> load_pack_config(const std::filesystem::path& file,
                                    const ConfigOverrides& overrides,
                                    const PackConfigRules& rules) {
  return check_pack_config_file(file, overrides, rules).to_result();
}

} // namespace extpack::ops
