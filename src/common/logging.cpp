// Logging setup: stderr sink, "[time] [process] [level] message".
#include "extpack/common/logging.hpp"

#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace extpack {

bool init_logging(std::string_view process_name, std::string_view level) {
  auto lvl = spdlog::level::from_str(std::string(level));
  bool known = lvl != spdlog::level::off || level == "off";
  auto logger = spdlog::stderr_color_mt(std::string(process_name));
  logger->set_pattern("[%H:%M:%S.%e] [%n] [%^%l%$] %v");
  logger->set_level(known ? lvl : spdlog::level::info);
  spdlog::set_default_logger(logger);
  return known;
}

} // namespace extpack
