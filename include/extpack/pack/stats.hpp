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
#include <cstdint>

#include <nlohmann/json.hpp>

#include "extpack/pack/reject.hpp"
#include "extpack/sched/scheduler.hpp"
#include "extpack/sched/types.hpp"

namespace extpack::pack {

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
