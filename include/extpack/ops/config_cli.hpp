// Command-line options that feed configuration: --config FILE, --set KEY=VALUE (any key,
// repeatable) and one shortcut flag per commonly changed key (--session-dir, --policy,
// --log-level, ...). Shortcut flags and --set only record overrides; the loader applies
// them on top of the file with the file's checks, so "flags win over the file" holds for
// every key and a bad flag value is reported like a bad file value.
//
// Usage in an app:
//   ops::ConfigCli cli;
//   ops::add_pack_config_options(app, cli);
//   CLI11_PARSE(app, argc, argv);
//   auto cfg = ops::load_pack_config(cli, rules);   // error: every problem, one per line
//   if (!cfg) { fmt::print(stderr, "{}\n", cfg.error().message);
//               return ops::status(ops::ExitCode::Usage); }
//
// And the "check-config FILE" subcommand: add_check_config_command() then, after parsing,
// `if (cli.check_requested()) return ops::run_check_pack_config(cli, stdout, rules);`
#pragma once

#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "extpack/ops/config_overrides.hpp"
#include "extpack/ops/pack_config.hpp"
#include "extpack/ops/sim_config.hpp"

namespace extpack::ops {

struct ConfigCli {
  std::string file;          ///< --config; "" = defaults and flags only
  ConfigOverrides overrides; ///< --set and the shortcut flags, in the order given
  CLI::App* check = nullptr; ///< the check-config subcommand, if added
  std::string check_file;    ///< its FILE argument

  [[nodiscard]] bool check_requested() const { return check != nullptr && check->parsed(); }
};

/// --config, --set and the pack shortcuts: --session-dir, --connect, --allocator-handles,
/// the logon shape (--workers, --allocator-mib, --tpu-to-pack-capacity, --progress-capacity,
/// --pack-to-worker-capacity, --worker-to-pack-capacity), --policy, --capacity,
/// --max-block-units, --validator-silence-ms, --shutdown-grace-ms, --log-level,
/// --metrics-listen, --stats-out.
void add_pack_config_options(CLI::App& app, ConfigCli& cli);
/// --config, --set and the sim shortcuts: --session-dir, --listen, --workers,
/// --allocator-mib, --slots, --slot-ms, --leader-every, --input, --tx-per-slot, --seed,
/// --ns-per-cu, --log-level, --metrics-listen, --stats-out, --block-record.
void add_sim_config_options(CLI::App& app, ConfigCli& cli);
/// Adds "check-config FILE": validate the file (with any --set/shortcut overrides given
/// before the subcommand) and exit.
void add_check_config_command(CLI::App& app, ConfigCli& cli);

[[nodiscard]] Result<PackConfig> load_pack_config(const ConfigCli& cli,
                                                  const PackConfigRules& rules = {});
[[nodiscard]] Result<SimConfig> load_sim_config(const ConfigCli& cli);

/// Checks cli.check_file (falling back to cli.file) and prints "FILE: ok" or every problem,
/// one per line, to `out`. Returns the exit status: Clean, or Usage if anything is wrong.
int run_check_pack_config(const ConfigCli& cli, std::FILE* out, const PackConfigRules& rules = {});
int run_check_sim_config(const ConfigCli& cli, std::FILE* out);

} // namespace extpack::ops
