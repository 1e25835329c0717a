// Process-wide logging setup on spdlog: one named logger per process, levels by name.
#pragma once

#include <string_view>

#include <spdlog/spdlog.h>

namespace extpack {

/// Sets the default logger's name (e.g. "pack", "agave-sim") and level ("trace", "debug",
/// "info", "warn", "error", "off"). Logs go to stderr. Returns false on an unknown level.
bool init_logging(std::string_view process_name, std::string_view level);

} // namespace extpack
