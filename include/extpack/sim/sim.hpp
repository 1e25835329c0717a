// agave-sim's entry point: runs the validator side of one session. Threads: the TPU feed,
// one thread per worker endpoint, and the caller's thread as the slot clock, which opens
// and closes slots on the bank, publishes progress messages and prints the slot lines.
//
// Shutdown: after the last slot the clock sends a final IS_NOT_LEADER progress message and
// stops the feed. Workers keep answering (with BANK_NOT_AVAILABLE, as no bank is ready)
// until `linger_ms` pass with no message from pack, or `stop` is raised. Every message a
// worker read is answered before it exits.
#pragma once

#include <atomic>
#include <functional>
#include <ostream>

#include "extpack/common/result.hpp"
#include "extpack/session/session.hpp"
#include "extpack/sim/clock.hpp"
#include "extpack/sim/config.hpp"
#include "extpack/sim/stats.hpp"

namespace extpack::sim {

struct RunHooks {
  std::ostream* slot_lines = nullptr;      ///< one line per slot as it ends; nullptr: silent
  const std::atomic<bool>* stop = nullptr; ///< raised (e.g. by a signal) to end early
  Clock* clock = nullptr;                  ///< nullptr: real time
  /// Called as each slot ends with the slots done so far and the slots configured.
  std::function<void(const SlotRecord&, std::uint64_t done, std::uint64_t total)> on_slot;
  /// Called as each slot ends, after on_slot, with the run's counters so far (a snapshot of
  /// relaxed atomics: each value is one the counter held during the call). For live metrics.
  std::function<void(const SlotRecord&, const Totals& so_far)> on_totals;
};

/// Runs the simulation over `session` (whose endpoints it uses exclusively while running).
[[nodiscard]] Result<RunReport> run(const SimConfig& cfg, session::AgaveSession& session,
                                    const RunHooks& hooks = {});

} // namespace extpack::sim
