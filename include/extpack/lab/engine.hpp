// The lab's lockstep engine: the real pack runtime against the real simulator in one
// thread, over a real shared-memory session (memfds), in virtual time.
//
// One engine owns the session (both sides joined in this process), the simulator's parts
// (a transaction source, the TPU feed, the leader schedule, the bank, W workers) and a
// PackRuntime with a named policy. Time is a VirtualClock that jumps from event to event.
// Events: the slot boundaries; the feed's bursts (the transactions due by now, tx_per_slot
// spread evenly over each slot, delivered on a grid of `tick_ns`); progress messages every
// progress_interval; the end of a worker's batch; and, 20 us after a step in which pack
// did work or a worker answered at once, a follow-up (pack's shortest idle sleep). Each
// step, in this order:
//   1. at a slot boundary the bank closes the old slot and opens the new one;
//   2. the feed hands pack the transactions due by now; a progress message if one is due;
//   3. workers whose batch has finished release its locks and send the answer;
//   4. pack polls once (progress, answers, ingest, dispatch);
//   5. idle workers take their next batch: the bank executes it now and the worker is
//      busy until now + consumed CUs * ns_per_cu (the locks held meanwhile); a batch that
//      consumed nothing is answered at once and the worker takes the next.
// After the last slot a final not-leader progress message is sent, the engine keeps
// stepping until pack has no batch in flight, then pack shuts down and the allocator's
// outstanding allocations are counted per worker id.
//
// Determinism: nothing reads real time or depends on thread timing, so the same
// configuration gives byte-identical block records on any machine. A transaction's
// inclusion time is the end of its batch's execution; arrivals are quantised to the tick.
// Shortcoming: pack's own computation takes no virtual time, so a policy whose passes are
// slow in real time is not penalised for it here; wall time per run grows with the
// number of steps times the policy's pass cost.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "extpack/common/result.hpp"
#include "extpack/lab/ledger.hpp"
#include "extpack/lab/upper_bound.hpp"
#include "extpack/pack/runtime.hpp"
#include "extpack/sim/config.hpp"
#include "extpack/sim/stats.hpp"

namespace extpack::lab {

/// The joint bound of the last run and what it bounded: runs of several policies over the
/// same workload offer the same candidates, and the exact bound of a long run takes tens
/// of seconds, so a comparison computes it once. A run reuses it only if its candidates
/// are identical, item for item, and under the same limits. For one thread at a time.
struct WindowBoundCache {
  std::vector<WindowItem> items;
  std::uint32_t slots = 0;
  bool exact_lp = false;
  txn::BlockLimits limits{};
  BoundResult result{};
};

struct LabConfig {
  sim::SimConfig sim{}; ///< slots, seed, workload, input file, bank and worker models
  std::uint32_t workers = 4;
  std::string policy = "extpack";
  /// Grid of the feed's bursts, ns: arrivals are delivered (and timed) to this resolution.
  /// 1 ms is fine next to arrival-to-inclusion times of hundreds of ms, and keeps the
  /// number of pack polls (each a scheduling pass while leader) near a thousand per slot.
  std::int64_t tick_ns = 1'000'000;
  pack::RuntimeConfig pack{};
  std::uint64_t allocator_size = 256ull * 1024 * 1024; ///< bytes, a multiple of 2 MiB
  bool bounds = true; ///< compute the upper bound of every leader slot
  /// Solve the bounds' LP relaxation exactly (GLPK); false: the Lagrangian descent only,
  /// faster and looser (upper_bound.hpp).
  bool exact_bound = true;
  /// Shared by the runs of one comparison (see WindowBoundCache); null: no reuse.
  std::shared_ptr<WindowBoundCache> bound_cache;
  /// Virtual time allowed after the last slot for pack to get its batches answered, ns.
  std::int64_t drain_limit_ns = 2'000'000'000;

  /// Checks ranges; the error names the field and the value.
  [[nodiscard]] Result<void> validate() const;
};

/// One leader slot as the run ended it, with its bound.
struct SlotOutcome {
  std::uint64_t slot = 0;
  std::uint64_t fees = 0; ///< leader reward captured, lamports
  std::uint64_t cu_used = 0;
  std::uint64_t block_limit = 0;
  std::uint64_t included = 0;
  BoundResult bound{};
};

struct LabRun {
  sim::RunReport report; ///< slots, blocks, simulator counters
  std::vector<SlotOutcome> leader_slots;
  /// The joint bound of all leader slots (window_fee_upper_bound over TxLedger::window_items): the
  /// same for every policy on the same workload, unless a run's TPU feed could not hand over the
  /// same transactions (queue or allocator full).
  BoundResult window_bound{};
  GapBreakdown gap{};                       ///< this run's fees against window_bound's LP solution
  std::vector<std::int64_t> latencies_ns;   ///< arrival to inclusion, every included tx
  std::vector<std::int64_t> vote_delays_ns; ///< TxLedger::vote_delays, every included vote
  std::uint64_t distinct_offered = 0;       ///< distinct signatures handed to pack
  std::uint64_t pack_outstanding = 0;       ///< allocations of pack's id left after shutdown
  /// Allocations still held per allocator worker id (0 = TPU, 1..W workers, W+1 pack).
  std::vector<std::uint64_t> outstanding_by_id;
  nlohmann::json pack_stats;
  std::int64_t virtual_ns = 0; ///< virtual time the run covered
  std::uint64_t steps = 0;     ///< engine steps, i.e. pack polls
  bool drained = true;         ///< pack had no batch in flight at shutdown
};

/// Runs one policy over one workload; the error says what could not be set up.
[[nodiscard]] Result<LabRun> run_lab(const LabConfig& cfg);

} // namespace extpack::lab
