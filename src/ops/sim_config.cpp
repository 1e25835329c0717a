// Loading and checking agave-sim's configuration; see sim_config.hpp.
#include "extpack/ops/sim_config.hpp"

#include <fmt/format.h>

#include "config_reader.hpp"

namespace extpack::ops {

namespace {

void read_session(detail::ConfigReader& r, SimSessionSection& s) {
  r.read_string("session.dir", s.dir);
  r.read_string("session.listen", s.listen);
  if (!s.dir.empty() && !s.listen.empty()) {
    r.fail("session.listen", "cannot be combined with session.dir; set one of them");
  } else if (s.dir.empty() && s.listen.empty()) {
    r.fail("session", "set session.dir (seed-mode directory) or session.listen (handshake "
                      "socket)");
  }
  r.read_uint("session.allocator_handles", s.allocator_handles, 1, session::MAX_ALLOCATOR_HANDLES);
  detail::read_session_shape(r, s);
}

void read_clock(detail::ConfigReader& r, SimClockSection& c) {
  r.read_uint("clock.slots", c.slots, 1, 1'000'000);
  r.read_uint("clock.slot_ms", c.slot_ms, 10, 10'000);
  r.read_uint("clock.leader_every", c.leader_every, 4, 1000);
}

void check_share_sum(detail::ConfigReader& r, std::string_view a, double va, std::string_view b,
                     double vb) {
  if (va + vb > 1.0) {
    r.fail(b, fmt::format("{} plus {} = {} is {}, above 1", vb, a, va, va + vb));
  }
}

void read_generator(detail::ConfigReader& r, GeneratorSection& g) {
  auto share = [&](std::string_view name, double& v) {
    r.read_real(fmt::format("workload.generator.{}", name), v, 0.0, 1.0);
  };
  auto count = [&](std::string_view name, std::uint32_t& v, std::uint32_t hi) {
    r.read_uint(fmt::format("workload.generator.{}", name), v, 1, hi);
  };
  r.read_uint("workload.generator.seed", g.seed, 0, UINT64_MAX);
  share("vote_share", g.vote_share);
  count("validators", g.validators, 100'000);
  count("users", g.users, 10'000'000);
  count("bots", g.bots, 100'000);
  share("swap_share", g.swap_share);
  share("oracle_share", g.oracle_share);
  share("bot_swap_share", g.bot_swap_share);
  share("v0_swap_share", g.v0_swap_share);
  count("hot_accounts", g.hot_accounts, 10'000'000);
  r.read_real("workload.generator.zipf_s", g.zipf_s, 0.0, 10.0);
  count("lookup_tables", g.lookup_tables, 1'000'000);
  share("zero_price_share", g.zero_price_share);
  r.read_real("workload.generator.price_median", g.price_median, 0.0, 1e12);
  r.read_real("workload.generator.price_sigma", g.price_sigma, 0.0, 10.0);
  share("tight_limit_share", g.tight_limit_share);
  share("round_limit_share", g.round_limit_share);
  share("duplicate_share", g.duplicate_share);
  share("forwarded_share", g.forwarded_share);
  check_share_sum(r, "workload.generator.swap_share", g.swap_share,
                  "workload.generator.oracle_share", g.oracle_share);
  check_share_sum(r, "workload.generator.tight_limit_share", g.tight_limit_share,
                  "workload.generator.round_limit_share", g.round_limit_share);
}

void read_bank(detail::ConfigReader& r, BankSection& b) {
  detail::read_block_limits(r, "bank", b.limits);
  r.read_real("bank.ns_per_cu", b.ns_per_cu, 0.0, 1'000'000.0);
  r.read_bool("bank.check_blockhash", b.check_blockhash);
  r.read_uint("bank.max_blockhash_age", b.max_blockhash_age, 1, 100'000);
  r.read_uint("bank.status_cache_slots", b.status_cache_slots, 1, 100'000);
  r.read_bool("bank.verify_signatures", b.verify_signatures);
  r.read_real("bank.poor_payer_share", b.poor_payer_share, 0.0, 1.0);
  r.read_real("bank.cu_ratio_median", b.cu_ratio_median, 0.0, 1.0);
  r.read_real("bank.cu_ratio_sigma", b.cu_ratio_sigma, 0.0, 10.0);
}

} // namespace

session::SessionConfig SimSessionSection::session_config() const {
  session::SessionConfig c;
  c.num_workers = workers;
  c.allocator_handles = allocator_handles;
  c.allocator_size = allocator_mib * 1024 * 1024;
  c.tpu_to_pack_capacity = tpu_to_pack_capacity;
  c.progress_tracker_capacity = progress_tracker_capacity;
  c.pack_to_worker_capacity = pack_to_worker_capacity;
  c.worker_to_pack_capacity = worker_to_pack_capacity;
  return c;
}

Checked<SimConfig> check_sim_config(std::string_view toml_text, std::string_view source_name,
                                    const ConfigOverrides& overrides) {
  Checked<SimConfig> out;
  toml::table root;
  if (!detail::parse_document(toml_text, source_name, root, out.errors)) return out;
  detail::ConfigReader r(root, std::string(source_name), overrides);
  SimConfig& c = out.config;
  read_session(r, c.session);
  read_clock(r, c.clock);
  r.read_string("workload.input", c.workload.input);
  r.read_uint("workload.tx_per_slot", c.workload.tx_per_slot, 0, 1'000'000);
  read_generator(r, c.workload.generator);
  read_bank(r, c.bank);
  detail::read_log_section(r, c.log_level);
  detail::read_metrics_section(r, c.metrics_listen);
  r.read_string("output.stats_out", c.stats_out);
  r.read_string("output.block_record", c.block_record);
  out.errors = r.finish();
  if (out.errors.empty()) {
    // The session's own rules, so nothing the loader accepts fails at session creation.
    if (auto v = c.session.session_config().validate(); !v) {
      out.errors.push_back("session: " + v.error().message);
    }
  }
  return out;
}

Checked<SimConfig> check_sim_config_file(const std::filesystem::path& file,
                                         const ConfigOverrides& overrides) {
  std::string text;
  if (!file.empty()) {
    Checked<SimConfig> failed;
    if (!detail::read_document(file, text, failed.errors)) return failed;
  }
  return check_sim_config(text, file.empty() ? "<defaults>" : file.string(), overrides);
}

Result<SimConfig> load_sim_config(const std::filesystem::path& file,
                                  const ConfigOverrides& overrides) {
  return check_sim_config_file(file, overrides).to_result();
}

} // namespace extpack::ops
