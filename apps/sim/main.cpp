// agave-sim: the validator side of the external-scheduler protocol, simulated, over a
// seed-mode session directory. Prints one line per slot and a summary; writes JSON
// statistics and the block record when asked. Exits 0 on a clean run, 1 on a setup error,
// 2 on bad options.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "extpack/common/logging.hpp"
#include "extpack/session/regions.hpp"
#include "extpack/session/session.hpp"
#include "extpack/sim/sim.hpp"

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void on_signal(int) {
  g_stop.store(true, std::memory_order_release);
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

} // namespace

int main(int argc, char** argv) {
  using extpack::sim::SimConfig;
  SimConfig cfg;
  std::string session_dir, stats_out, block_record, log_level = "info", input;
  bool quiet = false;

  CLI::App app{"agave-sim: simulated Agave validator side of the external-scheduler protocol "
               "(agave-scheduler-bindings 3.1). Joins a seed-mode session directory, feeds "
               "transactions to pack, publishes slot progress and executes the batches pack "
               "sends to its workers."};
  app.add_option("--session-dir", session_dir,
                 "Seed-mode session directory (created by the session's creator; the manifest "
                 "gives the worker count and queue sizes)")
      ->required();
  app.add_option("--slots", cfg.slots, "Number of slots to run before shutting down")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{10'000'000}));
  app.add_option("--first-slot", cfg.first_slot, "Slot number of the first slot")
      ->capture_default_str();
  app.add_option("--slot-ms", cfg.slot_ms, "Slot length in milliseconds (real time)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 60'000u));
  app.add_option("--leader-window", cfg.leader_window, "Consecutive leader slots per leader window")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1'000'000u));
  app.add_option("--leader-every", cfg.leader_every,
                 "The node leads the last --leader-window slots of every N slots (N = window: "
                 "always leader)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1'000'000u));
  app.add_option("--input", input,
                 "Replay this file of base64 wire transactions (one per line) once, instead of "
                 "the built-in generator; blockhash checks are then off")
      ->check(CLI::ExistingFile);
  app.add_option("--tx-per-slot", cfg.tx_per_slot, "Transactions offered to pack per slot")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1'000'000u));
  app.add_option("--seed", cfg.seed,
                 "Seed of the generator, blockhashes and fee-payer balances (same seed, same "
                 "transactions)")
      ->capture_default_str();
  app.add_option("--ns-per-cu", cfg.worker.ns_per_cu,
                 "Worker execution time per consumed compute unit, in nanoseconds")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  app.add_option("--progress-ms", cfg.progress_interval_ms,
                 "Interval of progress messages within a slot, in milliseconds")
      ->capture_default_str()
      ->check(CLI::Range(1u, 60'000u));
  app.add_option("--stats-out", stats_out, "Write run statistics as JSON to this file");
  app.add_option("--block-record", block_record,
                 "Write the block record (included signatures in order, CUs, fees per leader "
                 "slot) to this JSON file instead of embedding it in --stats-out");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();
  app.add_option("--linger-ms", cfg.linger_ms,
                 "After the last slot, keep answering pack until it has been quiet this long")
      ->capture_default_str()
      ->check(CLI::Range(0u, 3'600'000u));
  app.add_flag("--quiet", quiet, "Do not print a line per slot (the summary is still printed)");
  app.add_flag("--verify-signatures", cfg.worker.verify_signatures,
               "Workers verify ed25519 signatures (a bad one is SIGNATURE_FAILURE)");
  CLI11_PARSE(app, argc, argv);

  if (!extpack::init_logging("agave-sim", log_level)) {
    std::fprintf(stderr, "agave-sim: unknown --log-level '%s'\n", log_level.c_str());
    return 2;
  }
  cfg.input = input;
  cfg.bank.verify_signatures = cfg.worker.verify_signatures;
  if (auto r = cfg.validate(); !r) {
    std::fprintf(stderr, "agave-sim: %s\n", r.error().message.c_str());
    return 2;
  }

  auto fds = extpack::session::open_regions(session_dir);
  if (!fds) {
    spdlog::error("cannot open session directory {}: {}", session_dir, fds.error().message);
    return 1;
  }
  auto session = extpack::session::AgaveSession::join(*fds);
  if (!session) {
    spdlog::error("cannot join session in {}: {}", session_dir, session.error().message);
    return 1;
  }
  install_signal_handlers();

  extpack::sim::RunHooks hooks;
  hooks.slot_lines = quiet ? nullptr : &std::cout;
  hooks.stop = &g_stop;
  auto report = extpack::sim::run(cfg, *session, hooks);
  if (!report) {
    spdlog::error("simulation failed: {}", report.error().message);
    return 1;
  }
  std::cout << extpack::sim::format_summary(*report) << std::flush;

  int rc = 0;
  if (!stats_out.empty()) {
    auto r = extpack::sim::write_text_file(stats_out,
                                           extpack::sim::stats_json(*report, block_record.empty()));
    if (!r) {
      spdlog::error("{}", r.error().message);
      rc = 1;
    }
  }
  if (!block_record.empty()) {
    auto r = extpack::sim::write_text_file(block_record, extpack::sim::blocks_json(*report));
    if (!r) {
      spdlog::error("{}", r.error().message);
      rc = 1;
    }
  }
  return rc;
}
