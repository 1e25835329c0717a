// Virtual time for the lab's lockstep engine: a sim::Clock whose "now" moves only when the
// engine (its single thread) moves it. Nothing ever waits in real time, so a run's result
// depends on its configuration alone, never on how fast the machine is.
//
// A sleep on this clock moves time forward to the wake-up time at once. That is only
// meaningful with one thread: the engine calls the simulator's parts step-wise and never
// uses the parts (Worker::run, TpuFeed::run) that sleep in loops.
#pragma once

#include <algorithm>
#include <cstdint>

#include "extpack/sim/clock.hpp"

namespace extpack::lab {

class VirtualClock final : public sim::Clock {
public:
  explicit VirtualClock(std::int64_t start_ns = 0) : now_(start_ns) {}

  [[nodiscard]] std::int64_t now_ns() const override { return now_; }
  void sleep_until_ns(std::int64_t t) override { now_ = std::max(now_, t); }
  void sleep_for_ns(std::int64_t d) override { now_ += std::max<std::int64_t>(d, 0); }
  /// Moves time to `t`; time never goes backwards.
  void advance_to(std::int64_t t) { now_ = std::max(now_, t); }

private:
  std::int64_t now_;
};

} // namespace extpack::lab
