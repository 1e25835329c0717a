// agave-sim: the validator side of the external-scheduler protocol, simulated. Joins a
// seed-mode session directory (--session-dir) or serves the 3.1 handshake on a Unix socket
// (--listen: waits for pack, creates the regions pack's logon asks for, runs the session,
// and once pack has exited checks the allocator for leaks itself). Prints one line per
// slot and a summary; writes JSON statistics and the block record when asked.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "allocator_check.hpp"
#include "extpack/common/logging.hpp"
#include "extpack/common/signals.hpp"
#include "extpack/ops/config_cli.hpp"
#include "extpack/ops/exit_codes.hpp"
#include "extpack/ops/metrics_server.hpp"
#include "extpack/session/regions.hpp"
#include "extpack/session/session.hpp"
#include "extpack/sim/sim.hpp"
#include "listener.hpp"
#include "progress_bar.hpp"
#include "report_metrics.hpp"
#include "settings.hpp"

namespace {

namespace ops = extpack::ops;
namespace apps = extpack::apps;
namespace session = extpack::session;

std::atomic<bool>& g_stop = extpack::stop_flag();

bool stopped() {
  return extpack::stop_requested();
}

struct AppOptions {
  apps::SimRunOptions run;
  bool quiet = false;
  std::string run_done_file;
  std::uint64_t accept_wait_ms = 0;
  std::uint64_t sessions = 1;
};

constexpr const char* FOOTER = R"(
Session: exactly one of --session-dir (seed mode: join the regions a setup process created
in DIR; its manifest gives the shape) and --listen (3.1 handshake: wait for pack on the Unix
socket SOCKET, create the regions pack's logon asks for, and after the run wait until pack
has exited, then count outstanding allocations per allocator id for the stats and summary).
In --listen mode the session.workers/allocator/queue keys are not used: pack's logon
decides. SIGTERM/SIGINT ends the run early, or ends the wait for pack.
Configuration: defaults, then --config FILE, then flags (--set KEY=VALUE for any key);
docs/OPERATIONS.md lists every key. 'agave-sim check-config FILE' checks a file.
Exit codes: 0 clean, 1 simulation failed, 2 bad flags or configuration, 3 session could not
be joined or served, 4 the last pack died mid-run (--listen), 5 metrics, stats or block
record output failed.)";

