// Joining pack's session in either mode; see session_join.hpp.
#include "session_join.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

#include "extpack/session/handshake.hpp"
#include "extpack/session/regions.hpp"

namespace extpack::apps {

namespace {

using Clock = std::chrono::steady_clock;

bool stopped(const std::atomic<bool>& stop) {
  return stop.load(std::memory_order_relaxed);
}

/// The identity of the session in `dir` if its manifest is readable and valid.
Result<std::pair<session::Manifest, SeedIdentity>> read_identity(const std::filesystem::path& dir) {
  struct stat st {};
  const auto file = dir / session::MANIFEST_FILE;
  if (::stat(file.c_str(), &st) != 0) {
    return make_error("cannot stat {}: {}", file.string(), std::strerror(errno));
  }
  auto m = session::read_manifest(dir);
  if (!m) return m.error();
  return std::pair{*m, SeedIdentity{static_cast<std::uint64_t>(st.st_ino), m->creator_pid}};
}

} // namespace

Result<JoinedSession> join_seed_session(const std::filesystem::path& dir,
                                        const SeedIdentity& previous,
                                        std::chrono::milliseconds wait,
                                        const std::atomic<bool>& stop) {
  const auto give_up = Clock::now() + wait;
  const auto usable = [&](const auto& r) { return r && r->second != previous; };
  auto found = read_identity(dir);
  while (!usable(found) && Clock::now() < give_up && !stopped(stop)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    found = read_identity(dir);
  }
  if (!found) {
    return make_error("no usable session in {} after {} ms: {}", dir.string(), wait.count(),
                      found.error().message);
  }
  if (!usable(found)) {
    return make_error("no new session in {} after {} ms: the manifest is still the lost "
                      "session's (creator pid {})",
                      dir.string(), wait.count(), previous.creator_pid);
  }
  auto fds = session::open_regions(dir);
  if (!fds) return make_error("cannot open session {}: {}", dir.string(), fds.error().message);
  auto joined = session::PackSession::join(*fds, found->first.config.allocator_handles);
  if (!joined)
    return make_error("cannot join session {}: {}", dir.string(), joined.error().message);
  return JoinedSession{std::move(*fds), std::move(*joined), "seed-mode session " + dir.string(),
                       found->second};
}

Result<JoinedSession> join_handshake_session(const std::filesystem::path& socket,
                                             const session::SessionConfig& cfg,
                                             std::chrono::milliseconds wait,
                                             const std::atomic<bool>& stop) {
  const session::ClientLogon logon = session::to_logon(cfg);
  const auto give_up = Clock::now() + wait;
  auto backoff = std::chrono::milliseconds(50);
  std::uint32_t attempts = 0;
  while (true) {
    ++attempts;
    auto fds = session::connect_handshake(socket, logon, session::HANDSHAKE_TIMEOUT);
    if (fds) {
      auto joined = session::PackSession::join(*fds, cfg.allocator_handles);
      if (!joined) {
        return make_error("handshake on {} succeeded but joining failed: {}", socket.string(),
                          joined.error().message);
      }
      return JoinedSession{
          std::move(*fds), std::move(*joined), "handshake session on " + socket.string(), {}};
    }
    if (Clock::now() + backoff >= give_up || stopped(stop)) {
      return make_error("handshake on {} failed after {} attempt(s) in {} ms: {}", socket.string(),
                        attempts, wait.count(), fds.error().message);
    }
    spdlog::debug("handshake attempt {} on {} failed ({}); retrying in {} ms", attempts,
                  socket.string(), fds.error().message, backoff.count());
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
}

} // namespace extpack::apps
