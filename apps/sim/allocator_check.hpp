// The leak check agave-sim runs in handshake mode once pack has exited: the simulator
// created the regions (memfds nobody else can reach), so only it can tell whether pack
// freed everything. Agave's ids drain their remote-free lists first, then the allocations
// of every worker id are counted: id 0 the TPU feed, 1..W the workers, then pack's handles.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "extpack/session/session.hpp"

namespace extpack::apps {

struct AllocatorCheck {
  std::vector<std::uint64_t> by_worker_id; ///< outstanding allocations per allocator id
  std::uint32_t workers = 0;               ///< W, to name the ids
  [[nodiscard]] std::uint64_t total() const;
  /// {"tpu": n, "worker_0": n, ..., "pack_handle_0": n}
  [[nodiscard]] nlohmann::json by_owner_json() const;
  /// One line: "outstanding allocations after pack exited: 0 (tpu 0, worker_0 0, ...)".
  [[nodiscard]] std::string summary_line() const;
};

/// Drains Agave's remote-free lists and counts what every id still has allocated.
[[nodiscard]] AllocatorCheck check_allocator(session::AgaveSession& session);

} // namespace extpack::apps
