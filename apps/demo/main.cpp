// extpack-demo: the main job. Creates a seed-mode session (acting as the setup process),
// starts agave-sim and extpack-pack as two separate processes connected only through that
// shared memory, runs a number of slots, then shuts pack down, checks that every
// transaction is accounted for and that the allocator has zero outstanding allocations,
// and removes the session files. Exit status 0 only if all of that holds.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "extpack/common/logging.hpp"
#include "extpack/session/regions.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct Options {
  std::string input;
  std::uint32_t slots = 24;
  std::uint32_t slot_ms = 400;
  std::uint32_t leader_every = 8;
  std::uint32_t workers = 4;
  std::uint32_t tx_per_slot = 2000;
  std::uint64_t seed = 1;
  std::string policy = "extpack";
  std::string session_dir;
  std::string summary_out;
  std::string work_dir;
  std::string log_level = "warn";
  std::uint64_t allocator_mib = 512;
  bool quiet = false;
};

fs::path self_dir() {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : exe.parent_path();
}

std::optional<pid_t> spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (int rc = posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ); rc != 0) {
    spdlog::error("cannot start {}: {}", args[0], std::strerror(rc));
    return std::nullopt;
  }
  return pid;
}

/// Waits for `pid` up to `timeout`; returns its exit status, or -signal, or nullopt on timeout.
std::optional<int> wait_for(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return -WTERMSIG(status);
      return -1;
    }
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string describe_exit(const std::optional<int>& s) {
  if (!s) return "did not exit";
  if (*s >= 0) return fmt::format("exit {}", *s);
  return fmt::format("killed by signal {}", -*s);
}

std::optional<json> read_json(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return std::nullopt;
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    spdlog::error("cannot parse {}: {}", p.string(), e.what());
    return std::nullopt;
  }
}

std::uint64_t sum_object(const json& j) {
  std::uint64_t total = 0;
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (v.is_number_unsigned()) total += v.get<std::uint64_t>();
    }
  }
  return total;
}

std::uint64_t u64(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<std::uint64_t>() : 0;
}

