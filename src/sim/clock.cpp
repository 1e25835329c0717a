// Real-time clock (see clock.hpp).
#include "extpack/sim/clock.hpp"

#include <chrono>
#include <thread>

namespace extpack::sim {

std::int64_t SteadyClock::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void SteadyClock::sleep_until_ns(std::int64_t t) {
  const std::int64_t d = t - now_ns();
  if (d > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(d));
}

void SteadyClock::sleep_for_ns(std::int64_t d) {
  if (d > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(d));
}

} // namespace extpack::sim
