// SIGINT/SIGTERM -> stop flag. The flag is a lock-free atomic, the only kind of object a
// signal handler may touch.
#include "extpack/common/signals.hpp"

#include <csignal>

namespace extpack {
namespace {
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void on_stop_signal(int) { g_stop.store(true, std::memory_order_release); }
}  // namespace

std::atomic<bool>& stop_flag() { return g_stop; }

void install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace extpack
