// Stateless message checks; see validate.hpp.
#include "extpack/pack/validate.hpp"

#include <algorithm>
#include <limits>

#include "extpack/txn/view.hpp"

namespace extpack::pack {

namespace {
constexpr std::uint64_t UNKNOWN_SLOT = std::numeric_limits<std::uint64_t>::max();
/// ProgressMessage::current_slot_progress is a percentage.
constexpr std::uint8_t MAX_SLOT_PROGRESS_PERCENT = 100;
} // namespace

Reject check_tpu_region(const abi::SharableTransactionRegion& r, const shm::Allocator& alloc) {
  if (r.length > txn::PACKET_DATA_SIZE) return Reject::TpuLengthTooLarge;
  if (!alloc.check_region(r.offset, std::max<std::uint64_t>(r.length, 1))) {
    return Reject::TpuRegionInvalid;
  }
  return Reject::None;
}

Reject check_progress(const abi::ProgressMessage& m, std::uint64_t last_slot) {
  if (m.leader_state != abi::IS_LEADER && m.leader_state != abi::IS_NOT_LEADER) {
    return Reject::BadLeaderState;
  }
  if (last_slot != UNKNOWN_SLOT && m.current_slot < last_slot) return Reject::SlotWentBackwards;
  if (m.current_slot_progress > MAX_SLOT_PROGRESS_PERCENT) return Reject::BadSlotProgress;
  if (m.next_leader_slot != UNKNOWN_SLOT) {
    if (m.next_leader_slot < m.current_slot) return Reject::BadNextLeaderSlot;
    if (m.leader_range_end != UNKNOWN_SLOT && m.leader_range_end < m.next_leader_slot) {
      return Reject::BadLeaderRangeEnd;
    }
  }
  return Reject::None;
}

} // namespace extpack::pack
