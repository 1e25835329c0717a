// Names of the drop reasons, as they appear in stats files and logs.
#include "extpack/sched/types.hpp"

namespace extpack::sched {

const char* to_string(DropReason r) {
  switch (r) {
  case DropReason::ParseFailed:
    return "parse_failed";
  case DropReason::SanitizeFailed:
    return "sanitize_failed";
  case DropReason::ComputeBudgetFailed:
    return "compute_budget_failed";
  case DropReason::LockError:
    return "lock_error";
  case DropReason::InvalidTpuFlags:
    return "invalid_tpu_flags";
  case DropReason::Duplicate:
    return "duplicate";
  case DropReason::ContainerFull:
    return "container_full";
  case DropReason::Evicted:
    return "evicted";
  case DropReason::CostExceedsBlockLimit:
    return "cost_exceeds_block_limit";
  case DropReason::CostExceedsAccountLimit:
    return "cost_exceeds_account_limit";
  case DropReason::CostExceedsVoteLimit:
    return "cost_exceeds_vote_limit";
  case DropReason::RetryLimit:
    return "retry_limit";
  case DropReason::ResolveFailed:
    return "resolve_failed";
  case DropReason::AltDeactivated:
    return "alt_deactivated";
  case DropReason::NotIncluded:
    return "not_included";
  case DropReason::QueuedAtShutdown:
    return "queued_at_shutdown";
  case DropReason::InFlightAtShutdown:
    return "in_flight_at_shutdown";
  case DropReason::DrainedAtShutdown:
    return "drained_at_shutdown";
  case DropReason::Unaffordable:
    return "unaffordable";
  case DropReason::Expired:
    return "expired";
  case DropReason::Count:
    break;
  }
  return "unknown";
}

} // namespace extpack::sched