int run(const Options& opt) {
  const fs::path bin = self_dir();
  const fs::path session_dir = opt.session_dir.empty()
                                   ? fs::path(fmt::format("/dev/shm/extpack-demo-{}", ::getpid()))
                                   : fs::path(opt.session_dir);
  const fs::path work = opt.work_dir.empty() ? session_dir.string() + ".out" : opt.work_dir;
  std::error_code ec;
  fs::create_directories(work, ec);
  if (ec) {
    spdlog::error("cannot create {}: {}", work.string(), ec.message());
    return 2;
  }

  extpack::session::SessionConfig cfg;
  cfg.num_workers = opt.workers;
  cfg.allocator_size = opt.allocator_mib * 1024 * 1024;
  auto regions = extpack::session::Regions::create(session_dir, cfg);
  if (!regions) {
    spdlog::error("session setup failed: {}", regions.error().message);
    return 2;
  }

  const fs::path sim_stats = work / "sim-stats.json";
  const fs::path pack_stats = work / "pack-stats.json";
  const fs::path blocks = work / "block-record.jsonl";
  std::vector<std::string> sim_args = {(bin / "agave-sim").string(),
                                       "--session-dir", session_dir.string(),
                                       "--slots", std::to_string(opt.slots),
                                       "--slot-ms", std::to_string(opt.slot_ms),
                                       "--leader-every", std::to_string(opt.leader_every),
                                       "--tx-per-slot", std::to_string(opt.tx_per_slot),
                                       "--seed", std::to_string(opt.seed),
                                       "--stats-out", sim_stats.string(),
                                       "--block-record", blocks.string(),
                                       "--log-level", opt.log_level};
  if (!opt.input.empty()) {
    sim_args.insert(sim_args.end(), {"--input", opt.input});
  }
  if (opt.quiet) sim_args.emplace_back("--quiet");
  std::vector<std::string> pack_args = {(bin / "extpack-pack").string(),
                                        "--session-dir", session_dir.string(),
                                        "--policy", opt.policy,
                                        "--stats-out", pack_stats.string(),
                                        "--log-level", opt.log_level};

  fmt::print("extpack-demo: session {} ({} workers, {} MiB allocator), {} slots of {} ms, "
             "workload {}\n",
             session_dir.string(), cfg.num_workers, opt.allocator_mib, opt.slots, opt.slot_ms,
             opt.input.empty() ? "built-in generator" : opt.input);
  std::fflush(stdout);

  auto pack_pid = spawn(pack_args);
  if (!pack_pid) return 2;
  auto sim_pid = spawn(sim_args);
  if (!sim_pid) {
    ::kill(*pack_pid, SIGTERM);
    wait_for(*pack_pid, std::chrono::seconds(10));
    return 2;
  }

  // The simulator ends the run: it stops after its slots and lingers until its workers
  // are quiet. Then pack is told to shut down and frees everything it still owns.
  const auto run_budget = std::chrono::milliseconds(
      static_cast<std::int64_t>(opt.slots) * opt.slot_ms + 120'000);
  auto sim_exit = wait_for(*sim_pid, run_budget);
  if (!sim_exit) {
    spdlog::error("agave-sim did not finish within {} ms; stopping it", run_budget.count());
    ::kill(*sim_pid, SIGTERM);
    sim_exit = wait_for(*sim_pid, std::chrono::seconds(10));
    if (!sim_exit) {
      ::kill(*sim_pid, SIGKILL);
      sim_exit = wait_for(*sim_pid, std::chrono::seconds(5));
    }
  }
  ::kill(*pack_pid, SIGTERM);
  auto pack_exit = wait_for(*pack_pid, std::chrono::seconds(30));
  if (!pack_exit) {
    spdlog::error("extpack-pack did not exit 30 s after SIGTERM; killing it");
    ::kill(*pack_pid, SIGKILL);
    pack_exit = wait_for(*pack_pid, std::chrono::seconds(5));
  }

  // Leak check: both peers are gone, so the allocator file is quiescent.
  std::vector<extpack::shm::WorkerUsage> usage;
  std::uint64_t outstanding = 0;
  {
    auto fds = extpack::session::open_regions(session_dir);
    if (!fds) {
      spdlog::error("cannot reopen the session for the leak check: {}", fds.error().message);
    } else if (auto alloc = extpack::shm::Allocator::join(fds->allocator.get(), 0); !alloc) {
      spdlog::error("cannot join the allocator for the leak check: {}", alloc.error().message);
    } else {
      usage = alloc->usage_all();
      for (const auto& u : usage) outstanding += u.allocations;
    }
  }

  auto sim = read_json(sim_stats);
  auto pack = read_json(pack_stats);
  bool accounted = false;
  json summary;
  summary["sim_exit"] = describe_exit(sim_exit);
  summary["pack_exit"] = describe_exit(pack_exit);
  summary["outstanding_allocations"] = outstanding;
  for (std::size_t id = 0; id < usage.size(); ++id) {
    summary["outstanding_by_worker_id"].push_back(usage[id].allocations);
  }
  if (sim && pack) {
    const std::uint64_t fed = u64(*sim, "fed");
    const std::uint64_t received = u64(*pack, "received");
    const std::uint64_t included = u64(*pack, "included");
    const std::uint64_t dropped = sum_object((*pack)["dropped"]);
    accounted = fed == received && received == included + dropped;
    summary["fed"] = fed;
    summary["received"] = received;
    summary["included"] = included;
    summary["dropped_total"] = dropped;
    summary["dropped"] = (*pack)["dropped"];
    summary["sim_included"] = u64(*sim, "included");
    summary["fees_lamports"] = u64(*pack, "fees_captured");
    summary["rejected_messages"] = (*pack).value("rejected_messages", json::object());
    summary["sim_not_processed"] = (*sim).value("not_processed", json::object());
    summary["sim"] = *sim;
    summary["pack"] = *pack;

    fmt::print("\nsummary: fed {} | pack received {} | included {} | dropped {} | fees {} "
               "lamports\n",
               fed, received, included, dropped, u64(*pack, "fees_captured"));
    if ((*pack)["dropped"].is_object()) {
      for (const auto& [reason, n] : (*pack)["dropped"].items()) {
        fmt::print("  dropped {:<40} {}\n", reason, n.dump());
      }
    }
    fmt::print("  every transaction accounted for: {}\n", accounted ? "yes" : "NO");
  } else {
    fmt::print("\nsummary: missing stats ({}{})\n", sim ? "" : sim_stats.string() + " ",
               pack ? "" : pack_stats.string());
  }
  summary["accounted"] = accounted;
  fmt::print("  agave-sim: {}; extpack-pack: {}\n", describe_exit(sim_exit),
             describe_exit(pack_exit));
  fmt::print("  outstanding allocations: {}\n", outstanding);
  if (!opt.summary_out.empty()) {
    std::ofstream out(opt.summary_out);
    out << summary.dump(2) << "\n";
  }

  const bool ok = sim_exit == 0 && pack_exit == 0 && outstanding == 0 && accounted &&
                  !usage.empty();
  fmt::print("extpack-demo: {}\n", ok ? "OK" : "FAILED");
  regions->remove();
  if (opt.work_dir.empty() && ok) fs::remove_all(work, ec);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"extpack-demo: run extpack-pack against agave-sim over shared memory"};
  app.add_option("--input", opt.input,
                 "File of base64 wire-format transactions, one per line "
                 "(default: the simulator's built-in generator)")
      ->check(CLI::ExistingFile);
  app.add_option("--slots", opt.slots, "Slots to simulate")->check(CLI::Range(1u, 100000u));
  app.add_option("--slot-ms", opt.slot_ms, "Slot length in milliseconds")
      ->check(CLI::Range(10u, 10000u));
  app.add_option("--leader-every", opt.leader_every,
                 "Leader for 4 consecutive slots out of every N")
      ->check(CLI::Range(4u, 1000u));
  app.add_option("--workers", opt.workers, "Validator worker threads (1..64)")
      ->check(CLI::Range(1u, 64u));
  app.add_option("--tx-per-slot", opt.tx_per_slot, "Transactions the TPU feeds per slot");
  app.add_option("--seed", opt.seed, "Generator seed");
  app.add_option("--policy", opt.policy, "Scheduling policy of extpack-pack");
  app.add_option("--allocator-mib", opt.allocator_mib, "Shared allocator size in MiB")
      ->check(CLI::Range(8u, 4094u));
  app.add_option("--session-dir", opt.session_dir,
                 "Session directory to create (default /dev/shm/extpack-demo-<pid>)");
  app.add_option("--work-dir", opt.work_dir,
                 "Where stats and the block record are written (kept; default: a temporary "
                 "directory removed after a successful run)");
  app.add_option("--summary-out", opt.summary_out, "Write the combined summary as JSON here");
  app.add_option("--log-level", opt.log_level, "Log level of all three processes");
  app.add_flag("--quiet", opt.quiet, "No per-slot lines");
  CLI11_PARSE(app, argc, argv);
  extpack::init_logging("demo", opt.log_level);
  return run(opt);
}
