// Leader windows and progress messages (see leader_schedule.hpp).
#include "extpack/sim/leader_schedule.hpp"

#include <cstring>

namespace extpack::sim {

std::uint64_t LeaderSchedule::next_leader_slot(std::uint64_t slot) const {
  const std::uint64_t next = slot + 1;
  if (is_leader(next)) return next;
  // Start of the leader window of next's group.
  return next - next % every_ + (every_ - window_);
}

std::uint64_t LeaderSchedule::range_end(std::uint64_t start) const {
  if (window_ >= every_) return UNKNOWN_SLOT;
  return start - start % every_ + every_ - 1;
}

abi::ProgressMessage make_progress(const LeaderSchedule& schedule, std::uint64_t slot,
                                   bool bank_ready, std::uint64_t remaining_cost_units,
                                   std::uint8_t percent) {
  abi::ProgressMessage m;
  std::memset(&m, 0, sizeof m);
  m.leader_state = bank_ready ? abi::IS_LEADER : abi::IS_NOT_LEADER;
  m.current_slot = slot;
  m.next_leader_slot = schedule.next_leader_slot(slot);
  m.leader_range_end = schedule.range_end(m.next_leader_slot);
  m.remaining_cost_units = bank_ready ? remaining_cost_units : 0;
  m.current_slot_progress = percent > 100 ? 100 : percent;
  return m;
}

abi::ProgressMessage make_final_progress(std::uint64_t slot) {
  abi::ProgressMessage m;
  std::memset(&m, 0, sizeof m);
  m.leader_state = abi::IS_NOT_LEADER;
  m.current_slot = slot;
  m.next_leader_slot = UNKNOWN_SLOT;
  m.leader_range_end = UNKNOWN_SLOT;
  return m;
}

void ProgressPublisher::publish(const abi::ProgressMessage& m) {
  abi::ProgressMessage* slot = q_.reserve();
  if (slot == nullptr) {
    q_.sync();
    slot = q_.reserve();
  }
  if (slot == nullptr) {
    c_.progress_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  std::memcpy(static_cast<void*>(slot), &m, sizeof m);
  q_.commit();
  c_.progress_sent.fetch_add(1, std::memory_order_relaxed);
}

} // namespace extpack::sim
