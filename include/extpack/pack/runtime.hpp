// PackRuntime: the pack process's single-threaded loop over a joined PackSession.
//
// One poll does, in order:
//   1. progress_tracker: validate every message, apply the latest valid one (slot,
//      leader state, remaining cost units); a slot change resets per-slot budgets and
//      logs a one-line summary of the leader slot that ended;
//   2. worker_to_pack: validate each response against the in-flight table (keyed by the
//      batch array's offset and the worker it was sent to), act on every transaction's
//      answer, then free in order: transaction bytes pack no longer needs, the batch
//      array, the response array (a remote free: a worker allocated it) and any
//      resolved-pubkey arrays;
//   3. tpu_to_pack: validate the region, take ownership, analyse, insert or drop
//      (dropping frees the bytes at once); at most `ingest_per_poll` messages;
//   4. dispatch: one RESOLVE batch at a time for v0 transactions with address-table
//      lookups (to the worker with the fewest batches out), then, while leader, execution
//      batches from the policy.
// When a poll finds nothing to do the loop sleeps, backing off from 20 us to 1 ms: the
// validator and pack share few cores and pack must never spin.
//
// Ownership: every offset pack holds (transaction bytes it accepted, batch arrays it
// allocated) is in an `owned` set. A peer-supplied offset that names one of them is
// refused, so a hostile peer cannot make pack free something twice. Response and
// resolved-pubkey arrays (once per batch) are also refused when they name a free slot
// (Allocator::slot_status walks the slab); a transaction region is refused when it lies in
// pack's own slabs, or when it names a slot pack freed into the sender's slab that is still
// free (Allocator::check_reuse: a ledger bit test per transaction, a slab audit only for
// slots pack freed before; see allocator_inspect.cpp and ingest.cpp). A response
// that is refused after its batch was identified retires the batch (its transactions go
// back to the queue: Agave holds no reference once it answered) and frees nothing from the
// peer.
//
// Validator liveness (liveness.hpp): a validator that stops publishing progress for
// `validator_silence`, or whose process (`validator_pid`, when known) exits, is lost. Pack
// then stops scheduling, runs the shutdown below (skipping the wait for answers when the
// process is known to be gone), logs how long the validator was silent and what was freed,
// and run() returns RunEnd::ValidatorLost. The session is finished: the caller drops the
// runtime and the session and waits for a new one (a new seed-mode directory or a new
// handshake); a runtime never rejoins.
//
// Latency (PackStats::time_to_inclusion, PackStats::schedule_pass): every transaction
// carries the steady-clock time at which the poll that read it began reading tpu_to_pack
// (TxEntry::arrival_ns, one clock read per poll); a response that reports it included
// records now minus that, so a sample reads long by at most one ingest phase. Each
// scheduling pass that runs (SchedCounters::pass.passes) records its duration.
//
// Shutdown: stop scheduling, keep reading responses for up to `shutdown_wait`, then free
// everything pack owns: queued transactions, batches still unanswered with their bytes,
// and every message left in tpu_to_pack. Freeing unanswered batches is only safe once the
// validator has stopped reading them; pack assumes that after the wait (the validator is
// gone or stalled). Shortcoming: a validator that is alive but slower than the wait could
// still read a freed batch.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "extpack/pack/liveness.hpp"
#include "extpack/pack/owned_slots.hpp"
#include "extpack/pack/small_map.hpp"
#include "extpack/pack/stats.hpp"
#include "extpack/sched/config.hpp"
#include "extpack/sched/scheduler.hpp"
#include "extpack/session/session.hpp"

namespace extpack::pack {

struct RuntimeConfig {
  sched::SchedConfig sched{};
  /// Which of the session's allocator handles pack uses (id 1 + W + handle).
  std::uint32_t allocator_handle = 0;
  /// Most tpu_to_pack messages read per poll, so responses and progress are not starved.
  std::uint32_t ingest_per_poll = 4096;
  /// Longest idle sleep between polls.
  std::chrono::microseconds max_idle_sleep{1000};
  /// How long shutdown waits for answers to in-flight batches.
  std::chrono::milliseconds shutdown_wait{2000};
  /// Polls between clean_remote_free_lists() calls on pack's handle.
  std::uint32_t clean_interval = 256;
  /// The validator is lost after this long without a progress message (counted from the
  /// first one). Agave sends several per slot (400 ms), agave-sim one every 10 ms; 0 = never.
  std::chrono::milliseconds validator_silence{2000};
  /// The validator's process id when known (seed mode on one host); 0 = unknown.
  pid_t validator_pid = 0;
};

/// Why run() returned.
enum class RunEnd : std::uint8_t {
  Stopped,       ///< the stop flag was raised
  ValidatorLost, ///< the validator went silent or exited; the session is over
};

class PackRuntime {
public:
  /// `session` must outlive the runtime.
  PackRuntime(session::PackSession& session, const RuntimeConfig& cfg,
              std::unique_ptr<sched::Policy> policy);

