// ValidatorWatch: does the validator on the other side of the session still run?
//
// Two signals, either of which is enough:
//   - silence: Agave publishes a ProgressMessage many times per slot whether or not it is
//     leader (agave-sim every 10 ms), so no message on progress_tracker for `silence`
//     (default 2 s, about five slots) means the validator is dead, stalled or disconnected.
//     The clock starts at the first message: a validator that has not sent anything yet may
//     still be starting, and pack does not judge it;
//   - process exit: when the validator's pid is known (seed mode on one host), a pidfd
//     becomes readable the moment the process exits, zombie or not. This catches a validator
//     that dies before its first message and is faster than the silence threshold.
// The runtime asks check() once per poll; the pid is looked at at most every
// PID_CHECK_INTERVAL so that an idle-spinning pack does not make a syscall per poll.
//
// Time is passed in by the caller so the rules can be tested without sleeping.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>

namespace extpack::pack {

enum class ValidatorLoss : std::uint8_t {
  None = 0,
  Silent,        ///< no progress message for longer than the threshold
  ProcessExited, ///< the validator's process is gone
};

[[nodiscard]] const char* to_string(ValidatorLoss l);

class ValidatorWatch {
public:
  using Clock = std::chrono::steady_clock;
  /// Smallest gap between two looks at the validator's process.
  static constexpr std::chrono::milliseconds PID_CHECK_INTERVAL{20};

  /// `silence` 0 disables the silence rule; `pid` 0 disables the process rule.
  ValidatorWatch(std::chrono::milliseconds silence, pid_t pid);
  ~ValidatorWatch();
  ValidatorWatch(const ValidatorWatch&) = delete;
  ValidatorWatch& operator=(const ValidatorWatch&) = delete;

  /// A message arrived on progress_tracker (valid or not: a peer that writes is alive).
  void heard(Clock::time_point now) {
    last_heard_ = now;
    heard_any_ = true;
  }
  /// The verdict at `now`; once not None it stays what it was first found to be.
  ValidatorLoss check(Clock::time_point now);

  /// How long since the last progress message (0 if none arrived yet).
  [[nodiscard]] std::chrono::milliseconds silent_for(Clock::time_point now) const;
  [[nodiscard]] bool heard_any() const { return heard_any_; }
  [[nodiscard]] pid_t pid() const { return pid_; }

private:
  [[nodiscard]] bool process_gone();

  std::chrono::milliseconds silence_;
  pid_t pid_;
  int pidfd_ = -1; ///< -1: pidfd_open unavailable, fall back to kill(pid, 0)
  bool heard_any_ = false;
  Clock::time_point last_heard_{};
  Clock::time_point next_pid_check_{};
  ValidatorLoss verdict_ = ValidatorLoss::None;
};

} // namespace extpack::pack
