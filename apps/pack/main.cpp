// extpack-pack: the external scheduler process. Reaches its session either through a
// seed-mode directory (--session-dir) or the 3.1 handshake on the validator's Unix socket
// (--connect), runs the pack loop until SIGTERM or SIGINT, shuts down cleanly (every
// allocation pack owns is freed), writes its stats and exits with an ops::ExitCode.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "extpack/common/logging.hpp"
#include "extpack/common/signals.hpp"
#include "extpack/ops/config_cli.hpp"
#include "extpack/ops/exit_codes.hpp"
#include "extpack/ops/metrics_server.hpp"
#include "extpack/pack/runtime.hpp"
#include "extpack/sched/policies.hpp"
#include "metrics_feed.hpp"
#include "session_join.hpp"
#include "settings.hpp"

namespace {

namespace ops = extpack::ops;
namespace apps = extpack::apps;
using Clock = std::chrono::steady_clock;

std::atomic<bool>& g_stop = extpack::stop_flag();

/// Options that are not configuration keys: run-control knobs.
struct AppOptions {
  std::uint64_t wait_ms = 10'000;
  std::uint64_t duration_ms = 0;
};

constexpr const char* FOOTER = R"(
Session: exactly one of --session-dir (seed mode: join regions another process created;
its manifest gives the shape) and --connect (3.1 handshake: pack logs on with the
session.workers, session.allocator_mib, queue capacity and session.allocator_handles keys,
or their flags; the validator creates the regions).
Configuration: built-in defaults, then --config FILE, then flags (--set KEY=VALUE for any
key); docs/OPERATIONS.md lists every key. 'extpack-pack check-config FILE' checks a file.
Validator loss: no progress message for timeouts.validator_silence_ms (after the first one)
ends the session; pack frees everything, writes its stats and waits up to --wait-ms for a
new session (socket mode: reconnects with backoff; seed mode: a new manifest in the
directory). --stats-out always holds the latest session's statistics.
Exit codes: 0 clean (stopped by SIGTERM/SIGINT or --duration-ms and drained), 1 runtime
failure (allocations still owned at exit), 2 bad flags or configuration, 3 the first
session could not be joined, 4 validator lost and no new session within --wait-ms, 5
metrics endpoint or stats output failed.)";

void add_app_options(CLI::App& app, AppOptions& o) {
  app.add_option("--wait-ms", o.wait_ms,
                 "How long to keep trying to join a session (at start and after the validator "
                 "was lost): waiting for a seed-mode manifest, or reconnecting to the "
                 "handshake socket (backoff 50 ms to 1 s)")
      ->capture_default_str();
  app.add_option("--duration-ms", o.duration_ms,
                 "Stop by itself after this long (0 = run until SIGTERM/SIGINT)")
      ->capture_default_str();
}

std::vector<std::string> policy_names() {
  std::vector<std::string> v;
  for (auto n : extpack::sched::policy_names())
    v.emplace_back(n);
  return v;
}

/// Why one session's loop ended.
enum class LoopEnd { Signal, Duration, ValidatorLost };

/// Polls `rt` until a signal, --duration-ms or the loss of the validator (the runtime's
/// liveness rules); refreshes the metrics every 100 ms.
LoopEnd run_loop(extpack::pack::PackRuntime& rt, extpack::session::PackSession& s,
                 apps::PackMetricsFeed* feed, const AppOptions& opt, Clock::time_point start) {
  constexpr auto TICK = std::chrono::milliseconds(100);
  constexpr auto MIN_SLEEP = std::chrono::microseconds(20);
  constexpr auto MAX_SLEEP = std::chrono::microseconds(1000);
  auto next_tick = Clock::now();
  auto sleep = MIN_SLEEP;
  while (!g_stop.load(std::memory_order_relaxed)) {
    const std::size_t did = rt.poll_once();
    if (rt.validator_lost()) return LoopEnd::ValidatorLost;
    const auto now = Clock::now();
    if (now >= next_tick) {
      next_tick = now + TICK;
      if (feed != nullptr) feed->update(rt, s);
      if (opt.duration_ms != 0 && now - start >= std::chrono::milliseconds(opt.duration_ms)) {
        spdlog::info("--duration-ms {} reached; shutting down", opt.duration_ms);
        return LoopEnd::Duration;
      }
    }
    if (did != 0) {
      sleep = MIN_SLEEP;
      continue;
    }
    std::this_thread::sleep_for(sleep);
    sleep = std::min(sleep * 2, MAX_SLEEP);
  }
  return LoopEnd::Signal;
}

/// Writes the stats file (replacing the previous session's). False if it failed.
bool write_stats(const std::string& path, const extpack::pack::PackRuntime& rt,
                 std::uint32_t session_number) {
  if (path.empty()) return true;
  auto doc = rt.stats_json();
  doc["session_number"] = session_number;
  std::ofstream out(path);
  out << doc.dump(2) << '\n';
  out.close();
  if (!out) spdlog::error("cannot write stats to {}", path);
  return static_cast<bool>(out);
}

