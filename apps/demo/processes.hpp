// extpack-demo's process handling: start agave-sim and extpack-pack, stop them in the
// order each session mode needs, and report how each ended.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace extpack::demo {

/// Starts `args` (args[0] is the executable path); nullopt (logged) if it cannot start.
std::optional<pid_t> spawn(const std::vector<std::string>& args);

/// Waits for `pid` up to `timeout`; returns its exit status, or -signal, or nullopt on timeout.
std::optional<int> wait_for(pid_t pid, std::chrono::milliseconds timeout);

/// "exit 0", "killed by signal 9" or "did not exit".
std::string describe_exit(const std::optional<int>& s);

/// How the two processes ended (nullopt: never started or never reaped).
struct Peers {
  std::optional<int> sim_exit;
  std::optional<int> pack_exit;
};

/// Seed mode: pack and sim join the demo's directory; the sim exits after its linger, then
/// pack gets SIGTERM.
Peers run_seed(const std::vector<std::string>& sim_args, const std::vector<std::string>& pack_args,
               std::chrono::milliseconds budget);

/// Socket mode: the sim listens, pack connects. The sim creates `run_done` once its slots
/// and linger are over; then pack gets SIGTERM, and the sim, seeing pack gone, checks the
/// allocator and exits (it gets SIGTERM if it does not within 10 s).
Peers run_socket(const std::vector<std::string>& sim_args,
                 const std::vector<std::string>& pack_args, const std::filesystem::path& run_done,
                 std::chrono::milliseconds budget);

} // namespace extpack::demo
