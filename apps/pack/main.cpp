// extpack-pack: the external scheduler process. Joins a seed-mode session directory
// (created by the validator side or a setup tool), runs the pack loop until SIGTERM or
// SIGINT, shuts down cleanly (every allocation pack owns is freed) and writes its stats.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "extpack/common/logging.hpp"
#include "extpack/pack/runtime.hpp"
#include "extpack/sched/policies.hpp"
#include "extpack/session/regions.hpp"

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) {
  g_stop.store(true, std::memory_order_relaxed);
}

std::string join_names() {
  std::string s;
  for (auto n : extpack::sched::policy_names()) {
    if (!s.empty()) s += ", ";
    s += n;
  }
  return s;
}

} // namespace

int main(int argc, char** argv) {
  using namespace extpack;
  CLI::App app{"extpack-pack: external block-packing scheduler for Agave's 3.1 scheduler "
               "bindings (shared-memory session, seed mode)"};
  std::string session_dir, policy_name = "extpack", stats_out, log_level = "info";
  pack::RuntimeConfig cfg;
  sched::SchedConfig& sc = cfg.sched;
  std::uint64_t wait_ms = 10'000, shutdown_wait_ms = 2'000, duration_ms = 0;
  std::uint64_t capacity = sc.capacity;
  std::uint32_t max_attempts = sc.max_attempts;

  app.add_option("--session-dir", session_dir,
                 "Seed-mode session directory (manifest, allocator and queue files) to join")
      ->required();
  app.add_option("--policy", policy_name, "Scheduling policy: " + join_names())
      ->capture_default_str();
  app.add_option("--capacity", capacity,
                 "Most transactions held at once (queued + in flight); the lowest-priority "
                 "queued one is evicted when full")
      ->capture_default_str();
  app.add_option("--stats-out", stats_out, "Write a JSON stats file here on exit");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();
  app.add_option("--max-block-units", sc.limits.max_block_units,
                 "Block cost limit, cost units per slot (SIMD-0256: 60M)")
      ->capture_default_str();
  app.add_option("--max-writable-account-units", sc.limits.max_writable_account_units,
                 "Cost limit per writable account per slot, cost units (SIMD-0306: 24M at 60M)")
      ->capture_default_str();
  app.add_option("--max-vote-units", sc.limits.max_vote_units,
                 "Cost limit of simple votes per slot, cost units")
      ->capture_default_str();
  app.add_option("--max-batch", sc.max_batch,
                 "Transactions per batch (at most 64, the bindings' limit)")
      ->capture_default_str();
  app.add_option("--max-batches-per-worker", sc.max_batches_per_worker,
                 "Batches a worker may hold at once")
      ->capture_default_str();
  app.add_option("--max-inflight-cost", sc.max_inflight_cost,
                 "Cap on cost units in flight across workers (0 = only the slot budget)")
      ->capture_default_str();
  app.add_option("--max-scan", sc.max_scan_per_pass,
                 "Queue entries one scheduling pass may examine")
      ->capture_default_str();
  app.add_option("--max-attempts", max_attempts,
                 "Times a transaction may come back unexecuted before it is dropped")
      ->capture_default_str();
  app.add_option("--allocator-handle", cfg.allocator_handle,
                 "Which of the session's pack allocator handles to use (id 1 + W + handle)")
      ->capture_default_str();
  app.add_option("--wait-ms", wait_ms,
                 "How long to wait for the session directory's manifest to appear")
      ->capture_default_str();
  app.add_option("--shutdown-wait-ms", shutdown_wait_ms,
                 "How long shutdown waits for answers to in-flight batches before freeing them")
      ->capture_default_str();
  app.add_option("--duration-ms", duration_ms,
                 "Stop by itself after this long (0 = run until SIGTERM/SIGINT)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (!init_logging("pack", log_level)) {
    std::fprintf(stderr, "unknown log level '%s'\n", log_level.c_str());
    return 2;
  }
  auto policy = sched::make_policy(policy_name);
  if (!policy) {
    spdlog::error("unknown policy '{}'; known: {}", policy_name, join_names());
    return 2;
  }
  sc.capacity = capacity;
  sc.max_attempts = static_cast<std::uint8_t>(std::clamp<std::uint32_t>(max_attempts, 1, 255));
  cfg.shutdown_wait = std::chrono::milliseconds(shutdown_wait_ms);

  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  // The validator side may still be creating the directory: wait for a readable manifest.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  Result<session::Manifest> manifest = session::read_manifest(session_dir);
  while (!manifest && std::chrono::steady_clock::now() < give_up && !g_stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    manifest = session::read_manifest(session_dir);
  }
  if (!manifest) {
    spdlog::error("cannot join session: {}", manifest.error().message);
    return 1;
  }
  auto fds = session::open_regions(session_dir);
  if (!fds) {
    spdlog::error("cannot open session {}: {}", session_dir, fds.error().message);
    return 1;
  }
  const std::uint32_t handles = manifest->config.allocator_handles;
  if (cfg.allocator_handle >= handles) {
    spdlog::error("--allocator-handle {} but the session has {} pack handles", cfg.allocator_handle,
                  handles);
    return 2;
  }
  auto session = session::PackSession::join(*fds, handles);
  if (!session) {
    spdlog::error("cannot join session {}: {}", session_dir, session.error().message);
    return 1;
  }
  spdlog::info("joined {}: {} workers, allocator id {}, policy {}, capacity {}, block limit {}",
               session_dir, session->num_workers(),
               session::pack_allocator_id(session->num_workers(), cfg.allocator_handle),
               policy->name(), sc.capacity, sc.limits.max_block_units);

  pack::PackRuntime rt(*session, cfg, std::move(policy));
  std::thread timer;
  if (duration_ms != 0) {
    timer = std::thread([duration_ms] {
      const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(duration_ms);
      while (!g_stop.load() && std::chrono::steady_clock::now() < end) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      g_stop.store(true);
    });
  }
  rt.run(g_stop);
  if (timer.joinable()) timer.join();

  const bool clean = rt.owned_regions() == 0;
  if (!stats_out.empty()) {
    std::ofstream out(stats_out);
    out << rt.stats_json().dump(2) << '\n';
    if (!out) {
      spdlog::error("cannot write stats to {}", stats_out);
      return 1;
    }
  }
  if (!clean) {
    spdlog::error("exit with {} regions still owned", rt.owned_regions());
    return 1;
  }
  return 0;
}
