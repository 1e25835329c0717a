// PackStats: a counter for every outcome of the pack process, and their JSON form.
//
// The accounting identity the counters are built around: every transaction pack took
// ownership of (`received`) ends in exactly one terminal state, included or dropped for
// one reason, so received == included + sum(dropped) once pack has shut down.
// Messages that pack refused without taking ownership are counted in `rejected`, apart.
//
// Hot paths bump plain integers; names are produced only when the JSON is built.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "extpack/pack/reject.hpp"
#include "extpack/sched/scheduler.hpp"
#include "extpack/sched/types.hpp"

namespace extpack::pack {

/// Durations in fixed exponential buckets: bucket i (< bounds) counts samples of at most
/// first_ns * 2^i nanoseconds, bucket `bounds` everything longer. Recording is a few integer
/// operations on arrays inside the struct: no allocation, no lock, no name lookup. The
/// bounds equal the Prometheus buckets of the same metric (ops/metric_sets.hpp), so an
/// exporter copies bucket counts across one for one.
struct LatencyHistogram {
  static constexpr std::size_t MAX_BOUNDS = 24;

  std::uint64_t first_ns; ///< upper bound of bucket 0, nanoseconds
  std::size_t bounds;     ///< finite buckets (<= MAX_BOUNDS); one more catches the rest
  std::array<std::uint64_t, MAX_BOUNDS + 1> buckets{}; ///< NOT cumulative
  std::uint64_t count = 0;
  std::uint64_t sum_ns = 0;
  std::uint64_t max_ns = 0;

  constexpr LatencyHistogram(std::uint64_t first, std::size_t n)
      : first_ns(first), bounds(n < MAX_BOUNDS ? n : MAX_BOUNDS) {}

  /// Index of the bucket that counts `ns`.
  [[nodiscard]] std::size_t bucket_of(std::uint64_t ns) const {
    if (ns <= first_ns) return 0;
    // ns <= first * 2^i  <=>  ceil(ns / first) - 1 < 2^i.
    const auto i = static_cast<std::size_t>(std::bit_width((ns - 1) / first_ns));
    return i < bounds ? i : bounds;
  }
  void record(std::uint64_t ns) {
    ++buckets[bucket_of(ns)];
    ++count;
    sum_ns += ns;
    if (ns > max_ns) max_ns = ns;
  }
  /// Upper bound of bucket i, nanoseconds (i < bounds).
  [[nodiscard]] std::uint64_t bound_ns(std::size_t i) const { return first_ns << i; }
  /// Upper bound of the bucket holding quantile q (0 < q <= 1) of the samples, capped by
  /// the largest sample; 0 when empty.
  [[nodiscard]] std::uint64_t quantile_bound_ns(double q) const;
};

/// Time to inclusion: 1 ms .. 16.384 s in 15 buckets (a slot is 400 ms; a transaction
/// that arrives while the validator is not leader waits for its next leader window).
inline constexpr std::uint64_t INCLUSION_FIRST_BOUND_NS = 1'000'000;
inline constexpr std::size_t INCLUSION_BOUNDS = 15;
/// One scheduling pass: 1 us .. 65.536 ms in 17 buckets.
inline constexpr std::uint64_t SCHEDULE_PASS_FIRST_BOUND_NS = 1'000;
inline constexpr std::size_t SCHEDULE_PASS_BOUNDS = 17;

struct PackStats {
  static constexpr std::size_t NUM_DROP = static_cast<std::size_t>(sched::DropReason::Count);
  static constexpr std::size_t NUM_REJECT = static_cast<std::size_t>(Reject::Count);
  /// Detail codes (parse/sanitize/budget/lock error enums) kept per drop reason.
  static constexpr std::size_t NUM_DETAIL = 32;

  std::uint64_t received = 0; ///< tpu messages whose bytes pack took ownership of
  std::array<std::uint64_t, NUM_DROP> dropped{};
  std::array<std::array<std::uint64_t, NUM_DETAIL>, NUM_DROP> drop_detail{};
  std::array<std::uint64_t, 256> not_included{}; ///< permanent reasons, by code
  std::array<std::uint64_t, NUM_REJECT> rejected{};

  std::uint64_t tpu_messages = 0;      ///< read from tpu_to_pack (valid or not)
  std::uint64_t progress_messages = 0; ///< read from progress_tracker (valid or not)
  std::uint64_t worker_messages = 0;   ///< read from worker_to_pack (valid or not)
  std::uint64_t not_processed_batches = 0;
  std::uint64_t retried_by_reason[256] = {}; ///< retryable not_included reasons, by code
  std::uint64_t batch_alloc_failures = 0;    ///< allocator had no room for a batch array
  std::uint64_t worker_queue_full = 0;       ///< a batch was planned for a full queue
  std::uint64_t leader_slots = 0;
  std::uint64_t frees_local = 0;
  std::uint64_t frees_remote = 0;
  std::uint64_t shutdown_wait_timeouts = 0;
  std::uint64_t validator_lost_silent = 0; ///< no progress for RuntimeConfig::validator_silence
  std::uint64_t validator_lost_exited = 0; ///< the validator's process exited
  std::uint64_t validator_silent_ms = 0;   ///< silence when the loss was declared
  /// From the poll that read a transaction from tpu_to_pack to the response that reported
  /// it included: one sample per included transaction (count == SchedCounters::included).
  LatencyHistogram time_to_inclusion{INCLUSION_FIRST_BOUND_NS, INCLUSION_BOUNDS};
  /// Duration of each scheduling pass (count == SchedCounters::pass.passes).
  LatencyHistogram schedule_pass{SCHEDULE_PASS_FIRST_BOUND_NS, SCHEDULE_PASS_BOUNDS};

  void drop(sched::DropReason r, std::uint8_t detail) {
    auto i = static_cast<std::size_t>(r);
    ++dropped[i];
    if (r == sched::DropReason::NotIncluded) {
      ++not_included[detail];
    } else if (detail < NUM_DETAIL) {
      ++drop_detail[i][detail];
    }
  }
  void reject(Reject r) { ++rejected[static_cast<std::size_t>(r)]; }
  [[nodiscard]] std::uint64_t reject_count(Reject r) const {
    return rejected[static_cast<std::size_t>(r)];
  }
  [[nodiscard]] std::uint64_t drop_count(sched::DropReason r) const {
    return dropped[static_cast<std::size_t>(r)];
  }
  [[nodiscard]] std::uint64_t total_dropped() const;
};

/// The stats file: received, included, dropped{}, scheduled, batches_sent,
/// resolve_batches, rejected_messages{}, fees_captured, and the finer counters.
[[nodiscard]] nlohmann::json stats_to_json(const PackStats& s, const sched::SchedCounters& c,
                                           const char* policy);

} // namespace extpack::pack
