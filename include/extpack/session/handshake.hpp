// The agave-scheduling-utils 3.1 handshake (VERSION 1) over a Unix stream socket.
//
// The validator side is the server: it listens on a path, accepts one connection per
// session, reads exactly 1024 bytes within 1 s — the protocol version (u64 little-endian),
// a 56-byte ClientLogon, zeros — validates it, creates the allocator and every queue as
// memfds, and answers one byte 0x01 with all descriptors in a single SCM_RIGHTS message
// (allocator, tpu_to_pack, progress_tracker, then per worker pack_to_worker and
// worker_to_pack), or 0x02, a length byte and a reason. Pack is the client. After the
// answer the socket is closed; everything else happens in shared memory.
// Spec: protocol-3.1.md §5.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>

#include "extpack/common/result.hpp"
#include "extpack/session/session.hpp"
#include "extpack/shm/mapping.hpp"

namespace extpack::session {

/// Handshake protocol version of agave-scheduling-utils 3.1.x.
inline constexpr std::uint64_t HANDSHAKE_VERSION = 1;
inline constexpr std::uint8_t LOGON_SUCCESS = 0x01;
inline constexpr std::uint8_t LOGON_FAILURE = 0x02;
/// Bytes the client sends and the server reads: version, ClientLogon, zero padding.
inline constexpr std::size_t HANDSHAKE_BUFFER_SIZE = 1024;
/// The server gives the whole logon this long (and each read as long).
inline constexpr std::chrono::milliseconds HANDSHAKE_TIMEOUT{1000};
/// Non-worker descriptors in a success answer: allocator, tpu_to_pack, progress_tracker.
inline constexpr std::size_t GLOBAL_SHMEM = 3;
/// Name every memfd of a session gets.
inline constexpr const char* SHMEM_NAME = "/agave-scheduler-bindings";

/// The 1024 bytes a client sends for `logon`.
std::array<std::uint8_t, HANDSHAKE_BUFFER_SIZE> encode_logon(const ClientLogon& logon);

/// A session the server accepted: the logon and the descriptors (the server keeps them).
struct AcceptedSession {
  ClientLogon logon{};
  SessionFds fds;
};

/// The validator side's listener. Removes its socket path when destroyed.
class HandshakeServer {
public:
  HandshakeServer() = default;
  ~HandshakeServer();
  HandshakeServer(HandshakeServer&& o) noexcept;
  HandshakeServer& operator=(HandshakeServer&& o) noexcept;
  HandshakeServer(const HandshakeServer&) = delete;
  HandshakeServer& operator=(const HandshakeServer&) = delete;

  /// Binds and listens on `path`, which must not exist.
  static Result<HandshakeServer> listen(const std::filesystem::path& path);

  /// Waits up to `wait` for a client and runs the handshake with it. A client that breaks
  /// the protocol is answered with the failure reason (when it is still there) and the
  /// error is returned; the server stays usable for the next client. An error starting
  /// with "no client" means nobody connected within `wait`.
  Result<AcceptedSession> accept(std::chrono::milliseconds wait);

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  /// Runs the server half of the handshake on an already accepted connection.
  static Result<AcceptedSession> serve(int connection);

private:
  shm::UniqueFd fd_;
  std::filesystem::path path_;
};

/// Pack's side: connects to `path`, logs on and receives the session's descriptors.
/// `timeout` bounds each send and receive (connect itself is immediate on a local socket).
Result<SessionFds> connect_handshake(const std::filesystem::path& path, const ClientLogon& logon,
                                     std::chrono::milliseconds timeout);

} // namespace extpack::session
