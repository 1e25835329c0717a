// The vocabulary of the scheduling layer: what pack remembers about one transaction it
// holds (TxEntry), where the bytes live (TxRef, opaque to this layer), and why a
// transaction left pack without being included (DropReason).
//
// This layer never touches shared memory. A TxRef is a byte offset and a length that only
// the runtime (extpack/pack) interprets; the scheduler hands TxRefs back whenever an entry
// leaves so that the runtime can free the bytes exactly once.
//
// A TxEntry keeps its accounts as interned AccountIds (see account_table.hpp) plus a bit
// mask of which of them are write-locked. At most MAX_TX_ACCOUNT_LOCKS (64) accounts fit,
// which is exactly the width of the mask. The entry is about 330 bytes; a 100k-entry pool
// is ~33 MB, allocated once.
#pragma once

#include <array>
#include <cstdint>
#include <limits>

#include "extpack/txn/sanitize.hpp"
#include "extpack/txn/view.hpp"

namespace extpack::sched {

using EntryId = std::uint32_t;
inline constexpr EntryId NO_ENTRY = std::numeric_limits<EntryId>::max();

using AccountId = std::uint32_t;
inline constexpr AccountId NO_ACCOUNT = std::numeric_limits<AccountId>::max();

/// Slot value meaning "no slot / never" (Agave uses u64::MAX the same way).
inline constexpr std::uint64_t NO_SLOT = std::numeric_limits<std::uint64_t>::max();

/// Slot progress value meaning "not reported" (real values are 0..100 percent).
inline constexpr std::uint8_t UNKNOWN_PROGRESS = 0xFF;
/// Scheduler::leader_slots_after() when the validator has not said how its window goes on.
inline constexpr std::uint64_t UNKNOWN_WINDOW = std::numeric_limits<std::uint64_t>::max();

/// Where a transaction's bytes live; interpreted only by the runtime.
struct TxRef {
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
};

enum class EntryState : std::uint8_t {
  Free = 0,   ///< slot in the pool is unused
  Unresolved, ///< waiting for a RESOLVE batch (v0 with address-table lookups)
  Resolving,  ///< in a RESOLVE batch on a worker
  Ready,      ///< all accounts known, waiting to be scheduled
  InFlight,   ///< in an execution batch on a worker; holds account locks
};

struct TxEntry {
  TxRef ref;
  std::uint64_t priority = 0; ///< reward * 1e6 / (cost + 1), as Agave computes it
  std::uint64_t reward = 0;   ///< leader's share of the fees, lamports
  std::uint64_t cost = 0;     ///< cost-model estimate (requested CUs), cost units
  std::uint64_t seq = 0;      ///< arrival order, assigned by the container
  std::uint64_t rank = 0;     ///< the policy's ordering key (higher is scheduled first)
  std::uint64_t min_alt_deactivation_slot = NO_SLOT;
  std::uint64_t scheduled_slot = NO_SLOT; ///< slot whose budget holds this entry's cost
  txn::Signature signature{};
  std::uint64_t fee = 0;       ///< everything the fee payer is charged, lamports
  txn::Pubkey payer{};         ///< the fee payer
  bool payer_tracked = false;  ///< in flight and counted in the PayerBook
  std::int64_t arrival_ns = 0; ///< NewTx::arrival_ns
  /// Last slot it may still be processed in (from when pack first saw its blockhash).
  std::uint64_t expires_after = NO_SLOT;
  std::uint64_t writable_mask = 0; ///< bit i set: accounts[i] is write-locked
  std::array<AccountId, txn::MAX_TX_ACCOUNT_LOCKS> accounts{};
  std::uint8_t num_accounts = 0;
  std::uint16_t loaded_writable = 0; ///< address-table keys a RESOLVE must return, writable
  std::uint16_t loaded_readonly = 0; ///< ... and readonly
  EntryState state = EntryState::Free;
  bool vote = false;         ///< simple vote: counts against the vote CU limit
  std::uint8_t attempts = 0; ///< times sent for execution or resolution and returned unfinished
  std::uint32_t worker = 0;  ///< worker it is in flight on (valid while InFlight/Resolving)

  [[nodiscard]] bool writable(std::size_t i) const { return (writable_mask >> i) & 1u; }
};

/// Why a transaction pack owned ended without being included. Every one is terminal.
enum class DropReason : std::uint8_t {
  ParseFailed = 0,         ///< detail: txn::ParseError
  SanitizeFailed,          ///< detail: txn::SanitizeError
  ComputeBudgetFailed,     ///< detail: txn::ComputeBudgetError
  LockError,               ///< detail: txn::LockError
  InvalidTpuFlags,         ///< unknown bits in TpuToPackMessage::flags
  Duplicate,               ///< same first signature as a transaction pack holds
  ContainerFull,           ///< full, and no queued transaction ranks below it
  Evicted,                 ///< pushed out of a full container by a better transaction
  CostExceedsBlockLimit,   ///< estimate above the block limit: can never fit
  CostExceedsAccountLimit, ///< estimate above the per-writable-account limit
  CostExceedsVoteLimit,    ///< a vote whose estimate is above the vote limit
  RetryLimit,              ///< returned unexecuted too many times
  ResolveFailed,           ///< RESOLVE answered RESOLVE_FAILURE
  AltDeactivated,          ///< current slot passed min_alt_deactivation_slot
  NotIncluded,             ///< permanent not_included_reason; detail: the reason code
  QueuedAtShutdown,        ///< still queued when pack stopped
  InFlightAtShutdown,      ///< in an unanswered batch when pack stopped
  DrainedAtShutdown,       ///< read from tpu_to_pack during shutdown
  Unaffordable,            ///< the payer's last known balance cannot pay its fee
  Expired,                 ///< its blockhash is too old (blockhash_expiry_slots)
  Count
};

[[nodiscard]] const char* to_string(DropReason r);

/// A transaction that left pack unincluded: the runtime frees `ref` and counts the reason.
struct DroppedTx {
  TxRef ref;
  DropReason reason;
  std::uint8_t detail = 0;
};

} // namespace extpack::sched
