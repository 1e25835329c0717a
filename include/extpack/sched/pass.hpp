// SchedulePass: what a policy sees during one scheduling pass, and the only way it can
// put transactions into batches.
//
// A policy decides the order in which it looks at ready transactions and when to give
// up; the pass enforces everything that must hold no matter which policy runs:
//  * no two in-flight transactions conflict (a write lock excludes any other lock on the
//    key; read locks share), across all workers and within a batch;
//  * a batch holds at most SchedConfig::max_batch transactions;
//  * the slot budget (block, vote, in-flight cap) and each writable account's cost limit
//    are never exceeded by what is sent;
//  * a transaction whose address tables deactivated is dropped, not sent.
// So a new policy can be wrong about value, never about safety.
//
// The pass pops entries from the ready order (next()); entries the policy does not send
// go back with skip() and are restored when the pass ends. At most max_scan_per_pass
// entries are popped per pass.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "extpack/sched/budget.hpp"
#include "extpack/sched/config.hpp"
#include "extpack/sched/container.hpp"
#include "extpack/sched/types.hpp"

namespace extpack::sched {

/// Transactions chosen for one worker: an execution or a RESOLVE batch.
struct PlannedBatch {
  std::uint32_t worker = 0;
  std::uint8_t count = 0;
  std::array<EntryId, abi::MAX_TRANSACTIONS_PER_MESSAGE> ids{};
  [[nodiscard]] std::span<const EntryId> entries() const { return {ids.data(), count}; }
};

enum class Admit : std::uint8_t {
  Admitted = 0,
  Conflict,     ///< a lock is held by an in-flight transaction
  OverBlock,    ///< does not fit the slot's remaining budget
  OverAccount,  ///< a writable account's cost limit would be exceeded
  OverVote,     ///< the vote limit would be exceeded
  OverInFlight, ///< the in-flight cap would be exceeded
  BatchFull,    ///< the worker's open batch already holds max_batch
  Unaffordable, ///< its payer's in-flight fees leave too little balance: wait for them
  Dropped,      ///< unusable (address tables deactivated, payer cannot pay); already dropped
};

/// Outcome counters of scheduling passes (decisions, by reason).
struct PassCounters {
  std::uint64_t passes = 0;
  std::uint64_t examined = 0;
  std::uint64_t admitted = 0;
  std::uint64_t conflict = 0;
  std::uint64_t over_block = 0;
  std::uint64_t over_account = 0;
  std::uint64_t over_vote = 0;
  std::uint64_t over_inflight = 0;
  std::uint64_t alt_deactivated = 0;
  std::uint64_t unaffordable_dropped = 0; ///< payer's known balance below the fee
  std::uint64_t unaffordable_waiting = 0; ///< ... once its in-flight fees are counted
};

class Scheduler;

class SchedulePass {
public:
  /// Workers that can take a batch now, those with the fewest batches first.
  [[nodiscard]] std::span<const std::uint32_t> workers() const { return workers_; }
  /// True if `worker` may open (or has open) a batch in this pass.
  [[nodiscard]] bool can_open(std::uint32_t worker) const;
  /// The best ready transaction, taken out of the order; NO_ENTRY when none is left or
  /// the scan limit is reached.
  EntryId next();
  /// Returns a transaction next() gave out and the policy did not admit.
  void skip(EntryId id) { skipped_.push_back(id); }
  /// Tries to put `id` into the open batch of `worker` (see Admit).
  Admit admit(EntryId id, std::uint32_t worker);
  [[nodiscard]] std::size_t open_size(std::uint32_t worker) const;
  /// Seals the open batch of `worker` (no-op if empty).
  void close(std::uint32_t worker);
  [[nodiscard]] const TxEntry& entry(EntryId id) const;
  [[nodiscard]] std::uint64_t available() const;
  [[nodiscard]] std::size_t max_batch() const;
  [[nodiscard]] std::uint32_t num_workers() const;
  /// Estimated cost in flight on `worker`, including what this pass admitted to it.
  [[nodiscard]] std::uint64_t worker_cost(std::uint32_t worker) const;
  /// Percent of the slot's time elapsed, or UNKNOWN_PROGRESS.
  [[nodiscard]] std::uint8_t slot_progress() const;
  /// Scheduler::leader_slots_after(): consecutive leader slots after this one, 0 in the
  /// last slot of the leader window, UNKNOWN_WINDOW if not reported.
  [[nodiscard]] std::uint64_t leader_slots_after() const;
  [[nodiscard]] std::uint64_t slot() const;
  /// Cost units of this slot included (actual) or in flight (estimated).
  [[nodiscard]] std::uint64_t slot_used() const;
  /// Vote cost units of this slot included or in flight.
  [[nodiscard]] std::uint64_t vote_used() const;
  [[nodiscard]] const txn::BlockLimits& limits() const;
  /// Lock and cost state of an account named by a held transaction.
  [[nodiscard]] const AccountState& account(AccountId id) const;
  /// True if the entry's locks are free now (no counters touched).
  [[nodiscard]] bool lockable(EntryId id) const;
  /// Entries still in the ready order (not counting those popped this pass).
  [[nodiscard]] std::size_t ready_size() const;

private:
  friend class Scheduler;
  SchedulePass(Scheduler& s, std::vector<PlannedBatch>& out);
  void finish();

  Scheduler& s_;
  std::vector<PlannedBatch>& out_;
  std::vector<std::uint32_t>& workers_; ///< Scheduler::pass_workers_
  std::vector<std::int32_t>& open_;     ///< per worker: index into out_ of its open batch, or -1
  std::vector<EntryId>& skipped_;
  std::uint32_t scanned_ = 0;
};

/// One named outcome count a policy keeps (beyond the pass counters every policy shares).
struct PolicyCounter {
  const char* name;
  std::uint64_t value;
};

/// A scheduling policy: the order transactions are ranked in and how a pass is spent.
class Policy {
public:
  virtual ~Policy() = default;
  [[nodiscard]] virtual const char* name() const = 0;
  /// The container's ordering key for a transaction (higher is scheduled first; equal
  /// ranks go in arrival order). Also decides which queued transaction is evicted.
  [[nodiscard]] virtual std::uint64_t rank(const NewTx& tx) const = 0;
  /// Called after the container took `tx` (rank set) or refused it for want of room: an
  /// arrival the policy may count as demand. Not called for a copy of a transaction the
  /// container holds, so re-sending a queued one does not count twice (a copy sent after
  /// the original left the container, or refused again for room, does count).
  virtual void arrived(const NewTx& tx) { (void)tx; }
  virtual void schedule(SchedulePass& pass) = 0;
  /// The policy's own outcome counters, for metrics and tests.
  [[nodiscard]] virtual std::vector<PolicyCounter> counters() const { return {}; }
};

} // namespace extpack::sched
