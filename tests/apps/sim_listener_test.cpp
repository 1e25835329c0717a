// agave-sim's check that the pack process it serves is still there (apps/sim/listener.cpp).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "listener.hpp"

namespace {

using namespace std::chrono_literals;
using extpack::apps::process_alive;

pid_t spawn_sleeper() {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::pause();
    ::_exit(0);
  }
  return pid;
}

TEST(ProcessAlive, RunningZombieAndReapedProcesses) {
  EXPECT_TRUE(process_alive(::getpid()));
  EXPECT_TRUE(process_alive(0)) << "an unknown pid only ends on a signal";
  const pid_t pid = spawn_sleeper();
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(process_alive(pid));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  // Killed but not reaped: a zombie, which has released its mappings and counts as gone.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (process_alive(pid) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  EXPECT_FALSE(process_alive(pid));
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_FALSE(process_alive(pid));
}

// The process disappearing while its /proc entry is being read must give an answer, not
// an exception: a stream reader threw "No such process" here and ended agave-sim (seen
// once in CI). Each round reaps a child while another thread keeps asking about it.
TEST(ProcessAlive, AProcessReapedDuringTheCheckIsGone) {
  for (int round = 0; round < 200; ++round) {
    const pid_t pid = spawn_sleeper();
    ASSERT_GT(pid, 0);
    std::atomic<bool> reaped{false};
    std::atomic<int> alive_after_reap{0};
    std::thread checker([&] {
      while (!reaped.load()) {
        (void)process_alive(pid);
      }
      if (process_alive(pid)) alive_after_reap.fetch_add(1);
    });
    std::this_thread::sleep_for(std::chrono::microseconds(50 + round % 7 * 30));
    const int killed = ::kill(pid, SIGKILL);
    int status = 0;
    const pid_t waited = ::waitpid(pid, &status, 0);
    reaped.store(true);
    checker.join(); // before any assertion can leave the loop
    ASSERT_EQ(killed, 0);
    ASSERT_EQ(waited, pid);
    EXPECT_EQ(alive_after_reap.load(), 0) << "round " << round;
  }
}

} // namespace
