// The process-wide stop flag that SIGTERM and SIGINT set, for long-running tools that poll
// it and shut down cleanly (free what they own, write their stats, exit 0).
#pragma once

#include <atomic>

namespace extpack {

/// Installs handlers for SIGINT and SIGTERM that set stop_flag(). Call once, early.
void install_stop_signals();

/// Set (release) by the handlers; read with acquire.
std::atomic<bool>& stop_flag();

inline bool stop_requested() { return stop_flag().load(std::memory_order_acquire); }

}  // namespace extpack
