// extpack-demo: the main job. Starts agave-sim and extpack-pack as two separate processes
// connected only through shared memory, runs a number of slots, then shuts pack down and
// checks that every transaction is accounted for and that the allocator has zero
// outstanding allocations. Exit status 0 only if all of that holds.
//
// Two ways to set up the session (--mode):
//   socket (default)  the 3.1 handshake: agave-sim listens on a Unix socket in the work
//                     directory, pack connects and logs on; agave-sim creates the regions
//                     and, after pack has exited, counts outstanding allocations itself.
//   seed              the demo creates a seed-mode session directory (acting as the setup
//                     process), both join it, and the demo checks the allocator itself.
// Shutdown order in both: agave-sim runs its slots and lingers until pack is quiet; then
// the demo sends pack SIGTERM; pack frees everything it owns and exits; then agave-sim
// (socket mode) sees pack gone, checks the allocator and exits.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "extpack/common/logging.hpp"
#include "extpack/sched/policies.hpp"
#include "extpack/session/regions.hpp"
#include "processes.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using extpack::demo::describe_exit;
using extpack::demo::Peers;

struct Options {
  std::string mode = "socket";
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

/// Seed mode's leak check: both peers are gone, so the allocator file is quiescent.
std::vector<std::uint64_t> seed_leak_check(const fs::path& session_dir) {
  std::vector<std::uint64_t> by_id;
  auto fds = extpack::session::open_regions(session_dir);
  if (!fds) {
    spdlog::error("cannot reopen the session for the leak check: {}", fds.error().message);
  } else if (auto alloc = extpack::shm::Allocator::join(fds->allocator.get(), 0); !alloc) {
    spdlog::error("cannot join the allocator for the leak check: {}", alloc.error().message);
  } else {
    for (const auto& u : alloc->usage_all())
      by_id.push_back(u.allocations);
  }
  return by_id;
}

/// Socket mode's leak check: what agave-sim counted after pack exited.
std::vector<std::uint64_t> socket_leak_check(const std::optional<json>& sim) {
  std::vector<std::uint64_t> by_id;
  if (!sim || sim->value("leak_check", std::string()) != "after pack exited" ||
      !(*sim)["outstanding_by_worker_id"].is_array()) {
    spdlog::error("agave-sim's stats carry no leak check made after pack exited");
    return by_id;
  }
  for (const auto& n : (*sim)["outstanding_by_worker_id"])
    by_id.push_back(n.get<std::uint64_t>());
  return by_id;
}

int run(const Options& opt) {
  const bool socket_mode = opt.mode == "socket";
  const fs::path bin = self_dir();
  const fs::path session_dir = opt.session_dir.empty()
                                   ? fs::path(fmt::format("/dev/shm/extpack-demo-{}", ::getpid()))
                                   : fs::path(opt.session_dir);
  const fs::path work =
      !opt.work_dir.empty()
          ? fs::path(opt.work_dir)
          : (socket_mode ? fs::temp_directory_path() / fmt::format("extpack-demo-{}", ::getpid())
                         : fs::path(session_dir.string() + ".out"));
  std::error_code ec;
  fs::create_directories(work, ec);
  if (ec) {
    spdlog::error("cannot create {}: {}", work.string(), ec.message());
    return 2;
  }

  extpack::session::SessionConfig cfg;
  cfg.num_workers = opt.workers;
  cfg.allocator_size = opt.allocator_mib * 1024 * 1024;
  extpack::session::Regions regions;
  if (!socket_mode) {
    auto created = extpack::session::Regions::create(session_dir, cfg);
    if (!created) {
      spdlog::error("session setup failed: {}", created.error().message);
      return 2;
    }
    regions = std::move(*created);
  }

  const fs::path sim_stats = work / "sim-stats.json";
  const fs::path pack_stats = work / "pack-stats.json";
  const fs::path blocks = work / "block-record.jsonl";
  const fs::path socket = work / "scheduler.sock";
  const fs::path run_done = work / "sim-run-done";
  fs::remove(socket, ec);
  fs::remove(run_done, ec);
  // clang-format off
  std::vector<std::string> sim_args = {(bin / "agave-sim").string(),
      "--slots", std::to_string(opt.slots), "--slot-ms", std::to_string(opt.slot_ms),
      "--leader-every", std::to_string(opt.leader_every),
      "--tx-per-slot", std::to_string(opt.tx_per_slot), "--seed", std::to_string(opt.seed),
      "--stats-out", sim_stats.string(), "--block-record", blocks.string(),
      "--log-level", opt.log_level};
  std::vector<std::string> pack_args = {(bin / "extpack-pack").string(),
      "--policy", opt.policy, "--stats-out", pack_stats.string(), "--log-level", opt.log_level,
      "--wait-ms", "30000"};
  // clang-format on
  if (socket_mode) {
    sim_args.insert(sim_args.end(), {"--listen", socket.string(), "--run-done-file",
                                     run_done.string(), "--accept-wait-ms", "60000"});
    pack_args.insert(pack_args.end(),
                     {"--connect", socket.string(), "--workers", std::to_string(opt.workers),
                      "--allocator-mib", std::to_string(opt.allocator_mib)});
  } else {
    sim_args.insert(sim_args.end(), {"--session-dir", session_dir.string()});
    pack_args.insert(pack_args.end(), {"--session-dir", session_dir.string()});
  }
  if (!opt.input.empty()) sim_args.insert(sim_args.end(), {"--input", opt.input});
  if (opt.quiet) sim_args.emplace_back("--quiet");

  fmt::print("extpack-demo: {} ({} workers, {} MiB allocator), {} slots of {} ms, workload {}\n",
             socket_mode ? "3.1 handshake on " + socket.string()
                         : "seed-mode session " + session_dir.string(),
             cfg.num_workers, opt.allocator_mib, opt.slots, opt.slot_ms,
             opt.input.empty() ? "built-in generator" : opt.input);
  std::fflush(stdout);

  const auto budget =
      std::chrono::milliseconds(static_cast<std::int64_t>(opt.slots) * opt.slot_ms + 120'000);
  const Peers peers = socket_mode ? extpack::demo::run_socket(sim_args, pack_args, run_done, budget)
                                  : extpack::demo::run_seed(sim_args, pack_args, budget);
  const auto& sim_exit = peers.sim_exit;
  const auto& pack_exit = peers.pack_exit;

  auto sim = read_json(sim_stats);
  auto pack = read_json(pack_stats);
  const std::vector<std::uint64_t> usage =
      socket_mode ? socket_leak_check(sim) : seed_leak_check(session_dir);
  std::uint64_t outstanding = 0;
  for (auto n : usage)
    outstanding += n;

  bool accounted = false;
  json summary;
  summary["mode"] = opt.mode;
  summary["sim_exit"] = describe_exit(sim_exit);
  summary["pack_exit"] = describe_exit(pack_exit);
  summary["outstanding_allocations"] = outstanding;
  summary["outstanding_by_worker_id"] = usage;
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
  if (usage.empty()) {
    fmt::print("  outstanding allocations: NOT CHECKED (no leak check result)\n");
  } else {
    fmt::print("  outstanding allocations: {} (by allocator id: {}; checked by {})\n", outstanding,
               fmt::join(usage, " "), socket_mode ? "agave-sim after pack exited" : "the demo");
  }
  if (!opt.summary_out.empty()) {
    std::ofstream out(opt.summary_out);
    out << summary.dump(2) << "\n";
  }

  const bool ok =
      sim_exit == 0 && pack_exit == 0 && outstanding == 0 && accounted && !usage.empty();
  fmt::print("extpack-demo: {}\n", ok ? "OK" : "FAILED");
  if (!socket_mode) regions.remove();
  if (opt.work_dir.empty() && ok) fs::remove_all(work, ec);
  return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"extpack-demo: run extpack-pack against agave-sim over shared memory and "
               "check that every transaction is accounted for and nothing leaked"};
  app.add_option("--mode", opt.mode,
                 "Session setup: socket (3.1 handshake; agave-sim listens, pack connects) or "
                 "seed (the demo creates a seed-mode directory both join)")
      ->capture_default_str()
      ->check(CLI::IsMember({"socket", "seed"}));
  app.add_option("--input", opt.input,
                 "File of base64 wire-format transactions, one per line "
                 "(default: the simulator's built-in generator)")
      ->check(CLI::ExistingFile);
  app.add_option("--slots", opt.slots, "Slots to simulate")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100000u));
  app.add_option("--slot-ms", opt.slot_ms, "Slot length in milliseconds")
      ->capture_default_str()
      ->check(CLI::Range(10u, 10000u));
  app.add_option("--leader-every", opt.leader_every,
                 "Leader for 4 consecutive slots out of every N")
      ->capture_default_str()
      ->check(CLI::Range(4u, 1000u));
  app.add_option("--workers", opt.workers, "Validator worker threads (1..64)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 64u));
  app.add_option("--tx-per-slot", opt.tx_per_slot, "Transactions the TPU feeds per slot")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000000u));
  app.add_option("--seed", opt.seed, "Generator seed")->capture_default_str();
  std::string policy_list;
  for (auto name : extpack::sched::policy_names()) {
    policy_list += (policy_list.empty() ? "" : ", ") + std::string(name);
  }
  app.add_option("--policy", opt.policy, "Scheduling policy of extpack-pack: " + policy_list)
      ->capture_default_str()
      ->check([](const std::string& v) -> std::string {
        for (auto name : extpack::sched::policy_names()) {
          if (v == name) return {};
        }
        return "unknown policy '" + v + "'";
      });
  app.add_option("--allocator-mib", opt.allocator_mib,
                 "Shared allocator size in MiB (even: a whole number of 2 MiB slabs)")
      ->capture_default_str()
      ->check(CLI::Range(8u, 4094u))
      ->check([](const std::string& v) -> std::string {
        return std::stoul(v) % 2 == 0 ? std::string() : "must be even (2 MiB slabs)";
      });
  app.add_option("--session-dir", opt.session_dir,
                 "Seed mode: session directory to create (default /dev/shm/extpack-demo-<pid>)");
  app.add_option("--work-dir", opt.work_dir,
                 "Where stats, the block record and (socket mode) the handshake socket go "
                 "(kept; default: a temporary directory removed after a successful run)");
  app.add_option("--summary-out", opt.summary_out, "Write the combined summary as JSON here");
  app.add_option("--log-level", opt.log_level, "Log level of all three processes")
      ->capture_default_str();
  app.add_flag("--quiet", opt.quiet, "No per-slot lines");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (!extpack::init_logging("demo", opt.log_level)) {
    std::fprintf(stderr, "unknown --log-level '%s'\n", opt.log_level.c_str());
    return 2;
  }
  return run(opt);
}