int run(const ops::PackConfig& cfg, const AppOptions& opt) {
  if (auto policy = apps::make_configured_policy(cfg); !policy) {
    spdlog::error("{}", policy.error().message);
    return ops::status(ops::ExitCode::Usage);
  }
  auto session_cfg = apps::session_config(cfg);
  if (!session_cfg) {
    spdlog::error("invalid logon shape: {}", session_cfg.error().message);
    return ops::status(ops::ExitCode::Usage);
  }
  spdlog::info("effective configuration: {}", apps::describe(cfg));
  if (!cfg.session.connect.empty()) {
    spdlog::info("logon: {} workers, {} MiB allocator, {} allocator handles, queue capacities "
                 "tpu_to_pack {} progress_tracker {} pack_to_worker {} worker_to_pack {}",
                 cfg.session.workers, cfg.session.allocator_mib, cfg.session.allocator_handles,
                 cfg.session.tpu_to_pack_capacity, cfg.session.progress_tracker_capacity,
                 cfg.session.pack_to_worker_capacity, cfg.session.worker_to_pack_capacity);
  }
  extpack::install_stop_signals();

  ops::MetricsRegistry registry;
  std::unique_ptr<ops::MetricsServer> server;
  if (cfg.metrics_listen != "off") {
    auto started = ops::MetricsServer::start(cfg.metrics_listen, registry);
    if (!started) {
      spdlog::error("metrics endpoint: {}", started.error().message);
      return ops::status(ops::ExitCode::OutputFailure);
    }
    server = std::move(*started);
    spdlog::info("metrics at http://{}:{}/metrics",
                 cfg.metrics_listen.substr(0, cfg.metrics_listen.rfind(':')), server->port());
  }

  extpack::pack::RuntimeConfig rcfg = apps::runtime_config(cfg);
  const auto wait = std::chrono::milliseconds(opt.wait_ms);
  const auto start = Clock::now();
  apps::SeedIdentity lost_seed;
  ops::ExitCode exit = ops::ExitCode::Clean;
  for (std::uint32_t number = 1;; ++number) {
    auto joined =
        cfg.session.connect.empty()
            ? apps::join_seed_session(cfg.session.dir, lost_seed, wait, g_stop)
            : apps::join_handshake_session(cfg.session.connect, *session_cfg, wait, g_stop);
    if (!joined) {
      if (g_stop.load()) {
        spdlog::info("stopped by a signal while waiting for a session");
        return ops::status(exit);
      }
      spdlog::error("{}", joined.error().message);
      // The first join failing is a setup problem; failing to find a new session after
      // the validator was lost means it is gone for good.
      return ops::status(number == 1 ? ops::ExitCode::SessionSetup : ops::ExitCode::PeerLost);
    }
    extpack::session::PackSession& s = joined->session;
    const std::uint32_t workers = s.num_workers();
    spdlog::info("joined {} (session {}): {} workers, allocator id {}, policy {}",
                 joined->description, number, workers,
                 extpack::session::pack_allocator_id(workers, rcfg.allocator_handle),
                 cfg.policy.name);

    std::unique_ptr<apps::PackMetricsFeed> feed;
    if (server) feed = std::make_unique<apps::PackMetricsFeed>(registry, workers);
    auto policy = apps::make_configured_policy(cfg);
    extpack::pack::PackRuntime rt(s, rcfg, std::move(*policy));
    const LoopEnd end = run_loop(rt, s, feed.get(), opt, start);
    if (end == LoopEnd::Signal) {
      spdlog::info("signal received; shutting down (grace {} ms)", cfg.timeouts.shutdown_grace_ms);
    }
    rt.shutdown();
    if (feed) feed->update(rt, s);
    if (!write_stats(cfg.stats_out, rt, number)) exit = ops::ExitCode::OutputFailure;
    if (rt.owned_regions() != 0) {
      spdlog::error("session {} ended with {} allocations still owned", number, rt.owned_regions());
      exit = ops::ExitCode::RuntimeFailure;
    }
    const auto& st = rt.stats();
    spdlog::info("session {} over: received {}, included {}, dropped {}", number, st.received,
                 rt.scheduler().counters().included, st.total_dropped());
    if (end != LoopEnd::ValidatorLost || exit != ops::ExitCode::Clean) break;
    lost_seed = joined->seed;
    spdlog::warn("validator lost ({}); waiting up to {} ms for a new session",
                 extpack::pack::to_string(rt.validator_loss()), opt.wait_ms);
  }
  spdlog::info("exit {} ({})", ops::status(exit), ops::exit_code_name(ops::status(exit)));
  return ops::status(exit);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"extpack-pack: external block-packing scheduler for Agave's 3.1 scheduler "
               "bindings (agave-scheduler-bindings 3.1, shared memory)"};
  app.footer(FOOTER);
  ops::ConfigCli cli;
  AppOptions opt;
  ops::add_pack_config_options(app, cli);
  add_app_options(app, opt);
  ops::add_check_config_command(app, cli);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : ops::status(ops::ExitCode::Usage);
  }
  const ops::PackConfigRules rules{policy_names()};
  if (cli.check_requested()) return ops::run_check_pack_config(cli, stdout, rules);

  auto cfg = ops::load_pack_config(cli, rules);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message.c_str());
    return ops::status(ops::ExitCode::Usage);
  }
  if (!extpack::init_logging("pack", cfg->log_level)) {
    std::fprintf(stderr, "log.level: unknown level '%s'\n", cfg->log_level.c_str());
    return ops::status(ops::ExitCode::Usage);
  }
  return run(*cfg, opt);
}