  /// One iteration of the loop; returns how many things it did (0 = idle).
  std::size_t poll_once();
  /// Polls until `stop` is set or the validator is lost, then shuts down.
  RunEnd run(const std::atomic<bool>& stop);
  /// Bounded wait for in-flight answers, then frees everything pack owns. Idempotent.
  void shutdown();

  [[nodiscard]] const PackStats& stats() const { return stats_; }
  [[nodiscard]] const sched::Scheduler& scheduler() const { return sched_; }
  [[nodiscard]] nlohmann::json stats_json() const;
  [[nodiscard]] std::size_t in_flight_batches() const { return in_flight_.size(); }
  [[nodiscard]] std::size_t owned_regions() const { return owned_.size(); }
  /// True once the validator was found silent or gone; everything pack owned is freed.
  [[nodiscard]] bool validator_lost() const { return loss_ != ValidatorLoss::None; }
  [[nodiscard]] ValidatorLoss validator_loss() const { return loss_; }
  [[nodiscard]] bool shut_down() const { return shut_down_; }

private:
  struct InFlightBatch {
    std::uint32_t worker = 0;
    bool resolve = false;
    std::uint64_t slot = 0;
    sched::PlannedBatch batch;
  };

  // progress.cpp
  std::size_t drain_progress();
  void apply_progress(const abi::ProgressMessage& m);
  void log_slot_end();
  // ingest.cpp
  std::size_t ingest(std::uint32_t limit, bool shutting_down);
  void ingest_one(const abi::TpuToPackMessage& m, bool shutting_down);
  // responses.cpp
  std::size_t drain_responses();
  void handle_response(std::uint32_t worker, const abi::WorkerToPackMessage& m);
  Reject handle_execution(InFlightBatch& b, const abi::WorkerToPackMessage& m);
  Reject handle_resolved(InFlightBatch& b, const abi::WorkerToPackMessage& m);
  void retire_unanswered(InFlightBatch& b);
  void remember_answered(std::uint32_t worker, std::uint64_t offset);
  [[nodiscard]] bool recently_answered(std::uint32_t worker, std::uint64_t offset) const;
  // dispatch.cpp
  std::size_t dispatch();
  bool send_batch(const sched::PlannedBatch& b, bool resolve);
  /// Bytes of every batch array pack allocates: room for the largest batch (the scheduler
  /// clamps max_batch to 1..MAX_TRANSACTIONS_PER_MESSAGE the same way).
  [[nodiscard]] std::uint32_t batch_array_bytes() const {
    const std::size_t n =
        std::clamp<std::size_t>(cfg_.sched.max_batch, 1, abi::MAX_TRANSACTIONS_PER_MESSAGE);
    return static_cast<std::uint32_t>(n * sizeof(abi::SharableTransactionRegion));
  }
  // dispatch.cpp: time to inclusion (see the header comment)
  [[nodiscard]] static std::int64_t steady_ns();
  /// Records the time to inclusion of `id`, included at `now_ns`; before sched_.included().
  void record_inclusion(sched::EntryId id, std::int64_t now_ns);
  // runtime.cpp
  void check_validator();
  [[nodiscard]] bool peer_slot_free(std::uint64_t offset) const;
  void free_owned(std::uint64_t offset);
  void free_peer(std::uint64_t offset);
  void flush_drops();
  void disable_worker(std::uint32_t worker, const char* which);

  session::PackSession& s_;
  RuntimeConfig cfg_;
  shm::Allocator& alloc_;
  sched::Scheduler sched_;
  PackStats stats_;

  SmallMap<InFlightBatch> in_flight_; ///< by batch array offset; no allocation per batch
  OwnedSlots owned_;                  ///< every allocation offset pack holds (one bit per slot)
  std::vector<std::pair<std::uint32_t, std::uint64_t>> answered_; ///< recent, a ring
  std::size_t answered_next_ = 0;
  std::vector<bool> worker_dead_;
  bool tpu_dead_ = false;
  bool progress_dead_ = false;
  bool shut_down_ = false;
  ValidatorWatch watch_;
  ValidatorLoss loss_ = ValidatorLoss::None;
  std::uint64_t last_slot_ = UINT64_MAX;
  bool have_progress_ = false;
  bool leader_ = false;
  std::uint64_t polls_ = 0;
  std::vector<sched::PlannedBatch> planned_; ///< reused by dispatch()
  std::vector<std::uint64_t> peer_frees_;    ///< peer arrays to free after a response
  std::uint32_t resolve_in_flight_ = 0;      ///< RESOLVE batches awaiting an answer
  /// Counter values when the current leader slot began, for the per-slot summary.
  sched::SchedCounters slot_start_{};
  std::uint64_t slot_start_dropped_ = 0;
  std::uint64_t slot_start_received_ = 0;
  std::int64_t ingest_began_ns_ = 0; ///< start of this poll's ingest phase
};

} // namespace extpack::pack
