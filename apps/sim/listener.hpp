// agave-sim's end of the 3.1 handshake: a Unix stream socket that accepts pack, records
// the connecting process's pid (SO_PEERCRED) and runs session::HandshakeServer::serve on
// the connection. The pid lets the simulator tell when pack has exited, so the allocator
// can be checked for leaks once nobody else holds a mapping that could still free.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>

#include "extpack/common/result.hpp"
#include "extpack/session/handshake.hpp"
#include "extpack/shm/mapping.hpp"

namespace extpack::apps {

struct AcceptedPack {
  session::AcceptedSession session;
  pid_t pid = 0; ///< pack's pid as the kernel reported it; 0 if unknown
};

class PackListener {
public:
  PackListener() = default;
  ~PackListener();
  PackListener(PackListener&& o) noexcept;
  PackListener& operator=(PackListener&&) = delete;
  PackListener(const PackListener&) = delete;
  PackListener& operator=(const PackListener&) = delete;

  /// Binds and listens on `path`, which must not exist; the destructor removes it.
  static Result<PackListener> open(const std::filesystem::path& path);

  /// Waits up to `wait` for pack and runs the handshake. An error starting with "no client"
  /// means nobody connected in time; any other error is one failed logon (the client got
  /// the reason) and the listener stays usable.
  Result<AcceptedPack> accept(std::chrono::milliseconds wait);

private:
  shm::UniqueFd fd_;
  std::filesystem::path path_;
};

/// Whether process `pid` still runs (a zombie counts as gone: its mappings are released).
[[nodiscard]] bool process_alive(pid_t pid);

} // namespace extpack::apps
