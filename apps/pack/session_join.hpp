// How extpack-pack reaches its session: seed mode (a directory of region files another
// process created; wait for its manifest, then open and join) or the 3.1 handshake (connect
// to the validator's Unix socket with a logon, receive the memfds, join). Both retry until
// a deadline, because pack is often started before the validator is ready.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>

#include "extpack/common/result.hpp"
#include "extpack/session/session.hpp"

namespace extpack::apps {

/// Which seed-mode session a directory held: its manifest file's inode and creator pid.
/// A session that was lost is never rejoined; a new one has a new manifest.
struct SeedIdentity {
  std::uint64_t manifest_inode = 0;
  long creator_pid = 0;
  bool operator==(const SeedIdentity&) const = default;
};

struct JoinedSession {
  session::SessionFds fds;
  session::PackSession session;
  std::string description; ///< "seed-mode session DIR" or "handshake session on SOCKET"
  SeedIdentity seed;       ///< seed mode only
};

/// Waits up to `wait` (or until `stop`) for a readable manifest in `dir` that is not
/// `previous` (pass {} the first time), then opens and joins it.
[[nodiscard]] Result<JoinedSession> join_seed_session(const std::filesystem::path& dir,
                                                      const SeedIdentity& previous,
                                                      std::chrono::milliseconds wait,
                                                      const std::atomic<bool>& stop);

/// Connects to `socket` and logs on with `cfg`, retrying with backoff (50 ms doubling to
/// 1 s) for up to `wait` or until `stop`; then joins with cfg.allocator_handles handles.
[[nodiscard]] Result<JoinedSession> join_handshake_session(const std::filesystem::path& socket,
                                                           const session::SessionConfig& cfg,
                                                           std::chrono::milliseconds wait,
                                                           const std::atomic<bool>& stop);

} // namespace extpack::apps
