// Test helpers that run the built executables as child processes: start one with its
// output going to a file, wait for it with a bound, read what it wrote.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace extpack::test {

/// <build>/bin/`name`.
std::string app_path(const std::string& name);

/// Starts `args` (args[0] is the executable) with stdout and stderr appended to `log`.
/// Returns the pid, or -1 if it could not start.
pid_t start_process(const std::vector<std::string>& args, const std::filesystem::path& log);

/// Waits up to `timeout` for `pid`: its exit status, 128 + signal if killed, or nullopt.
std::optional<int> wait_process(pid_t pid, std::chrono::milliseconds timeout);

/// Sends SIGKILL and reaps `pid` (cleanup after a failed test).
void kill_process(pid_t pid);

/// Runs `args` to completion (at most 60 s); returns the exit status (-1 on timeout) and
/// fills `output` with stdout and stderr.
int run_process(const std::vector<std::string>& args, std::string* output);

/// The whole file, or "" if it cannot be read.
std::string read_file(const std::filesystem::path& file);

/// A fresh directory under the temp dir, named after `tag` and the pid; removed by the
/// destructor.
class TempDir {
public:
  explicit TempDir(const std::string& tag);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

} // namespace extpack::test
