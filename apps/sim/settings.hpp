// From agave-sim's checked configuration (ops::SimConfig) and its run-control flags to
// sim::SimConfig, and the effective-configuration line logged at startup.
#pragma once

#include <cstdint>
#include <string>

#include "extpack/ops/sim_config.hpp"
#include "extpack/sim/config.hpp"

namespace extpack::apps {

/// Run-control options of agave-sim that are not configuration keys.
struct SimRunOptions {
  std::uint64_t first_slot = 0;
  std::uint32_t leader_window = 4;
  std::uint32_t progress_ms = 10;
  std::uint32_t linger_ms = 2000;
};

[[nodiscard]] sim::SimConfig simulator_config(const ops::SimConfig& cfg, const SimRunOptions& run);

/// Every effective value, "key=value" separated by spaces, for the startup log.
[[nodiscard]] std::string describe(const ops::SimConfig& cfg, const SimRunOptions& run);

} // namespace extpack::apps
