// Validator liveness: the silence and process rules of ValidatorWatch on a test-controlled
// clock, and the runtime's reaction to a lost validator: scheduling stops and everything
// pack owned is freed, with the loss counted by cause.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include "mock_validator.hpp"
#include "tx_builder.hpp"

namespace extpack::pack {
namespace {

using namespace std::chrono_literals;
using test::build_tx;
using test::MockValidator;
using Clock = ValidatorWatch::Clock;

/// A child process that waits to be killed; the test kills and reaps it.
pid_t start_sleeper() {
  pid_t pid = ::fork();
  if (pid == 0) {
    for (;;)
      ::pause();
  }
  return pid;
}

void kill_and_reap(pid_t pid) {
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
}

TEST(ValidatorWatch, SilenceCountsFromTheLastMessageOnly) {
  ValidatorWatch w(100ms, 0);
  const Clock::time_point t0{};
  EXPECT_EQ(w.check(t0 + 10s), ValidatorLoss::None); // nothing heard yet: not judged
  w.heard(t0 + 10s);
  EXPECT_EQ(w.check(t0 + 10s + 99ms), ValidatorLoss::None);
  w.heard(t0 + 10s + 99ms);
  EXPECT_EQ(w.check(t0 + 10s + 198ms), ValidatorLoss::None);
  EXPECT_EQ(w.silent_for(t0 + 10s + 198ms), 99ms);
  EXPECT_EQ(w.check(t0 + 10s + 199ms), ValidatorLoss::Silent);
  w.heard(t0 + 11s); // a late message does not revive the session
  EXPECT_EQ(w.check(t0 + 11s), ValidatorLoss::Silent);
}

TEST(ValidatorWatch, ZeroSilenceDisablesTheRule) {
  ValidatorWatch w(0ms, 0);
  w.heard(Clock::time_point{});
  EXPECT_EQ(w.check(Clock::time_point{} + 1h), ValidatorLoss::None);
}

TEST(ValidatorWatch, ProcessExitIsSeenZombieOrReaped) {
  pid_t pid = start_sleeper();
  ASSERT_GT(pid, 0);
  ValidatorWatch w(0ms, pid);
  Clock::time_point t{};
  EXPECT_EQ(w.check(t), ValidatorLoss::None);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  // Killed but not reaped: a zombie is gone as far as pack is concerned.
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT), 0);
  t += ValidatorWatch::PID_CHECK_INTERVAL;
  EXPECT_EQ(w.check(t), ValidatorLoss::ProcessExited);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_EQ(w.check(t + 1s), ValidatorLoss::ProcessExited);
}

struct Liveness : ::testing::Test {
  MockValidator v{2};

  std::unique_ptr<PackRuntime> make(std::chrono::milliseconds silence, pid_t pid = 0,
                                    std::chrono::milliseconds shutdown_wait = 20ms) {
    RuntimeConfig c = test::test_runtime_config();
    c.validator_silence = silence;
    c.validator_pid = pid;
    c.shutdown_wait = shutdown_wait;
    return std::make_unique<PackRuntime>(v.pack, c, sched::make_policy("fifo"));
  }

  /// Leader slot 5 with `n` transactions; returns the batches pack sent to worker 0 and 1.
  std::size_t load(PackRuntime& rt, std::uint32_t n) {
    for (std::uint32_t i = 0; i < n; ++i)
      v.send_tx(build_tx({.payer = 100 + i, .salt = i}));
    v.progress(true, 5);
    test::poll(rt);
    return v.take(0).size() + v.take(1).size();
  }

  /// Polls (sleeping 1 ms between polls) until the runtime declares the validator lost;
  /// gives up after `limit` polls.
  static bool poll_until_lost(PackRuntime& rt, int limit = 5000) {
    for (int i = 0; i < limit && !rt.validator_lost(); ++i) {
      rt.poll_once();
      std::this_thread::sleep_for(1ms);
    }
    return rt.validator_lost();
  }

  void expect_all_freed(PackRuntime& rt) {
    EXPECT_TRUE(rt.shut_down());
    EXPECT_EQ(rt.owned_regions(), 0u);
    EXPECT_EQ(rt.in_flight_batches(), 0u);
    // Pack's id holds nothing; the TPU id's transactions were all freed by pack.
    EXPECT_EQ(v.outstanding(session::pack_allocator_id(2, 0)), 0u);
    EXPECT_EQ(v.outstanding(session::tpu_allocator_id()), 0u);
    const PackStats& s = rt.stats();
    EXPECT_EQ(s.received, rt.scheduler().counters().included + s.total_dropped());
  }
};

