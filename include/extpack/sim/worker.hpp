// One Agave worker thread: reads PackToWorkerMessages from its pack_to_worker queue,
// validates them, executes or resolves the batch against the bank and answers exactly one
// WorkerToPackMessage per message read.
//
// Shared memory is a trust boundary. Before anything is used: flags must be NONE or
// RESOLVE, the count 1..MAX_TRANSACTIONS_PER_MESSAGE, the batch array and every
// transaction region must pass Allocator::check_region, and every length must be
// 1..PACKET_DATA_SIZE. The batch array and the transaction bytes are copied into the
// worker's own buffers, so pack changing them afterwards cannot change what executes.
// Anything invalid is answered NOT_PROCESSED (the batch echoed, responses zeroed),
// counted by reason and logged (the first few of each reason, then every 1000th).
//
// Responses (and RESOLVE's pubkey arrays) come from the worker's own allocator id 1+i
// and belong to pack once sent; pack frees them remotely, so the worker drains its
// remote-free lists periodically and before giving up on an allocation. If the answer
// queue is full the worker waits with backoff (pack must drain it); on shutdown it stops
// waiting, frees the answer's memory and counts it as unsent.
//
// Step-wise use (the lab's virtual clock): begin() executes a batch without waiting and
// returns its answer with the batch's locks still held and the execution time it takes;
// the caller lets that time pass however it models time, then calls complete() and sends
// the answer. handle() is begin(), a sleep on the worker's clock, complete().
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "extpack/abi/messages.hpp"
#include "extpack/session/session.hpp"
#include "extpack/sim/alt_registry.hpp"
#include "extpack/sim/bank.hpp"
#include "extpack/sim/clock.hpp"
#include "extpack/sim/prepare.hpp"
#include "extpack/sim/stats.hpp"

namespace extpack::sim {

struct WorkerConfig {
  /// Execution time per consumed compute unit. Agave's cost model assumes 30 CU per
  /// microsecond (COMPUTE_UNIT_TO_US_RATIO, i.e. 33 ns/CU); real execution is faster.
  double ns_per_cu = 10.0;
  bool verify_signatures = false;
  std::int64_t clean_interval_ns = 5'000'000; ///< remote-free cleaning of allocator 1+i
  std::int64_t idle_min_ns = 20'000;          ///< first sleep when the queue is empty
  std::int64_t idle_max_ns = 1'000'000;       ///< backoff cap: never spin on 2 cores
};

class Worker {
public:
  Worker(std::uint32_t index, session::AgaveWorkerEndpoint& endpoint, Bank& bank,
         const AltRegistry& alts, SimCounters& counters, Clock& clock, const WorkerConfig& cfg);

  /// Serves the queue until `stop`. Each message read updates `last_activity_ns`.
  void run(const std::atomic<bool>& stop, std::atomic<std::int64_t>& last_activity_ns);

  /// A processed message whose answer is ready but whose execution time has not passed:
  /// its batch's account locks are held until complete().
  struct Pending {
    abi::WorkerToPackMessage answer{};
    Bank::Ticket ticket{};
    std::int64_t busy_ns = 0; ///< execution time: ns_per_cu * consumed compute units
    bool executed = false;    ///< an execution batch reached the bank (not RESOLVE, not refused)
  };
  /// Validates and processes one message without sleeping. Only one Pending may be open
  /// at a time: the next begin() reuses the worker's buffers.
  [[nodiscard]] Pending begin(const abi::PackToWorkerMessage& m);
  /// Releases the locks `p` holds; its answer may then be sent.
  void complete(const Pending& p);
  /// The transactions of the last begun batch as the worker prepared them, meaningful when
  /// that Pending is `executed` (valid until the next begin()); index i matches response i.
  [[nodiscard]] std::span<const PreparedTx> last_batch() const {
    return {prepared_.data(), num_txs_};
  }

  /// Validates and processes one message; the answer references memory it now owns.
  [[nodiscard]] abi::WorkerToPackMessage handle(const abi::PackToWorkerMessage& m);
  /// Commits `w`, waiting while the queue is full; once `stop` is set it frees the
  /// answer's memory instead and returns false.
  bool send(const abi::WorkerToPackMessage& w, const std::atomic<bool>& stop);
  /// Frees what an unsent answer references (response array and resolved pubkeys).
  void free_answer(const abi::WorkerToPackMessage& w);

  [[nodiscard]] std::uint32_t index() const { return index_; }

private:
  std::optional<Rejection> load_batch(const abi::PackToWorkerMessage& m);
  abi::WorkerToPackMessage reject(const abi::PackToWorkerMessage& m, Rejection why,
                                  const std::string& detail);
  Pending execute(const abi::PackToWorkerMessage& m);
  abi::WorkerToPackMessage resolve(const abi::PackToWorkerMessage& m);
  void* allocate(std::uint32_t size);
  void maybe_clean(std::int64_t now);

  std::uint32_t index_;
  session::AgaveWorkerEndpoint& ep_;
  Bank& bank_;
  const AltRegistry& alts_;
  SimCounters& counters_;
  Clock& clock_;
  WorkerConfig cfg_;
  std::int64_t last_clean_ns_ = 0;
  std::string last_error_;
  std::size_t num_txs_ = 0;
  std::array<std::uint32_t, abi::MAX_TRANSACTIONS_PER_MESSAGE> tx_len_{};
  std::vector<std::array<std::uint8_t, txn::PACKET_DATA_SIZE>> tx_buf_;
  std::vector<PreparedTx> prepared_;
};

} // namespace extpack::sim
