// Checks on messages from the peer that need no runtime state beyond the allocator and
// the last accepted progress message. Each returns Reject::None or the first failed rule.
#pragma once

#include <cstdint>

#include "extpack/abi/messages.hpp"
#include "extpack/pack/reject.hpp"
#include "extpack/shm/allocator.hpp"

namespace extpack::pack {

/// The transaction region of a TpuToPackMessage: length within PACKET_DATA_SIZE and
/// (offset, length) the start of one allocation that holds it. A zero length is checked
/// as one byte so that the offset still has to be an allocation (the bytes are freed).
[[nodiscard]] Reject check_tpu_region(const abi::SharableTransactionRegion& r,
                                      const shm::Allocator& alloc);

/// A ProgressMessage against the last accepted slot (`last_slot`, or UINT64_MAX if none).
/// next_leader_slot and leader_range_end are only compared when known (not UINT64_MAX).
[[nodiscard]] Reject check_progress(const abi::ProgressMessage& m, std::uint64_t last_slot);

} // namespace extpack::pack