void add_app_options(CLI::App& app, AppOptions& o) {
  app.add_option("--first-slot", o.run.first_slot, "Slot number of the first slot")
      ->capture_default_str();
  app.add_option("--leader-window", o.run.leader_window,
                 "Consecutive leader slots per leader window (mainnet: 4)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000u));
  app.add_option("--progress-ms", o.run.progress_ms,
                 "Interval of progress messages within a slot, milliseconds")
      ->capture_default_str()
      ->check(CLI::Range(1u, 60'000u));
  app.add_option("--linger-ms", o.run.linger_ms,
                 "After the last slot, keep answering pack until it has been quiet this long")
      ->capture_default_str()
      ->check(CLI::Range(0u, 3'600'000u));
  app.add_option("--run-done-file", o.run_done_file,
                 "Create this (empty) file when the slots and the linger are over; in --listen "
                 "mode that is before waiting for pack to exit, so a supervisor knows when to "
                 "stop pack");
  app.add_option("--accept-wait-ms", o.accept_wait_ms,
                 "--listen only: give up (exit 3) if pack has not connected after this long; "
                 "0 = wait until SIGTERM/SIGINT")
      ->capture_default_str();
  app.add_option("--sessions", o.sessions,
                 "--listen only: pack sessions to serve one after another (0 = until "
                 "SIGTERM/SIGINT). A pack that dies mid-run ends its session early; the next "
                 "pack that logs on gets fresh regions")
      ->capture_default_str();
  app.add_flag("--quiet", o.quiet, "Do not print a line per slot (the summary is still printed)");
}

/// Waits for pack to log on. nullopt: stopped, timed out or the socket failed (logged).
std::optional<apps::AcceptedPack> wait_for_pack(apps::PackListener& listener,
                                                std::uint64_t wait_ms) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (!stopped()) {
    if (wait_ms != 0 && std::chrono::steady_clock::now() >= give_up) {
      spdlog::error("pack did not log on within {} ms (--accept-wait-ms)", wait_ms);
      return std::nullopt;
    }
    auto accepted = listener.accept(std::chrono::milliseconds(200));
    if (accepted) return std::move(*accepted);
    if (accepted.error().message.rfind("no client", 0) == 0) continue;
    spdlog::warn("refused a logon: {}", accepted.error().message);
  }
  spdlog::info("stopped by a signal while waiting for pack");
  return std::nullopt;
}

bool touch(const std::string& path) {
  std::ofstream out(path, std::ios::trunc);
  return static_cast<bool>(out);
}

int write_outputs(const ops::SimConfig& cfg, const extpack::sim::RunReport& report,
                  const std::optional<apps::AllocatorCheck>& check, bool pack_lost) {
  int rc = ops::status(ops::ExitCode::Clean);
  if (!cfg.stats_out.empty()) {
    auto doc = nlohmann::json::parse(extpack::sim::stats_json(report, cfg.block_record.empty()));
    doc["pack_lost"] = pack_lost;
    if (check) {
      doc["outstanding_allocations"] = check->total();
      doc["outstanding_by_worker_id"] = check->by_worker_id;
      doc["outstanding_by_owner"] = check->by_owner_json();
      doc["leak_check"] = pack_lost ? "after pack died mid-run (what it held is lost with it)"
                                    : "after pack exited";
    } else {
      doc["leak_check"] = "agave ids at run end";
    }
    if (auto r = extpack::sim::write_text_file(cfg.stats_out, doc.dump(2) + "\n"); !r) {
      spdlog::error("{}", r.error().message);
      rc = ops::status(ops::ExitCode::OutputFailure);
    }
  }
  if (!cfg.block_record.empty()) {
    auto r = extpack::sim::write_text_file(cfg.block_record, extpack::sim::blocks_json(report));
    if (!r) {
      spdlog::error("{}", r.error().message);
      rc = ops::status(ops::ExitCode::OutputFailure);
    }
  }
  return rc;
}

struct SessionOutcome {
  int code = 0;
  bool pack_lost = false;
};

/// Raises `stop` when a signal arrives or pack's process goes away (listen mode only).
class PackWatch {
public:
  explicit PackWatch(pid_t pack) : pack_(pack) {
    thread_ = std::thread([this] {
      while (!done_.load(std::memory_order_acquire)) {
        if (stopped()) {
          stop_.store(true, std::memory_order_release);
        } else if (pack_ != 0 && !apps::process_alive(pack_)) {
          lost_.store(true, std::memory_order_release);
          stop_.store(true, std::memory_order_release);
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  ~PackWatch() {
    done_.store(true, std::memory_order_release);
    thread_.join();
  }
  PackWatch(const PackWatch&) = delete;
  PackWatch& operator=(const PackWatch&) = delete;
  [[nodiscard]] const std::atomic<bool>& stop() const { return stop_; }
  [[nodiscard]] bool lost() const { return lost_.load(std::memory_order_acquire); }

private:
  pid_t pack_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> lost_{false};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

/// One session: join, run the slots, then (listen mode) wait for pack to exit and count
/// what every allocator id still holds. `pack_pid` 0 means seed mode (pack unknown).
SessionOutcome run_session(const ops::SimConfig& cfg, const AppOptions& opt,
                           const extpack::sim::SimConfig& sim_cfg, session::SessionFds fds,
                           pid_t pack_pid, apps::SimReportMetrics* metrics) {
  auto joined = session::AgaveSession::join(fds);
  if (!joined) {
    spdlog::error("cannot join the session: {}", joined.error().message);
    return {ops::status(ops::ExitCode::SessionSetup), false};
  }

  extpack::sim::RunHooks hooks;
  hooks.slot_lines = opt.quiet ? nullptr : &std::cout;
  // The bar shares the terminal with the slot lines only when those go elsewhere.
  apps::ProgressBar bar(opt.quiet || ::isatty(STDOUT_FILENO) != 1 ? sim_cfg.slots : 0);
  if (bar.enabled()) {
    hooks.on_slot = [&bar](const extpack::sim::SlotRecord&, std::uint64_t done, std::uint64_t) {
      bar.update(done);
    };
  }
  if (metrics != nullptr) {
    // Live metrics: counters rise slot by slot; publish() below adds the rest at the end.
    metrics->begin_run();
    hooks.on_totals = [metrics](const extpack::sim::SlotRecord& slot,
                                const extpack::sim::Totals& so_far) {
      metrics->publish_slot(slot, so_far);
    };
  }
  std::optional<extpack::Result<extpack::sim::RunReport>> report;
  bool pack_lost = false;
  {
    PackWatch watch(pack_pid);
    hooks.stop = pack_pid != 0 ? &watch.stop() : &g_stop;
    report.emplace(extpack::sim::run(sim_cfg, *joined, hooks));
    pack_lost = watch.lost();
  }
  bar.finish();
  if (!*report) {
    spdlog::error("simulation failed: {}", report->error().message);
    return {ops::status(ops::ExitCode::RuntimeFailure), pack_lost};
  }
  auto& rep = report->value();
  if (pack_lost) {
    spdlog::warn("pack (pid {}) died during the run, after {} of {} slots; session closed",
                 pack_pid, rep.slots.size(), sim_cfg.slots);
  }
  if (metrics != nullptr) metrics->publish(rep);
  if (!pack_lost && !opt.run_done_file.empty() && !touch(opt.run_done_file)) {
    spdlog::error("cannot create --run-done-file {}", opt.run_done_file);
  }

  std::optional<apps::AllocatorCheck> check;
  if (pack_pid != 0) {
    if (!pack_lost) {
      spdlog::info("slots over; waiting for pack (pid {}) to exit before the leak check", pack_pid);
    }
    while (!stopped() && apps::process_alive(pack_pid)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (apps::process_alive(pack_pid)) {
      spdlog::warn("pack (pid {}) still runs: the leak check counts what it holds", pack_pid);
    }
    check = apps::check_allocator(*joined);
    rep.outstanding_allocations = check->total();
    if (check->total() == 0) {
      spdlog::info("{}", check->summary_line());
    } else if (pack_lost) {
      spdlog::warn("{} (held by the pack that died)", check->summary_line());
    } else {
      spdlog::error("{}", check->summary_line());
    }
  }
  std::cout << extpack::sim::format_summary(rep);
  if (check) std::cout << "  " << check->summary_line() << "\n";
  std::cout << std::flush;
  return {write_outputs(cfg, rep, check, pack_lost), pack_lost};
}

int run(const ops::SimConfig& cfg, const AppOptions& opt) {
  const extpack::sim::SimConfig sim_cfg = apps::simulator_config(cfg, opt.run);
  if (auto r = sim_cfg.validate(); !r) {
    spdlog::error("{}", r.error().message);
    return ops::status(ops::ExitCode::Usage);
  }
  spdlog::info("effective configuration: {}", apps::describe(cfg, opt.run));
  extpack::install_stop_signals();

  ops::MetricsRegistry registry;
  std::unique_ptr<apps::SimReportMetrics> metrics;
  std::unique_ptr<ops::MetricsServer> server;
  if (cfg.metrics_listen != "off") {
    metrics = std::make_unique<apps::SimReportMetrics>(registry);
    auto started = ops::MetricsServer::start(cfg.metrics_listen, registry);
    if (!started) {
      spdlog::error("metrics endpoint: {}", started.error().message);
      return ops::status(ops::ExitCode::OutputFailure);
    }
    server = std::move(*started);
    spdlog::info("metrics at http://{}:{}/metrics",
                 cfg.metrics_listen.substr(0, cfg.metrics_listen.rfind(':')), server->port());
  }

  // The session: joined from a directory, or created for each pack that logs on.
  if (cfg.session.listen.empty()) {
    auto opened = session::open_regions(cfg.session.dir);
    if (!opened) {
      spdlog::error("cannot open session directory {}: {}", cfg.session.dir,
                    opened.error().message);
      return ops::status(ops::ExitCode::SessionSetup);
    }
    return run_session(cfg, opt, sim_cfg, std::move(*opened), 0, metrics.get()).code;
  }
  auto l = apps::PackListener::open(cfg.session.listen);
  if (!l) {
    spdlog::error("cannot serve the handshake: {}", l.error().message);
    return ops::status(ops::ExitCode::SessionSetup);
  }
  apps::PackListener listener(std::move(*l));
  int code = ops::status(ops::ExitCode::Clean);
  for (std::uint64_t n = 0; (opt.sessions == 0 || n < opt.sessions) && !stopped(); ++n) {
    spdlog::info("waiting for pack on {} (session {})", cfg.session.listen, n + 1);
    auto pack = wait_for_pack(listener, opt.accept_wait_ms);
    if (!pack) {
      return n > 0 || stopped() ? code : ops::status(ops::ExitCode::SessionSetup);
    }
    const session::ClientLogon& logon = pack->session.logon;
    spdlog::info("pack (pid {}) logged on: {} workers, {} MiB allocator, {} allocator handles",
                 pack->pid, logon.worker_count, logon.allocator_size >> 20,
                 logon.allocator_handles);
    auto outcome =
        run_session(cfg, opt, sim_cfg, std::move(pack->session.fds), pack->pid, metrics.get());
    code = outcome.pack_lost && outcome.code == 0 ? ops::status(ops::ExitCode::PeerLost)
                                                  : outcome.code;
    if (!outcome.pack_lost) break; // a completed run ends the service
  }
  return code;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"agave-sim: simulated Agave validator side of the external-scheduler protocol "
               "(agave-scheduler-bindings 3.1). Feeds transactions to pack, publishes slot "
               "progress and executes the batches pack sends to its workers."};
  app.footer(FOOTER);
  ops::ConfigCli cli;
  AppOptions opt;
  ops::add_sim_config_options(app, cli);
  add_app_options(app, opt);
  ops::add_check_config_command(app, cli);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : ops::status(ops::ExitCode::Usage);
  }
  if (cli.check_requested()) return ops::run_check_sim_config(cli, stdout);

  auto cfg = ops::load_sim_config(cli);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message.c_str());
    return ops::status(ops::ExitCode::Usage);
  }
  if (!extpack::init_logging("agave-sim", cfg->log_level)) {
    std::fprintf(stderr, "log.level: unknown level '%s'\n", cfg->log_level.c_str());
    return ops::status(ops::ExitCode::Usage);
  }
  return run(*cfg, opt);
}
