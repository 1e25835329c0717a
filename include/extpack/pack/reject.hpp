// Why pack refused a message (or part of one) from its peer. Shared memory is a trust
// boundary: every offset, length, count, tag, flag and progress field is checked before
// use, and a message that fails is counted here, logged, and acted on only as far as is
// safe: a refused region is never freed (pack cannot know it owns it).
#pragma once

#include <cstdint>

namespace extpack::pack {

enum class Reject : std::uint8_t {
  None = 0,
  // tpu_to_pack
  TpuLengthTooLarge,     ///< length above PACKET_DATA_SIZE (1232 bytes)
  TpuRegionInvalid,      ///< Allocator::check_region refused (offset, length)
  TpuRegionAlreadyOwned, ///< offset of an allocation pack already holds
  TpuBadFlags,           ///< unknown flag bits (the bytes are still freed)
  TpuRegionFree,         ///< a slot of pack's own slabs that pack does not hold: free
  TpuRegionFreed,        ///< a slot pack freed into another id's slab that is still free
  // progress_tracker
  BadLeaderState,    ///< leader_state not IS_LEADER / IS_NOT_LEADER
  SlotWentBackwards, ///< current_slot below the last accepted one
  BadSlotProgress,   ///< current_slot_progress above 100 (percent)
  BadNextLeaderSlot, ///< next_leader_slot below current_slot
  BadLeaderRangeEnd, ///< leader_range_end below next_leader_slot
  // worker_to_pack
  UnknownBatch,               ///< not a batch in flight on this worker
  BatchAnsweredTwice,         ///< a batch this worker already answered
  BatchCountMismatch,         ///< echoed num_transactions differs from what was sent
  BadProcessedValue,          ///< processed not PROCESSED / NOT_PROCESSED
  BadResponseTag,             ///< tag does not match the batch kind (execute / RESOLVE)
  ResponseCountMismatch,      ///< num_transaction_responses != the batch's count
  ResponseRegionInvalid,      ///< check_region refused the response array
  ResponseRegionOwned,        ///< response array offset is an allocation pack holds
  ResponseRegionFree,         ///< response array offset names a free slot
  BadResolveSuccess,          ///< Resolved::success not RESOLVE_SUCCESS / RESOLVE_FAILURE
  ResolvedKeyCountMismatch,   ///< num_pubkeys != the transaction's lookup index count
  ResolvedKeysRegionInvalid,  ///< check_region refused the pubkeys array
  ResolvedKeysRegionOwned,    ///< pubkeys offset is held by pack or repeated in the response
  ResolvedKeysRegionFree,     ///< pubkeys offset names a free slot
  UndefinedNotIncludedReason, ///< reason code outside 0..=3 and 64..=101 (tx dropped)
  QueueCorrupt,               ///< a queue's positions became inconsistent; queue abandoned
  Count
};

[[nodiscard]] const char* to_string(Reject r);

} // namespace extpack::pack
