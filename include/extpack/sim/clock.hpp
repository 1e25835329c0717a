// Time for the simulator, behind an interface so that a virtual clock (deterministic, as
// fast as possible) can replace real time later without touching the threads that use it.
// Times are nanoseconds since an arbitrary epoch.
#pragma once

#include <cstdint>

namespace extpack::sim {

class Clock {
public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual std::int64_t now_ns() const = 0;
  virtual void sleep_until_ns(std::int64_t t) = 0;
  virtual void sleep_for_ns(std::int64_t d) { sleep_until_ns(now_ns() + d); }
};

/// std::chrono::steady_clock and real sleeps.
class SteadyClock final : public Clock {
public:
  [[nodiscard]] std::int64_t now_ns() const override;
  void sleep_until_ns(std::int64_t t) override;
  void sleep_for_ns(std::int64_t d) override;
};

} // namespace extpack::sim
