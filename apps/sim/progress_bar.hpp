// A one-line progress bar for long agave-sim runs: slots done, rate and time left, redrawn
// in place on stderr, only when stderr is a terminal (logs and pipes stay clean).
#pragma once

#include <chrono>
#include <cstdint>

namespace extpack::apps {

class ProgressBar {
public:
  /// Enabled only if stderr is a terminal and `total` is known.
  explicit ProgressBar(std::uint64_t total);
  ~ProgressBar() { finish(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// Redraws with `done` of the total finished.
  void update(std::uint64_t done);
  /// Ends the line so later output starts on a fresh one. Idempotent.
  void finish();

  [[nodiscard]] bool enabled() const { return enabled_; }

private:
  std::uint64_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
};

} // namespace extpack::apps
