// Every limit the scheduling layer obeys, in one struct that is passed around. Defaults
// are today's mainnet values or the conventions of the 3.1 bindings; the pack app lets an
// operator override each of them, because cluster limits move with feature gates
// (SIMD-0256 raised the block to 60M, SIMD-0286 to 100M, SIMD-0306 ties the per-account
// limit to 40 % of the block).
#pragma once

#include <cstddef>
#include <cstdint>

#include "extpack/abi/messages.hpp"
#include "extpack/txn/cost_model.hpp"

namespace extpack::sched {

struct SchedConfig {
  /// Transactions pack holds at once (queued + in flight); Agave's internal scheduler
  /// uses 100,000 (TOTAL_BUFFERED_PACKETS).
  std::size_t capacity = 100'000;
  /// Block, per-writable-account, vote and data limits, cost units / bytes per slot.
  txn::BlockLimits limits{};
  /// Transactions per execution or RESOLVE batch; the bindings cap it at 64
  /// (MAX_TRANSACTIONS_PER_MESSAGE) because a batch array must fit one 4 KiB allocation.
  std::size_t max_batch = abi::MAX_TRANSACTIONS_PER_MESSAGE;
  /// Batches a worker may hold at once; keeps worker queues shallow so late high-priority
  /// arrivals are not stuck behind a deep backlog (agave #5029).
  std::uint32_t max_batches_per_worker = 2;
  /// Cost units in flight across all workers, cost units. 0 = only the slot budget limits it.
  std::uint64_t max_inflight_cost = 0;
  /// Queue entries a scheduling pass may examine before it gives up (bounds the work
  /// spent on a backlog that is entirely blocked by conflicts or budgets).
  std::uint32_t max_scan_per_pass = 4096;
  /// Times a transaction may come back unexecuted (retryable reason, NOT_PROCESSED,
  /// invalid response) before it is dropped with RetryLimit.
  std::uint8_t max_attempts = 8;
  /// Slots after pack first saw a recent blockhash from which its transactions are
  /// dropped as expired. A blockhash is valid for 150 blocks; a skipped slot adds no
  /// block, so a slot count errs early when slots are skipped: 160 is fd_pack's margin.
  std::uint64_t blockhash_expiry_slots = 160;
};

} // namespace extpack::sched
