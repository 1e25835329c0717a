// Validator liveness rules; see liveness.hpp.
#include "extpack/pack/liveness.hpp"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace extpack::pack {

const char* to_string(ValidatorLoss l) {
  switch (l) {
  case ValidatorLoss::None:
    return "none";
  case ValidatorLoss::Silent:
    return "silent";
  case ValidatorLoss::ProcessExited:
    return "process_exited";
  }
  return "unknown";
}

ValidatorWatch::ValidatorWatch(std::chrono::milliseconds silence, pid_t pid)
    : silence_(silence), pid_(pid) {
  if (pid_ > 0) {
#ifdef SYS_pidfd_open
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd_ < 0 && errno == ESRCH) verdict_ = ValidatorLoss::ProcessExited;
#endif
  }
}

ValidatorWatch::~ValidatorWatch() {
  if (pidfd_ >= 0) ::close(pidfd_);
}

bool ValidatorWatch::process_gone() {
  if (pidfd_ >= 0) {
    pollfd p{pidfd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLIN | POLLHUP)) != 0;
  }
  // Without a pidfd a zombie still answers kill(pid, 0); its parent reaping it ends that.
  return ::kill(pid_, 0) != 0 && errno == ESRCH;
}

ValidatorLoss ValidatorWatch::check(Clock::time_point now) {
  if (verdict_ != ValidatorLoss::None) return verdict_;
  if (pid_ > 0 && now >= next_pid_check_) {
    next_pid_check_ = now + PID_CHECK_INTERVAL;
    if (process_gone()) return verdict_ = ValidatorLoss::ProcessExited;
  }
  if (silence_.count() > 0 && heard_any_ && now - last_heard_ >= silence_) {
    verdict_ = ValidatorLoss::Silent;
  }
  return verdict_;
}

std::chrono::milliseconds ValidatorWatch::silent_for(Clock::time_point now) const {
  if (!heard_any_) return std::chrono::milliseconds{0};
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - last_heard_);
}

} // namespace extpack::pack
