// Scheduler: the whole scheduling state of pack, with no shared memory in sight.
//
// It owns the Container (what pack holds), the SlotBudget (what the current leader slot
// can still take) and a Policy (what to send next), and it tracks, per worker, how many
// batches are out. The runtime drives it with events:
//
//   insert()                  a transaction arrived (already parsed and analysed)
//   on_progress()             slot / leader / remaining-cost news from Agave
//   schedule()                plan execution batches for workers with room (leader only)
//   take_unresolved()         plan one RESOLVE batch
//   included() / retry() / drop()   what became of an in-flight transaction
//   resolved() / resolve_retry()    what became of a transaction in a RESOLVE batch
//   batch_done()              a worker answered one batch
//
// Every transaction that leaves pack unincluded is appended to drops() with its reason;
// the runtime frees those bytes and counts the reason, then calls clear_drops(). Nothing
// is freed twice because an entry is removed from the container exactly when its TxRef is
// handed out (by included() or through drops()).
//
// Cost accounting per in-flight transaction is tied to the slot it was scheduled in: a
// response that arrives after the slot changed only releases locks and in-flight cost.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "extpack/sched/budget.hpp"
#include "extpack/sched/config.hpp"
#include "extpack/sched/container.hpp"
#include "extpack/sched/pass.hpp"
#include "extpack/sched/payers.hpp"
#include "extpack/sched/types.hpp"

namespace extpack::sched {

/// Why an in-flight transaction came back unexecuted but may still be included later.
enum class RetryHint : std::uint8_t {
  Plain = 0,   ///< ACCOUNT_IN_USE, BANK_NOT_AVAILABLE, SLOT_MISMATCH, NOT_PROCESSED, ...
  BlockFull,   ///< WOULD_EXCEED_MAX_BLOCK_COST_LIMIT: nothing more fits this slot
  AccountFull, ///< WOULD_EXCEED_MAX_ACCOUNT_COST_LIMIT: its writable accounts are full
  VoteFull,    ///< WOULD_EXCEED_MAX_VOTE_COST_LIMIT
};

/// Result of insert(): accepted (id) or refused with a reason; the caller still owns the
/// bytes of a refused transaction.
struct Admission {
  bool accepted = false;
  EntryId id = NO_ENTRY;
  DropReason reason = DropReason::Count;
  std::uint8_t detail = 0;
};

struct SchedCounters {
  std::uint64_t inserted = 0;
  std::uint64_t scheduled = 0; ///< transactions put in execution batches
  std::uint64_t execution_batches = 0;
  std::uint64_t resolve_batches = 0;
  std::uint64_t sent_to_resolve = 0; ///< transactions put in RESOLVE batches
  std::uint64_t aborted_batches = 0; ///< planned but not sent (queue full, no memory)
  std::uint64_t included = 0;
  std::uint64_t included_cost = 0;         ///< actual cost units of included transactions
  std::uint64_t fees_captured = 0;         ///< leader reward of included transactions, lamports
  std::uint64_t actual_above_estimate = 0; ///< responses claiming more than estimated
  std::uint64_t retried = 0;
  std::uint64_t resolved = 0;
  std::uint64_t slots = 0;   ///< slot changes seen
  std::uint64_t expired = 0; ///< queued transactions dropped because their blockhash aged out
  /// Arrivals whose blockhash was new while the blockhash table was full (dated by arrival).
  std::uint64_t blockhashes_untracked = 0;
  PassCounters pass;
};

/// Blockhashes are hashes: any 8 of their bytes are well spread.
struct HashKeyHash {
  std::size_t operator()(const txn::Hash& h) const {
    std::size_t v = 0;
    std::memcpy(&v, h.data(), sizeof v);
    return v;
  }
};

class Scheduler {
public:
  Scheduler(const SchedConfig& cfg, std::unique_ptr<Policy> policy, std::uint32_t num_workers);

  Admission insert(NewTx tx);

  /// Slot news. A new slot resets per-slot budgets; `leader` enables schedule().
  /// `progress_pct` is ProgressMessage::current_slot_progress (percent of the slot's time
  /// elapsed); UNKNOWN_PROGRESS (the default) means the caller does not know it, and pacing
  /// policies then release the whole budget at once. A validator whose reports stayed at
  /// 0 % for a whole leader slot is taken not to fill in the field, and its 0 % reads as
  /// UNKNOWN_PROGRESS until a report says more (otherwise pacing would release nothing).
  /// `next_leader_slot` and `leader_range_end` are the ProgressMessage fields (NO_SLOT when
  /// unknown): the leader window this slot belongs to, for leader_slots_after().
  void on_progress(std::uint64_t slot, bool leader, std::uint64_t remaining_cost_units,
                   std::uint8_t progress_pct = UNKNOWN_PROGRESS,
                   std::uint64_t next_leader_slot = NO_SLOT,
                   std::uint64_t leader_range_end = NO_SLOT);
  /// While leader: how many consecutive leader slots follow the current one (0 in the last
  /// slot of a leader window), from the latest report's next_leader_slot and
  /// leader_range_end (3.1 bindings: next_leader_slot excludes the current slot, and the
  /// range is inclusive); UNKNOWN_WINDOW if the report did not say.
  [[nodiscard]] std::uint64_t leader_slots_after() const { return leader_slots_after_; }
  /// The latest slot progress, percent, or UNKNOWN_PROGRESS.
  [[nodiscard]] std::uint8_t slot_progress() const { return progress_pct_; }
  /// Estimated cost units in flight on `worker` (execution batches only).
  [[nodiscard]] std::uint64_t worker_cost(std::uint32_t worker) const {
    return worker_cost_[worker];
  }
  [[nodiscard]] bool leader() const { return leader_; }
  [[nodiscard]] std::uint64_t slot() const { return budget_.slot(); }

