// The simulated bank: the working bank of the current slot and the state that outlives
// slots. Workers execute batches against it; the slot clock opens and closes slots.
//
// Per slot: whether a working bank exists (only in leader slots: "bank ready"), the cost
// tracker, the block record and the slot's counters. Across slots: account locks held by
// executing batches, the status cache (signatures executed in the last
// `status_cache_slots` slots), the recent-blockhash queue, fee-payer balances.
//
// Execution of a batch, per transaction and in order (the first failing check is its
// not_included_reason):
//   1. no working bank, or max_execution_slot < current slot -> BANK_NOT_AVAILABLE for the
//      whole batch. Agave's exact answer to an expired max_execution_slot is unconfirmed
//      (protocol-3.1.md §6 item 6); the sim reports it per transaction, not NOT_PROCESSED,
//      because the message itself is well formed.
//   2. loading failures from prepare_transaction() (SANITIZE_FAILURE, ...).
//   3. cost tracker with the estimated cost -> WOULD_EXCEED_MAX_{VOTE,BLOCK,ACCOUNT}_...
//   4. account locks -> ACCOUNT_IN_USE (held until release(), like Agave's batch locks).
//   5. blockhash age (optional) -> BLOCKHASH_NOT_FOUND; status cache -> ALREADY_PROCESSED.
//   6. fee payer balance < fee -> INSUFFICIENT_FUNDS_FOR_FEE. (Agave also keeps the payer
//      rent-exempt; the sim does not model rent.)
//   7. included: consumed CUs are drawn from the signature (lognormal ratio of the
//      limit, median `cu_ratio_median`), the reservation is adjusted to the executed cost,
//      the fee is charged and the leader's reward captured.
// Failures after step 3 give their reserved cost back. All methods are thread-safe (one
// mutex: batches are at most 64 transactions, so contention is low at sim scale).
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "extpack/abi/messages.hpp"
#include "extpack/sim/cost_tracker.hpp"
#include "extpack/sim/lock_table.hpp"
#include "extpack/sim/prepare.hpp"
#include "extpack/sim/stats.hpp"

namespace extpack::sim {

struct BankConfig {
  txn::BlockLimits limits{};
  std::uint64_t seed = 1; ///< blockhashes and initial balances derive from it
  /// Reject transactions whose blockhash is not among the last max_blockhash_age slots'
  /// (generated workloads); file replay of real transactions turns it off.
  bool check_blockhash = true;
  std::uint32_t max_blockhash_age = 150;  ///< slots (Agave MAX_PROCESSING_AGE)
  std::uint32_t status_cache_slots = 300; ///< slots a signature stays "already processed"
  bool verify_signatures = false;         ///< ed25519-verify in the worker (TPU did already)
  double poor_payer_share = 0.005;        ///< payers whose balance cannot cover a fee
  double cu_ratio_median = 0.7;           ///< consumed / limit (mainnet sample median 0.73)
  double cu_ratio_sigma = 0.5;
  std::uint32_t loaded_bytes_per_account = 16 * 1024; ///< for the executed loaded-data cost
};

/// CUs a simple vote's execution takes (the vote share of SIMPLE_VOTE_USAGE_COST).
inline constexpr std::uint64_t SIMPLE_VOTE_EXECUTION_CUS = 2'100;

class Bank {
public:
  Bank(const BankConfig& cfg, SimCounters& counters);

  // ---- the slot clock ----
  /// Closes the open slot (if any; its record goes to `closed`, its block to `block`) and
  /// opens `slot`, with a working bank if `leader`. Returns whether a slot was closed.
  bool advance(std::uint64_t slot, bool leader, SlotRecord* closed, BlockRecord* block);
  /// Closes the open slot and leaves no working bank.
  bool finish(SlotRecord* closed, BlockRecord* block);

  struct Status {
    std::uint64_t slot = 0;
    bool ready = false; ///< a working bank exists (leader slot)
    std::uint64_t remaining_cost_units = 0;
    std::uint64_t block_cost = 0;
  };
  [[nodiscard]] Status status() const;
  [[nodiscard]] Hash latest_blockhash() const;
  [[nodiscard]] static Hash blockhash_for(std::uint64_t seed, std::uint64_t slot);

  // ---- workers ----
  /// Locks a batch holds until release().
  struct Ticket {
    std::span<const PreparedTx> txs;
    std::uint64_t locked_mask = 0;  ///< bit i: txs[i] holds its locks
    std::uint64_t consumed_cus = 0; ///< of the included transactions, for execution time
    std::uint32_t included = 0;
  };
  /// Decides and commits every transaction of a batch (see the header comment); writes one
  /// response per transaction to `out`.
  [[nodiscard]] Ticket execute(std::span<const PreparedTx> txs, std::uint64_t max_execution_slot,
                               std::uint32_t worker, std::span<abi::ExecutionResponse> out);
  void release(const Ticket& t);

  // ---- inspection and tests ----
  [[nodiscard]] std::uint64_t initial_balance(const Pubkey& payer) const;
  [[nodiscard]] std::uint64_t balance(const Pubkey& payer);
  void set_balance(const Pubkey& payer, std::uint64_t lamports);
  [[nodiscard]] std::size_t locks_held() const;
  [[nodiscard]] const BankConfig& config() const { return cfg_; }
  /// Consumed CUs the bank draws for a transaction with this signature and limit.
  [[nodiscard]] std::uint64_t draw_consumed(const Signature& sig, std::uint64_t limit) const;
  /// What including a prepared transaction (reason NONE) commits: the executed cost charged
  /// to the block and the CUs execution consumes. Deterministic per transaction.
  struct Executed {
    std::uint64_t cost_units = 0;
    std::uint64_t consumed_cus = 0;
  };
  [[nodiscard]] Executed executed_charge(const PreparedTx& p) const;

private:
  struct SigHash {
    std::size_t operator()(const Signature& s) const;
  };
  struct OpenSlot {
    std::uint64_t slot = 0;
    bool open = false;
    bool ready = false;
    SlotRecord record;
    BlockRecord block;
  };

  void close_locked(SlotRecord* closed, BlockRecord* block);
  void open_locked(std::uint64_t slot, bool leader);
  [[nodiscard]] bool blockhash_recent(const Hash& h) const;
  std::uint64_t& balance_locked(const Pubkey& payer);
  std::uint8_t execute_one(const PreparedTx& p, std::uint32_t worker, abi::ExecutionResponse& r,
                           bool& locked, std::uint64_t& consumed);

  BankConfig cfg_;
  SimCounters& counters_;
  mutable std::mutex mu_;
  OpenSlot cur_;
  CostTracker cost_;
  LockTable locks_;
  std::deque<std::pair<std::uint64_t, Hash>> blockhashes_; ///< newest at the back
  std::unordered_set<Signature, SigHash> status_cache_;
  std::deque<std::pair<std::uint64_t, std::vector<Signature>>> status_by_slot_;
  std::unordered_map<Pubkey, std::uint64_t, KeyHash> balances_;
};

} // namespace extpack::sim
