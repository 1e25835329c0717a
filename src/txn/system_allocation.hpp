// How much account data a System program instruction asks to allocate, decoded the way Agave's
// cost model does (bincode, limited_deserialize): the `space` of CreateAccount,
// CreateAccountWithSeed, Allocate and AllocateWithSeed. Internal to the cost model.
#pragma once

#include <cstdint>
#include <span>

namespace extpack::txn::detail {

/// MAX_PERMITTED_DATA_LENGTH: the largest account the runtime allows (10 MiB).
inline constexpr std::uint64_t MAX_PERMITTED_DATA_LENGTH = 10 * 1024 * 1024;
/// MAX_PERMITTED_ACCOUNTS_DATA_ALLOCATIONS_PER_TRANSACTION: 2 * 10 MiB.
inline constexpr std::uint64_t MAX_ALLOCATIONS_PER_TRANSACTION = 2 * MAX_PERMITTED_DATA_LENGTH;

enum class AllocationKind : std::uint8_t {
  None,   ///< a valid System instruction that allocates nothing
  Some,   ///< allocates `space` bytes
  Failed, ///< cannot succeed (undecodable, or space above MAX_PERMITTED_DATA_LENGTH)
};

struct SystemAllocation {
  AllocationKind kind = AllocationKind::None;
  std::uint64_t space = 0;
};

/// Decodes System instruction data. Trailing bytes are allowed, as bincode allows them there.
[[nodiscard]] SystemAllocation system_instruction_allocation(std::span<const std::uint8_t> data);

} // namespace extpack::txn::detail
