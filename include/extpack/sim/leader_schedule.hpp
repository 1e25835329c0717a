// The simulated leader schedule: this validator leads `window` consecutive slots out of
// every `every` (Solana leaders hold 4 consecutive slots, NUM_CONSECUTIVE_LEADER_SLOTS),
// namely the last `window` slots of each group: slot s is ours iff s % every >= every -
// window. Starting at slot 0 the node is first a follower, so pack can buffer before its
// first leader slot. window == every means always leader.
#pragma once

#include <cstdint>
#include <limits>

#include "extpack/abi/messages.hpp"
#include "extpack/shm/queue.hpp"
#include "extpack/sim/stats.hpp"

namespace extpack::sim {

/// "Unknown" for ProgressMessage slot fields (u64::MAX, protocol-3.1.md §2.6).
inline constexpr std::uint64_t UNKNOWN_SLOT = std::numeric_limits<std::uint64_t>::max();

class LeaderSchedule {
public:
  LeaderSchedule(std::uint32_t window, std::uint32_t every) : window_(window), every_(every) {}

  [[nodiscard]] bool is_leader(std::uint64_t slot) const {
    return slot % every_ >= every_ - window_;
  }
  /// First leader slot after `slot` (the current slot excluded), as next_leader_slot.
  [[nodiscard]] std::uint64_t next_leader_slot(std::uint64_t slot) const;
  /// Inclusive end of the consecutive leader slots starting at `start` (a leader slot);
  /// UNKNOWN_SLOT when the node always leads.
  [[nodiscard]] std::uint64_t range_end(std::uint64_t start) const;

  [[nodiscard]] std::uint32_t window() const { return window_; }
  [[nodiscard]] std::uint32_t every() const { return every_; }

private:
  std::uint32_t window_;
  std::uint32_t every_;
};

/// The progress message for `slot`: IS_LEADER only if `bank_ready`; the leader fields come
/// from the schedule; remaining cost units only while leader (0 otherwise).
[[nodiscard]] abi::ProgressMessage make_progress(const LeaderSchedule& schedule, std::uint64_t slot,
                                                 bool bank_ready,
                                                 std::uint64_t remaining_cost_units,
                                                 std::uint8_t percent);

/// The message sent after the last slot: not leader, no known future leader slot.
[[nodiscard]] abi::ProgressMessage make_final_progress(std::uint64_t slot);

/// Writes progress messages to progress_tracker. Never blocks: when the queue is full
/// (pack not reading) the message is dropped and counted in progress_dropped.
class ProgressPublisher {
public:
  ProgressPublisher(shm::Producer<abi::ProgressMessage>& q, SimCounters& c) : q_(q), c_(c) {}
  void publish(const abi::ProgressMessage& m);

private:
  shm::Producer<abi::ProgressMessage>& q_;
  SimCounters& c_;
};

} // namespace extpack::sim
