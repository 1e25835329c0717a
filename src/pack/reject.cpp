// Names of the rejection reasons, as they appear in stats files and logs.
#include "extpack/pack/reject.hpp"

namespace extpack::pack {

const char* to_string(Reject r) {
  switch (r) {
  case Reject::None:
    return "none";
  case Reject::TpuLengthTooLarge:
    return "tpu_length_too_large";
  case Reject::TpuRegionInvalid:
    return "tpu_region_invalid";
  case Reject::TpuRegionAlreadyOwned:
    return "tpu_region_already_owned";
  case Reject::TpuBadFlags:
    return "tpu_bad_flags";
  case Reject::TpuRegionFree:
    return "tpu_region_free";
  case Reject::TpuRegionFreed:
    return "tpu_region_freed";
  case Reject::BadLeaderState:
    return "bad_leader_state";
  case Reject::SlotWentBackwards:
    return "slot_went_backwards";
  case Reject::BadSlotProgress:
    return "bad_slot_progress";
  case Reject::BadNextLeaderSlot:
    return "bad_next_leader_slot";
  case Reject::BadLeaderRangeEnd:
    return "bad_leader_range_end";
  case Reject::UnknownBatch:
    return "unknown_batch";
  case Reject::BatchAnsweredTwice:
    return "batch_answered_twice";
  case Reject::BatchCountMismatch:
    return "batch_count_mismatch";
  case Reject::BadProcessedValue:
    return "bad_processed_value";
  case Reject::BadResponseTag:
    return "bad_response_tag";
  case Reject::ResponseCountMismatch:
    return "response_count_mismatch";
  case Reject::ResponseRegionInvalid:
    return "response_region_invalid";
  case Reject::ResponseRegionOwned:
    return "response_region_owned";
  case Reject::ResponseRegionFree:
    return "response_region_free";
  case Reject::BadResolveSuccess:
    return "bad_resolve_success";
  case Reject::ResolvedKeyCountMismatch:
    return "resolved_key_count_mismatch";
  case Reject::ResolvedKeysRegionInvalid:
    return "resolved_keys_region_invalid";
  case Reject::ResolvedKeysRegionOwned:
    return "resolved_keys_region_owned";
  case Reject::ResolvedKeysRegionFree:
    return "resolved_keys_region_free";
  case Reject::UndefinedNotIncludedReason:
    return "undefined_not_included_reason";
  case Reject::QueueCorrupt:
    return "queue_corrupt";
  case Reject::Count:
    break;
  }
  return "unknown";
}

} // namespace extpack::pack
