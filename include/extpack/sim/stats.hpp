// What the simulator counts and reports. Hot paths (feed, workers, bank) bump relaxed
// atomic counters in SimCounters; the slot clock closes one SlotRecord per slot; at the
// end everything is gathered in a RunReport that is printed (one line per slot and a
// summary) and written as JSON for the demo and for comparisons between schedulers.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "extpack/common/result.hpp"
#include "extpack/sim/keys.hpp"

namespace extpack::sim {

/// Why the TPU feed dropped a transaction instead of handing it to pack.
enum class FeedDrop : std::uint8_t {
  QueueFull,   ///< tpu_to_pack full after a sync
  AllocFailed, ///< allocator id 0 had no room even after cleaning remote frees
  Unparsable,  ///< the bytes are not a transaction (file replay only)
  Count
};
const char* to_string(FeedDrop d);

/// Why a worker answered a PackToWorkerMessage with NOT_PROCESSED.
enum class Rejection : std::uint8_t {
  BadFlags,             ///< flags other than NONE or RESOLVE
  BadCount,             ///< num_transactions 0 or above MAX_TRANSACTIONS_PER_MESSAGE
  BadBatchRegion,       ///< batch array offset/length fails Allocator::check_region
  BadTransactionRegion, ///< a transaction's offset/length fails check_region
  BadTransactionLength, ///< a transaction length of 0 or above PACKET_DATA_SIZE
  ResponseAllocFailed,  ///< the worker's allocator had no room for the responses
  Count
};
const char* to_string(Rejection r);

inline constexpr std::size_t FEED_DROP_COUNT = static_cast<std::size_t>(FeedDrop::Count);
inline constexpr std::size_t REJECTION_COUNT = static_cast<std::size_t>(Rejection::Count);

/// Run-wide counters, shared by all threads; every access is memory_order_relaxed
/// (they are statistics, read after the threads are joined or as approximate progress).
struct SimCounters {
  std::atomic<std::uint64_t> fed{0}; ///< committed to tpu_to_pack
  std::atomic<std::uint64_t> fed_votes{0};
  std::atomic<std::uint64_t> fed_duplicates{0};
  std::atomic<std::uint64_t> fed_this_slot{0}; ///< reset by the slot clock
  std::array<std::atomic<std::uint64_t>, FEED_DROP_COUNT> feed_dropped{};
  std::atomic<std::uint64_t> batches{0};         ///< execution batches processed
  std::atomic<std::uint64_t> resolve_batches{0}; ///< RESOLVE batches processed
  std::atomic<std::uint64_t> transactions_scheduled{0};
  std::atomic<std::uint64_t> included{0};
  std::array<std::atomic<std::uint64_t>, 256> not_included{}; ///< by not_included_reason
  std::array<std::atomic<std::uint64_t>, REJECTION_COUNT> not_processed{};
  std::atomic<std::uint64_t> resolved_ok{0};
  std::atomic<std::uint64_t> resolved_failed{0};
  std::atomic<std::uint64_t> responses_unsent{0}; ///< worker_to_pack full at shutdown
  std::atomic<std::uint64_t> progress_sent{0};
  std::atomic<std::uint64_t> progress_dropped{0}; ///< progress_tracker full
  std::atomic<std::uint64_t> fees_lamports{0};    ///< leader reward captured
  std::atomic<std::uint64_t> cu_used{0};          ///< executed cost of included txs
};

/// One slot as the slot clock closed it.
struct SlotRecord {
  std::uint64_t slot = 0;
  bool leader = false;
  std::uint64_t fed = 0;       ///< handed to pack during the slot
  std::uint64_t scheduled = 0; ///< in execution batches the workers received
  std::uint64_t included = 0;
  std::uint64_t votes_included = 0;
  std::uint64_t cu_used = 0; ///< block cost after rebates
  std::uint64_t block_limit = 0;
  std::uint64_t fees_lamports = 0; ///< leader reward
};

/// One included transaction, in the order the bank committed it.
struct BlockEntry {
  Signature signature{};
  std::uint64_t cost_units = 0;   ///< executed cost charged to the block
  std::uint64_t consumed_cus = 0; ///< compute units the execution consumed
  std::uint64_t fee = 0;          ///< total fee the payer paid
  std::uint32_t worker = 0;
};

struct BlockRecord {
  std::uint64_t slot = 0;
  std::vector<BlockEntry> entries;
};

/// A plain copy of SimCounters.
struct Totals {
  std::uint64_t fed = 0, fed_votes = 0, fed_duplicates = 0;
  std::array<std::uint64_t, FEED_DROP_COUNT> feed_dropped{};
  std::uint64_t batches = 0, resolve_batches = 0, transactions_scheduled = 0, included = 0;
  std::array<std::uint64_t, 256> not_included{};
  std::array<std::uint64_t, REJECTION_COUNT> not_processed{};
  std::uint64_t resolved_ok = 0, resolved_failed = 0, responses_unsent = 0;
  std::uint64_t progress_sent = 0, progress_dropped = 0, fees_lamports = 0, cu_used = 0;

  [[nodiscard]] std::uint64_t not_processed_total() const;
  [[nodiscard]] std::uint64_t not_included_total() const;
};
[[nodiscard]] Totals snapshot(const SimCounters& c);

struct RunReport {
  std::vector<SlotRecord> slots;
  std::vector<BlockRecord> blocks; ///< leader slots only
  Totals totals;
  std::uint64_t workers = 0;
  /// Allocations of Agave's ids (0..W) not yet freed at exit, after draining remote frees.
  /// All of them belong to pack by then (sent transactions and responses): a non-zero
  /// value after pack has exited cleanly means pack leaked.
  std::uint64_t outstanding_allocations = 0;
};

/// "slot 12 LEADER recv 1432 sched 610 incl 598 cu 58.2M/60.0M (97.0%) fees 0.0123 SOL"
[[nodiscard]] std::string format_slot_line(const SlotRecord& r);
/// A multi-line human summary of the run.
[[nodiscard]] std::string format_summary(const RunReport& r);
/// The stats JSON document; blocks are embedded only if `with_blocks`.
[[nodiscard]] std::string stats_json(const RunReport& r, bool with_blocks);
/// {"blocks": [...]}: signatures in base58, executed CUs and fees per leader slot.
[[nodiscard]] std::string blocks_json(const RunReport& r);
/// Writes `text` to `path` (replacing it); the error names the path and errno.
Result<void> write_text_file(const std::filesystem::path& path, const std::string& text);

} // namespace extpack::sim
