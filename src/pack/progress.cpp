// progress_tracker handling: validation, slot and leader changes, per-slot summaries.
#include <cstring>

#include <spdlog/spdlog.h>

#include "extpack/pack/runtime.hpp"
#include "extpack/pack/validate.hpp"

namespace extpack::pack {

std::size_t PackRuntime::drain_progress() {
  if (progress_dead_) return 0;
  auto& q = s_.progress_tracker;
  q.sync();
  if (q.corrupt()) {
    progress_dead_ = true;
    stats_.reject(Reject::QueueCorrupt);
    spdlog::error("progress_tracker queue corrupt; pack stops scheduling");
    if (leader_) log_slot_end();
    leader_ = false;
    sched_.on_progress(sched_.slot(), false, 0);
    return 1;
  }
  std::size_t n = 0;
  abi::ProgressMessage latest{};
  bool have = false;
  while (const abi::ProgressMessage* p = q.try_read()) {
    abi::ProgressMessage m;
    std::memcpy(&m, p, sizeof m); // copy out: the producer may rewrite the slot
    ++n;
    ++stats_.progress_messages;
    Reject r = check_progress(m, have ? latest.current_slot : last_slot_);
    if (r != Reject::None) {
      stats_.reject(r);
      spdlog::warn("progress message rejected: {} (leader_state {} slot {} next_leader {} "
                   "range_end {} progress {})",
                   to_string(r), m.leader_state, m.current_slot, m.next_leader_slot,
                   m.leader_range_end, m.current_slot_progress);
      continue;
    }
    latest = m;
    have = true;
  }
  q.finalize();
  if (n != 0) watch_.heard(ValidatorWatch::Clock::now());
  if (have) apply_progress(latest);
  return n;
}

void PackRuntime::apply_progress(const abi::ProgressMessage& m) {
  const bool leader = m.leader_state == abi::IS_LEADER;
  const bool new_slot = !have_progress_ || m.current_slot != last_slot_;
  if (leader_ && (new_slot || !leader)) log_slot_end();
  if (leader && (new_slot || !leader_)) {
    ++stats_.leader_slots;
    slot_start_ = sched_.counters();
    slot_start_dropped_ = stats_.total_dropped();
    slot_start_received_ = stats_.received;
    spdlog::debug("slot {}: leader, {} cost units remaining, {} queued", m.current_slot,
                  m.remaining_cost_units, sched_.container().ready_size());
  }
  sched_.on_progress(m.current_slot, leader, m.remaining_cost_units, m.current_slot_progress,
                     m.next_leader_slot, m.leader_range_end);
  leader_ = leader;
  last_slot_ = m.current_slot;
  have_progress_ = true;
}

void PackRuntime::log_slot_end() {
  const sched::SchedCounters& c = sched_.counters();
  const sched::SlotBudget& b = sched_.budget();
  spdlog::info("slot {} leader summary: batches {} scheduled {} included {} cost_units {} "
               "rebated {} fees {} received {} dropped {} queued {} in_flight_batches {}",
               b.slot(), c.execution_batches - slot_start_.execution_batches,
               c.scheduled - slot_start_.scheduled, c.included - slot_start_.included,
               c.included_cost - slot_start_.included_cost, b.rebated(),
               c.fees_captured - slot_start_.fees_captured, stats_.received - slot_start_received_,
               stats_.total_dropped() - slot_start_dropped_, sched_.container().ready_size(),
               in_flight_.size());
}

} // namespace extpack::pack
