// The message ABI of agave-scheduler-bindings 3.1.x: every struct that crosses the
// shared-memory boundary between Agave and an external pack process, and every constant.
//
// All structs are standard-layout with the exact size and field offsets that Rust's
// #[repr(C)] gives the 3.1.x declarations on x86_64 Linux (spec: protocol-3.1.md §2).
// Padding is explicit and named so that a struct written by us has zeroed padding.
// Offsets inside these structs are byte offsets from the start of the rts-alloc file.
#pragma once

#include <cstddef>
#include <cstdint>

namespace extpack::abi {

/// Most transactions a PackToWorkerMessage may carry; Agave answers NOT_PROCESSED to more.
inline constexpr std::size_t MAX_TRANSACTIONS_PER_MESSAGE = 64;

/// ProgressMessage::leader_state values (3.1: IS_LEADER = 1; 4.x renumbers it to 2).
inline constexpr std::uint8_t IS_NOT_LEADER = 0;
inline constexpr std::uint8_t IS_LEADER = 1;

/// WorkerToPackMessage::processed values (3.1: PROCESSED = 1; 4.x flips success to 0).
inline constexpr std::uint8_t NOT_PROCESSED = 0;
inline constexpr std::uint8_t PROCESSED = 1;

/// TpuToPackMessage::flags bits.
namespace tpu_message_flags {
inline constexpr std::uint8_t NONE = 0;
inline constexpr std::uint8_t IS_SIMPLE_VOTE = 1u << 0;
inline constexpr std::uint8_t FORWARDED = 1u << 1;
inline constexpr std::uint8_t FROM_STAKED_NODE = 1u << 2;
inline constexpr std::uint8_t ALL = IS_SIMPLE_VOTE | FORWARDED | FROM_STAKED_NODE;
} // namespace tpu_message_flags

/// PackToWorkerMessage::flags bits. Bit 0 is unused in 3.1 (it becomes EXECUTE in 4.x).
namespace pack_message_flags {
inline constexpr std::uint16_t NONE = 0;
inline constexpr std::uint16_t RESOLVE = 1u << 1;
inline constexpr std::uint16_t ALL = RESOLVE;
} // namespace pack_message_flags

/// TransactionResponseRegion::tag values and Resolved::success values.
namespace worker_message_types {
inline constexpr std::uint8_t EXECUTION_RESPONSE = 0;
inline constexpr std::uint8_t RESOLVED = 1;
inline constexpr std::uint8_t RESOLVE_FAILURE = 0;
inline constexpr std::uint8_t RESOLVE_SUCCESS = 1;
} // namespace worker_message_types

/// ExecutionResponse::not_included_reason values (3.1 numbering, after agave PR #8756).
namespace not_included_reasons {
inline constexpr std::uint8_t NONE = 0;
inline constexpr std::uint8_t BANK_NOT_AVAILABLE = 1;
inline constexpr std::uint8_t SLOT_MISMATCH = 2;
inline constexpr std::uint8_t ALL_OR_NOTHING_BATCH_FAILURE = 3;
// 4..=63 are reserved for scheduler-specific reasons.
// 64..=101 translate the SDK's TransactionError variants.
inline constexpr std::uint8_t ACCOUNT_IN_USE = 64;
inline constexpr std::uint8_t ACCOUNT_LOADED_TWICE = 65;
inline constexpr std::uint8_t ACCOUNT_NOT_FOUND = 66;
inline constexpr std::uint8_t PROGRAM_ACCOUNT_NOT_FOUND = 67;
inline constexpr std::uint8_t INSUFFICIENT_FUNDS_FOR_FEE = 68;
inline constexpr std::uint8_t INVALID_ACCOUNT_FOR_FEE = 69;
inline constexpr std::uint8_t ALREADY_PROCESSED = 70;
inline constexpr std::uint8_t BLOCKHASH_NOT_FOUND = 71;
inline constexpr std::uint8_t INSTRUCTION_ERROR = 72;
inline constexpr std::uint8_t CALL_CHAIN_TOO_DEEP = 73;
inline constexpr std::uint8_t MISSING_SIGNATURE_FOR_FEE = 74;
inline constexpr std::uint8_t INVALID_ACCOUNT_INDEX = 75;
inline constexpr std::uint8_t SIGNATURE_FAILURE = 76;
inline constexpr std::uint8_t INVALID_PROGRAM_FOR_EXECUTION = 77;
inline constexpr std::uint8_t SANITIZE_FAILURE = 78;
inline constexpr std::uint8_t CLUSTER_MAINTENANCE = 79;
inline constexpr std::uint8_t ACCOUNT_BORROW_OUTSTANDING = 80;
inline constexpr std::uint8_t WOULD_EXCEED_MAX_BLOCK_COST_LIMIT = 81;
inline constexpr std::uint8_t UNSUPPORTED_VERSION = 82;
inline constexpr std::uint8_t INVALID_WRITABLE_ACCOUNT = 83;
inline constexpr std::uint8_t WOULD_EXCEED_MAX_ACCOUNT_COST_LIMIT = 84;
inline constexpr std::uint8_t WOULD_EXCEED_ACCOUNT_DATA_BLOCK_LIMIT = 85;
inline constexpr std::uint8_t TOO_MANY_ACCOUNT_LOCKS = 86;
inline constexpr std::uint8_t ADDRESS_LOOKUP_TABLE_NOT_FOUND = 87;
inline constexpr std::uint8_t INVALID_ADDRESS_LOOKUP_TABLE_OWNER = 88;
inline constexpr std::uint8_t INVALID_ADDRESS_LOOKUP_TABLE_DATA = 89;
inline constexpr std::uint8_t INVALID_ADDRESS_LOOKUP_TABLE_INDEX = 90;
inline constexpr std::uint8_t INVALID_RENT_PAYING_ACCOUNT = 91;
inline constexpr std::uint8_t WOULD_EXCEED_MAX_VOTE_COST_LIMIT = 92;
inline constexpr std::uint8_t WOULD_EXCEED_ACCOUNT_DATA_TOTAL_LIMIT = 93;
inline constexpr std::uint8_t DUPLICATE_INSTRUCTION = 94;
inline constexpr std::uint8_t INSUFFICIENT_FUNDS_FOR_RENT = 95;
inline constexpr std::uint8_t MAX_LOADED_ACCOUNTS_DATA_SIZE_EXCEEDED = 96;
inline constexpr std::uint8_t INVALID_LOADED_ACCOUNTS_DATA_SIZE_LIMIT = 97;
inline constexpr std::uint8_t RESANITIZATION_NEEDED = 98;
inline constexpr std::uint8_t PROGRAM_EXECUTION_TEMPORARILY_RESTRICTED = 99;
inline constexpr std::uint8_t UNBALANCED_TRANSACTION = 100;
inline constexpr std::uint8_t PROGRAM_CACHE_HIT_MAX_LIMIT = 101;
/// Highest defined value; 102 (COMMIT_CANCELLED) is deliberately undefined (mapped to 3).
inline constexpr std::uint8_t MAX_DEFINED = PROGRAM_CACHE_HIT_MAX_LIMIT;

/// True for every value the 3.1 bindings define (0..=3 and 64..=101).
constexpr bool is_defined(std::uint8_t reason) {
  return reason <= ALL_OR_NOTHING_BATCH_FAILURE || (reason >= 64 && reason <= MAX_DEFINED);
}

/// The constant's name, e.g. "ACCOUNT_IN_USE"; "RESERVED" (4..=63) or "UNDEFINED" otherwise.
const char* name(std::uint8_t reason);
} // namespace not_included_reasons

/// Reference to one serialized transaction in the allocator (size 16).
struct SharableTransactionRegion {
  std::uint64_t offset; ///< byte offset from the start of the allocator file
  std::uint32_t length; ///< transaction length in bytes
  std::uint32_t pad0;
};

/// Reference to an array of 32-byte pubkeys in the allocator (size 16).
/// num_pubkeys == 0 means no pubkeys and no allocation to free.
struct SharablePubkeys {
  std::uint64_t offset;
  std::uint32_t num_pubkeys;
  std::uint32_t pad0;
};

/// Reference to an array of num_transactions SharableTransactionRegion (size 16).
struct SharableTransactionBatchRegion {
  std::uint8_t num_transactions;
  std::uint8_t pad0[7];
  std::uint64_t transactions_offset;
};

/// Reference to an array of inner responses, all of type `tag` (size 16).
struct TransactionResponseRegion {
  std::uint8_t tag;
  std::uint8_t num_transaction_responses; ///< must equal the batch's num_transactions
  std::uint8_t pad0[6];
  std::uint64_t transaction_responses_offset;
};

/// [TPU -> pack] One transaction; ownership of its bytes moves to pack (size 40).
struct TpuToPackMessage {
  SharableTransactionRegion transaction;
  std::uint8_t flags;        ///< tpu_message_flags
  std::uint8_t src_addr[16]; ///< IPv6; IPv4 sources as ::ffff:a.b.c.d, network byte order
  std::uint8_t pad0[7];
};

/// [Agave -> pack] Leader status and slot progress (size 48).
struct ProgressMessage {
  std::uint8_t leader_state; ///< IS_LEADER only while leader and a bank is ready
  std::uint8_t pad0[7];
  std::uint64_t current_slot;
  std::uint64_t next_leader_slot;     ///< excludes the current slot; UINT64_MAX if unknown
  std::uint64_t leader_range_end;     ///< inclusive; UINT64_MAX if unknown
  std::uint64_t remaining_cost_units; ///< block limit minus used; valid only while leader
  std::uint8_t current_slot_progress; ///< percent through the current slot
  std::uint8_t pad1[7];
};

/// [pack -> worker] A batch to execute or resolve; pack keeps ownership (size 32).
struct PackToWorkerMessage {
  std::uint16_t flags; ///< pack_message_flags
  std::uint8_t pad0[6];
  std::uint64_t max_execution_slot; ///< not used with RESOLVE
  SharableTransactionBatchRegion batch;
};

/// [worker -> pack] The answer to exactly one PackToWorkerMessage (size 40).
struct WorkerToPackMessage {
  SharableTransactionBatchRegion batch; ///< echoed from the request
  std::uint8_t processed;               ///< PROCESSED or NOT_PROCESSED
  std::uint8_t pad0[7];
  TransactionResponseRegion responses; ///< undefined unless processed == PROCESSED
};

/// Inner response, tag EXECUTION_RESPONSE (size 24).
struct ExecutionResponse {
  std::uint8_t not_included_reason; ///< not_included_reasons::NONE means included
  std::uint8_t pad0[7];
  std::uint64_t cost_units;        ///< if included: cost units used
  std::uint64_t fee_payer_balance; ///< if included: fee payer's balance after execution
};

/// Inner response, tag RESOLVED (size 40).
struct Resolved {
  std::uint8_t success; ///< RESOLVE_SUCCESS or RESOLVE_FAILURE
  std::uint8_t pad0[7];
  std::uint64_t slot;                      ///< slot of the bank used for resolution
  std::uint64_t min_alt_deactivation_slot; ///< UINT64_MAX if none
  SharablePubkeys resolved_pubkeys;        ///< writable first, then readonly; freed by pack
};

// ---- Layout promises (protocol-3.1.md §2; checked against rustc #[repr(C)] there) ----
#define EXTPACK_LAYOUT(T, size, align)                                                             \
  static_assert(sizeof(T) == (size), #T " size");                                                  \
  static_assert(alignof(T) == (align), #T " align")
EXTPACK_LAYOUT(SharableTransactionRegion, 16, 8);
static_assert(offsetof(SharableTransactionRegion, offset) == 0);
static_assert(offsetof(SharableTransactionRegion, length) == 8);
EXTPACK_LAYOUT(SharablePubkeys, 16, 8);
static_assert(offsetof(SharablePubkeys, offset) == 0);
static_assert(offsetof(SharablePubkeys, num_pubkeys) == 8);
EXTPACK_LAYOUT(SharableTransactionBatchRegion, 16, 8);
static_assert(offsetof(SharableTransactionBatchRegion, num_transactions) == 0);
static_assert(offsetof(SharableTransactionBatchRegion, transactions_offset) == 8);
EXTPACK_LAYOUT(TransactionResponseRegion, 16, 8);
static_assert(offsetof(TransactionResponseRegion, tag) == 0);
static_assert(offsetof(TransactionResponseRegion, num_transaction_responses) == 1);
static_assert(offsetof(TransactionResponseRegion, transaction_responses_offset) == 8);
EXTPACK_LAYOUT(TpuToPackMessage, 40, 8);
static_assert(offsetof(TpuToPackMessage, transaction) == 0);
static_assert(offsetof(TpuToPackMessage, flags) == 16);
static_assert(offsetof(TpuToPackMessage, src_addr) == 17);
EXTPACK_LAYOUT(ProgressMessage, 48, 8);
static_assert(offsetof(ProgressMessage, leader_state) == 0);
static_assert(offsetof(ProgressMessage, current_slot) == 8);
static_assert(offsetof(ProgressMessage, next_leader_slot) == 16);
static_assert(offsetof(ProgressMessage, leader_range_end) == 24);
static_assert(offsetof(ProgressMessage, remaining_cost_units) == 32);
static_assert(offsetof(ProgressMessage, current_slot_progress) == 40);
EXTPACK_LAYOUT(PackToWorkerMessage, 32, 8);
static_assert(offsetof(PackToWorkerMessage, flags) == 0);
static_assert(offsetof(PackToWorkerMessage, max_execution_slot) == 8);
static_assert(offsetof(PackToWorkerMessage, batch) == 16);
EXTPACK_LAYOUT(WorkerToPackMessage, 40, 8);
static_assert(offsetof(WorkerToPackMessage, batch) == 0);
static_assert(offsetof(WorkerToPackMessage, processed) == 16);
static_assert(offsetof(WorkerToPackMessage, responses) == 24);
static_assert(offsetof(WorkerToPackMessage, responses) +
                  offsetof(TransactionResponseRegion, num_transaction_responses) ==
              25);
static_assert(offsetof(WorkerToPackMessage, responses) +
                  offsetof(TransactionResponseRegion, transaction_responses_offset) ==
              32);
EXTPACK_LAYOUT(ExecutionResponse, 24, 8);
static_assert(offsetof(ExecutionResponse, not_included_reason) == 0);
static_assert(offsetof(ExecutionResponse, cost_units) == 8);
static_assert(offsetof(ExecutionResponse, fee_payer_balance) == 16);
EXTPACK_LAYOUT(Resolved, 40, 8);
static_assert(offsetof(Resolved, success) == 0);
static_assert(offsetof(Resolved, slot) == 8);
static_assert(offsetof(Resolved, min_alt_deactivation_slot) == 16);
static_assert(offsetof(Resolved, resolved_pubkeys) == 24);
#undef EXTPACK_LAYOUT

} // namespace extpack::abi