TEST_F(Liveness, SilentValidatorIsLostAndEverythingIsFreed) {
  // Long enough that a slow or preempted test process cannot look silent while loading.
  auto rt = make(300ms);
  const std::size_t batches = load(*rt, 40);
  ASSERT_GT(batches, 0u);
  ASSERT_GT(rt->in_flight_batches(), 0u);
  v.send_tx(build_tx({.payer = 999, .salt = 999})); // left unread in tpu_to_pack? read now
  ASSERT_TRUE(poll_until_lost(*rt));
  EXPECT_EQ(rt->validator_loss(), ValidatorLoss::Silent);
  EXPECT_EQ(rt->stats().validator_lost_silent, 1u);
  EXPECT_EQ(rt->stats().validator_lost_exited, 0u);
  EXPECT_GE(rt->stats().validator_silent_ms, 300u);
  EXPECT_EQ(rt->stats().shutdown_wait_timeouts, 1u); // nobody answered during the grace
  EXPECT_EQ(rt->stats().received, 41u);
  EXPECT_GT(rt->stats().drop_count(sched::DropReason::InFlightAtShutdown), 0u);
  expect_all_freed(*rt);
  // Nothing more happens on this session, even if the peer wakes up.
  v.progress(true, 6);
  v.send_tx(build_tx({.payer = 1000, .salt = 1000}));
  EXPECT_EQ(rt->poll_once(), 0u);
  EXPECT_TRUE(v.take(0).empty());
  EXPECT_EQ(rt->stats().received, 41u);
  EXPECT_EQ(rt->stats_json()["validator_lost"], true);
}

TEST_F(Liveness, ProgressKeepsTheValidatorAliveAndAnswersDuringTheGraceCount) {
  auto rt = make(30ms, 0, 5000ms);
  ASSERT_EQ(load(*rt, 1), 1u);
  // Progress every poll for longer than the threshold: never lost.
  for (int i = 0; i < 60; ++i) {
    v.progress(true, 5);
    rt->poll_once();
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_FALSE(rt->validator_lost());
  ASSERT_EQ(rt->in_flight_batches(), 1u);
}

TEST_F(Liveness, ExitedValidatorProcessIsLostWithoutWaiting) {
  pid_t pid = start_sleeper();
  ASSERT_GT(pid, 0);
  // A silence threshold that cannot fire during the test: only the process rule can.
  auto rt = make(1h, pid, 3600s);
  ASSERT_GT(load(*rt, 20), 0u);
  rt->poll_once();
  EXPECT_FALSE(rt->validator_lost());
  kill_and_reap(pid);
  ASSERT_TRUE(poll_until_lost(*rt));
  EXPECT_EQ(rt->validator_loss(), ValidatorLoss::ProcessExited);
  EXPECT_EQ(rt->stats().validator_lost_exited, 1u);
  // The hour-long shutdown wait was skipped (the test would not finish otherwise).
  EXPECT_EQ(rt->stats().shutdown_wait_timeouts, 1u);
  expect_all_freed(*rt);
}

TEST_F(Liveness, RunReturnsValidatorLost) {
  auto rt = make(20ms);
  for (std::uint32_t i = 0; i < 10; ++i)
    v.send_tx(build_tx({.payer = 200 + i, .salt = i}));
  v.progress(false, 3);
  std::atomic<bool> stop{false};
  EXPECT_EQ(rt->run(stop), RunEnd::ValidatorLost);
  EXPECT_EQ(rt->stats().received, 10u);
  EXPECT_EQ(rt->stats().drop_count(sched::DropReason::QueuedAtShutdown), 10u);
  expect_all_freed(*rt);
}

TEST_F(Liveness, RunReturnsStoppedWhenToldTo) {
  auto rt = make(1h);
  v.progress(false, 3);
  std::atomic<bool> stop{true};
  EXPECT_EQ(rt->run(stop), RunEnd::Stopped);
  EXPECT_FALSE(rt->validator_lost());
  EXPECT_TRUE(rt->shut_down());
}

} // namespace
} // namespace extpack::pack
