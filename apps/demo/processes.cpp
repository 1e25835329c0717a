// Starting and stopping the demo's two processes; see processes.hpp.
#include "processes.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstring>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

extern char** environ;

namespace extpack::demo {

namespace fs = std::filesystem;

std::optional<pid_t> spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
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

/// Waits for `pid`, escalating: `patience`, then SIGTERM and 10 s, then SIGKILL.
namespace {

std::optional<int> wait_or_stop(pid_t pid, std::chrono::milliseconds patience, const char* name) {
  auto exit = wait_for(pid, patience);
  if (exit) return exit;
  spdlog::error("{} did not exit within {} ms; sending SIGTERM", name, patience.count());
  ::kill(pid, SIGTERM);
  exit = wait_for(pid, std::chrono::seconds(10));
  if (exit) return exit;
  spdlog::error("{} ignored SIGTERM for 10 s; killing it", name);
  ::kill(pid, SIGKILL);
  return wait_for(pid, std::chrono::seconds(5));
}

} // namespace

/// Seed mode: pack and sim join the demo's directory; the sim exits after its linger.
Peers run_seed(const std::vector<std::string>& sim_args, const std::vector<std::string>& pack_args,
               std::chrono::milliseconds budget) {
  Peers p;
  auto pack_pid = spawn(pack_args);
  if (!pack_pid) return p;
  auto sim_pid = spawn(sim_args);
  if (!sim_pid) {
    ::kill(*pack_pid, SIGTERM);
    p.pack_exit = wait_for(*pack_pid, std::chrono::seconds(10));
    return p;
  }
  p.sim_exit = wait_or_stop(*sim_pid, budget, "agave-sim");
  ::kill(*pack_pid, SIGTERM);
  p.pack_exit = wait_or_stop(*pack_pid, std::chrono::seconds(30), "extpack-pack");
  return p;
}

/// Socket mode: the sim listens, pack connects. The sim creates `run_done` once its slots
/// and linger are over; then pack is stopped, and the sim, seeing pack gone, checks the
/// allocator and exits (SIGTERM if it does not notice within 10 s).
Peers run_socket(const std::vector<std::string>& sim_args,
                 const std::vector<std::string>& pack_args, const fs::path& run_done,
                 std::chrono::milliseconds budget) {
  Peers p;
  auto sim_pid = spawn(sim_args);
  if (!sim_pid) return p;
  auto pack_pid = spawn(pack_args);
  if (!pack_pid) {
    ::kill(*sim_pid, SIGTERM);
    p.sim_exit = wait_for(*sim_pid, std::chrono::seconds(10));
    return p;
  }
  const auto deadline = std::chrono::steady_clock::now() + budget;
  while (!fs::exists(run_done) && std::chrono::steady_clock::now() < deadline) {
    if (auto e = wait_for(*sim_pid, std::chrono::milliseconds(0))) {
      p.sim_exit = e; // ended before its slots were over: a failure, reported below
      break;
    }
    if (auto e = wait_for(*pack_pid, std::chrono::milliseconds(0))) {
      p.pack_exit = e;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!fs::exists(run_done) && !p.sim_exit && !p.pack_exit) {
    spdlog::error("agave-sim did not finish its slots within {} ms", budget.count());
  }
  if (!p.pack_exit) {
    ::kill(*pack_pid, SIGTERM);
    p.pack_exit = wait_or_stop(*pack_pid, std::chrono::seconds(30), "extpack-pack");
  }
  if (!p.sim_exit) p.sim_exit = wait_or_stop(*sim_pid, std::chrono::seconds(10), "agave-sim");
  return p;
}

} // namespace extpack::demo