  /// Plans execution batches into `out` (appended). No-op unless leader.
  void schedule(std::vector<PlannedBatch>& out);
  /// Plans one RESOLVE batch for `worker`; false if nothing waits or it has no room.
  bool take_unresolved(std::uint32_t worker, PlannedBatch& out);
  /// A planned batch could not be sent: everything in it goes back as it was.
  void abort_batch(const PlannedBatch& b, bool resolve);
  /// A worker answered one of its batches (whatever the answer).
  void batch_done(std::uint32_t worker);
  [[nodiscard]] std::uint32_t batches_out(std::uint32_t worker) const { return out_[worker]; }
  [[nodiscard]] bool has_room(std::uint32_t worker) const {
    return !disabled_[worker] && out_[worker] < cfg_.max_batches_per_worker;
  }
  /// Never plan for `worker` again (its queue is corrupt).
  void disable_worker(std::uint32_t worker) { disabled_[worker] = true; }

  /// Outcomes of an in-flight (execution) transaction. included() returns its bytes.
  /// `payer_balance`: ExecutionResponse::fee_payer_balance, the payer's balance after it.
  TxRef included(EntryId id, std::uint64_t actual_cost,
                 std::optional<std::uint64_t> payer_balance = std::nullopt);
  void retry(EntryId id, RetryHint hint);
  /// Drops any held entry (queued, resolving or in flight) with `reason`.
  void drop(EntryId id, DropReason reason, std::uint8_t detail = 0);

  /// Outcomes of a transaction in a RESOLVE batch.
  void resolved(EntryId id, std::span<const txn::AccountLock> locks,
                std::uint64_t min_alt_deactivation_slot);
  void resolve_retry(EntryId id);

  /// Drops every queued (ready or unresolved) entry with `reason`.
  void drop_queued(DropReason reason);

  [[nodiscard]] const std::vector<DroppedTx>& drops() const { return drops_; }
  void clear_drops() { drops_.clear(); }

  [[nodiscard]] const TxEntry& entry(EntryId id) const { return c_.entry(id); }
  [[nodiscard]] const Container& container() const { return c_; }
  [[nodiscard]] const SlotBudget& budget() const { return budget_; }
  [[nodiscard]] const PayerBook& payers() const { return payers_; }
  [[nodiscard]] const SchedCounters& counters() const { return n_; }
  [[nodiscard]] const SchedConfig& config() const { return cfg_; }
  [[nodiscard]] const Policy& policy() const { return *policy_; }
  [[nodiscard]] std::uint32_t num_workers() const {
    return static_cast<std::uint32_t>(out_.size());
  }

private:
  friend class SchedulePass;
  /// What every end of an in-flight entry releases: its locks, its payer's in-flight fee
  /// (with the balance the response reported, if any) and its worker's cost in flight.
  void unlock_in_flight(TxEntry& e, const std::uint64_t* payer_balance);
  /// Releases locks and budget of an in-flight entry (not the container slot).
  void release_in_flight(TxEntry& e);
  /// At a slot change: drops queued transactions whose blockhash aged out, dates the
  /// ones that arrived before any slot was known, forgets long-expired blockhashes.
  void expire(std::uint64_t slot, bool first_slot);

  SchedConfig cfg_;
  std::unique_ptr<Policy> policy_;
  Container c_;
  SlotBudget budget_;
  PayerBook payers_;
  std::vector<std::uint32_t> out_;         ///< batches in flight per worker
  std::vector<bool> disabled_;             ///< workers never planned for again
  std::vector<std::uint64_t> worker_cost_; ///< estimated cost in flight per worker
  std::uint8_t progress_pct_ = UNKNOWN_PROGRESS;
  std::uint64_t leader_slots_after_ = UNKNOWN_WINDOW;
  std::uint8_t max_pct_in_slot_ = 0; ///< highest progress reported in the current slot
  bool progress_silent_ = false;     ///< reports stayed at 0 % through a leader slot
  std::uint32_t rr_ = 0;             ///< rotates which worker goes first on ties
  bool leader_ = false;
  std::vector<DroppedTx> drops_;
  // SchedulePass scratch, reused by every pass (capacity kept, so a pass allocates nothing).
  std::vector<std::uint32_t> pass_workers_;
  std::vector<std::int32_t> pass_open_;
  std::vector<EntryId> pass_skipped_;
  SchedCounters n_;
  /// Most blockhashes blockhash_seen_ holds. A cluster makes one per slot, and a
  /// blockhash is kept for twice the expiry (320 slots by default); the rest of the room is
  /// for forks and for senders' made-up blockhashes, which would otherwise grow the table
  /// by one entry per transaction.
  static constexpr std::size_t MAX_TRACKED_BLOCKHASHES = 4096;
  /// Slot in which pack first saw each recent blockhash (pruned once long expired).
  std::unordered_map<txn::Hash, std::uint64_t, HashKeyHash> blockhash_seen_;
};

} // namespace extpack::sched
