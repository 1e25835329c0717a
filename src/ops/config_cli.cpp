// Command-line options that feed configuration; see config_cli.hpp.
#include "extpack/ops/config_cli.hpp"

#include <fmt/format.h>

#include "extpack/ops/exit_codes.hpp"

namespace extpack::ops {

namespace {

struct Shortcut {
  const char* flag;
  const char* key;
  const char* help;
};

void add_common(CLI::App& app, ConfigCli& cli, const char* example) {
  app.add_option("--config", cli.file, "TOML configuration file (flags override its values)")
      ->check(CLI::ExistingFile);
  app.add_option_function<std::vector<std::string>>(
         "--set",
         [&cli](const std::vector<std::string>& all) {
           for (const auto& a : all)
             (void)cli.overrides.set_assignment(a, "--set " + a);
         },
         std::string("Override any configuration key: --set ") + example + " (repeatable)")
      ->check(CLI::Validator(
          [](std::string& v) {
            return v.find('=') == std::string::npos || v.front() == '='
                       ? std::string("expected KEY=VALUE")
                       : std::string();
          },
          "KEY=VALUE"));
}

void add_shortcuts(CLI::App& app, ConfigCli& cli, std::initializer_list<Shortcut> list) {
  for (const auto& s : list) {
    std::string flag = s.flag;
    std::string key = s.key;
    app.add_option_function<std::string>(
        flag, [&cli, flag, key](const std::string& v) { cli.overrides.set(key, v, flag); },
        fmt::format("{} (config key {})", s.help, key));
  }
}

int report_check(const std::string& name, const std::vector<std::string>& errors, std::FILE* out) {
  if (errors.empty()) {
    fmt::print(out, "{}: ok\n", name);
    return status(ExitCode::Clean);
  }
  for (const auto& e : errors)
    fmt::print(out, "{}\n", e);
  fmt::print(out, "{}: {} problem{}\n", name, errors.size(), errors.size() == 1 ? "" : "s");
  return status(ExitCode::Usage);
}

std::string checked_file(const ConfigCli& cli) {
  return cli.check_file.empty() ? cli.file : cli.check_file;
}

} // namespace

void add_pack_config_options(CLI::App& app, ConfigCli& cli) {
  add_common(app, cli, "pack.capacity=50000");
  add_shortcuts(app, cli,
                {{"--session-dir", "session.dir", "Seed-mode session directory"},
                 {"--connect", "session.connect", "Validator scheduler socket (3.1 handshake)"},
                 {"--allocator-handles", "session.allocator_handles", "Allocator handles to use"},
                 {"--workers", "session.workers",
                  "--connect only: worker count to ask the validator for (1..64)"},
                 {"--allocator-mib", "session.allocator_mib",
                  "--connect only: shared allocator size to ask for, MiB (even, 8..4094)"},
                 {"--tpu-to-pack-capacity", "session.tpu_to_pack_capacity",
                  "--connect only: tpu_to_pack queue capacity, messages (power of two)"},
                 {"--progress-capacity", "session.progress_tracker_capacity",
                  "--connect only: progress_tracker queue capacity, messages (power of two)"},
                 {"--pack-to-worker-capacity", "session.pack_to_worker_capacity",
                  "--connect only: pack_to_worker capacity per worker (power of two)"},
                 {"--worker-to-pack-capacity", "session.worker_to_pack_capacity",
                  "--connect only: worker_to_pack capacity per worker (power of two)"},
                 {"--policy", "policy.name",
                  "Scheduling policy: extpack, fifo, greedy, prio-graph or fdpack"},
                 {"--capacity", "pack.capacity", "Transactions pack holds at once"},
                 {"--max-block-units", "limits.max_block_units", "Block cost limit, CU"},
                 {"--validator-silence-ms", "timeouts.validator_silence_ms",
                  "Exit when the validator is silent this long"},
                 {"--shutdown-grace-ms", "timeouts.shutdown_grace_ms",
                  "Wait this long for in-flight batches on SIGTERM"},
                 {"--log-level", "log.level", "trace, debug, info, warn, error or off"},
                 {"--metrics-listen", "metrics.listen", "Prometheus endpoint IPv4:PORT, or off"},
                 {"--stats-out", "output.stats_out", "Write run statistics as JSON here at exit"}});
}

void add_sim_config_options(CLI::App& app, ConfigCli& cli) {
  add_common(app, cli, "clock.slots=64");
  add_shortcuts(
      app, cli,
      {{"--session-dir", "session.dir", "Join the seed-mode session in this directory"},
       {"--listen", "session.listen", "Serve the 3.1 handshake on this Unix socket"},
       {"--workers", "session.workers", "Worker threads (1..64)"},
       {"--allocator-mib", "session.allocator_mib", "Shared allocator size, MiB"},
       {"--slots", "clock.slots", "Slots to simulate"},
       {"--slot-ms", "clock.slot_ms", "Slot length, milliseconds"},
       {"--leader-every", "clock.leader_every", "Leader for 4 slots out of every N"},
       {"--input", "workload.input", "File of base64 transactions (default: generator)"},
       {"--tx-per-slot", "workload.tx_per_slot", "Transactions fed per slot"},
       {"--seed", "workload.generator.seed", "Generator seed"},
       {"--ns-per-cu", "bank.ns_per_cu", "Execution time per compute unit, ns"},
       {"--log-level", "log.level", "trace, debug, info, warn, error or off"},
       {"--metrics-listen", "metrics.listen", "Prometheus endpoint IPv4:PORT, or off"},
       {"--stats-out", "output.stats_out", "Write run statistics as JSON here at exit"},
       {"--block-record", "output.block_record", "Write the leader blocks as JSON here"}});
}

void add_check_config_command(CLI::App& app, ConfigCli& cli) {
  cli.check = app.add_subcommand("check-config", "Check a configuration file, report every "
                                                 "problem, and exit (0 ok, 2 problems)");
  cli.check->add_option("file", cli.check_file, "The TOML file")->required();
  cli.check->fallthrough();
}

Result<PackConfig> load_pack_config(const ConfigCli& cli, const PackConfigRules& rules) {
  return load_pack_config(cli.file, cli.overrides, rules);
}

Result<SimConfig> load_sim_config(const ConfigCli& cli) {
  return load_sim_config(cli.file, cli.overrides);
}

int run_check_pack_config(const ConfigCli& cli, std::FILE* out, const PackConfigRules& rules) {
  auto file = checked_file(cli);
  return report_check(file.empty() ? "<defaults>" : file,
                      check_pack_config_file(file, cli.overrides, rules).errors, out);
}

int run_check_sim_config(const ConfigCli& cli, std::FILE* out) {
  auto file = checked_file(cli);
  return report_check(file.empty() ? "<defaults>" : file,
                      check_sim_config_file(file, cli.overrides).errors, out);
}

} // namespace extpack::ops
