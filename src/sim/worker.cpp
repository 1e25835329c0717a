// Worker thread: the message loop, validation, execution batches and answers
// (see worker.hpp; RESOLVE batches are in worker_resolve.cpp).
#include "extpack/sim/worker.hpp"

#include <algorithm>
#include <cstring>

#include <spdlog/spdlog.h>

namespace extpack::sim {

namespace {
constexpr auto relaxed = std::memory_order_relaxed;
/// Rejections of one reason logged individually before switching to every 1000th.
constexpr std::uint64_t REJECTIONS_LOGGED = 10;
} // namespace

Worker::Worker(std::uint32_t index, session::AgaveWorkerEndpoint& endpoint, Bank& bank,
               const AltRegistry& alts, SimCounters& counters, Clock& clock,
               const WorkerConfig& cfg)
    : index_(index), ep_(endpoint), bank_(bank), alts_(alts), counters_(counters), clock_(clock),
      cfg_(cfg), tx_buf_(abi::MAX_TRANSACTIONS_PER_MESSAGE),
      prepared_(abi::MAX_TRANSACTIONS_PER_MESSAGE) {
  last_clean_ns_ = clock_.now_ns();
}

void* Worker::allocate(std::uint32_t size) {
  void* p = ep_.allocator.allocate(size);
  if (p == nullptr) {
    ep_.allocator.clean_remote_free_lists();
    p = ep_.allocator.allocate(size);
  }
  return p;
}

void Worker::maybe_clean(std::int64_t now) {
  if (now - last_clean_ns_ < cfg_.clean_interval_ns) return;
  ep_.allocator.clean_remote_free_lists();
  last_clean_ns_ = now;
}

// ---- validation ----

std::optional<Rejection> Worker::load_batch(const abi::PackToWorkerMessage& m) {
  num_txs_ = 0;
  if (m.flags != abi::pack_message_flags::NONE && m.flags != abi::pack_message_flags::RESOLVE) {
    last_error_ = fmt::format("flags {:#06x}", m.flags);
    return Rejection::BadFlags;
  }
  const std::size_t n = m.batch.num_transactions;
  if (n == 0 || n > abi::MAX_TRANSACTIONS_PER_MESSAGE) {
    last_error_ =
        fmt::format("{} transactions, allowed 1..{}", n, abi::MAX_TRANSACTIONS_PER_MESSAGE);
    return Rejection::BadCount;
  }
  const shm::Allocator& a = ep_.allocator;
  const std::uint64_t array_bytes = n * sizeof(abi::SharableTransactionRegion);
  if (auto r = a.check_region(m.batch.transactions_offset, array_bytes); !r) {
    last_error_ = fmt::format("batch array at {} ({} bytes): {}", m.batch.transactions_offset,
                              array_bytes, r.error().message);
    return Rejection::BadBatchRegion;
  }
  std::array<abi::SharableTransactionRegion, abi::MAX_TRANSACTIONS_PER_MESSAGE> regions;
  std::memcpy(regions.data(), a.ptr_from_offset(m.batch.transactions_offset), array_bytes);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& t = regions[i];
    if (t.length == 0 || t.length > txn::PACKET_DATA_SIZE) {
      last_error_ = fmt::format("transaction {} length {}, allowed 1..{}", i, t.length,
                                txn::PACKET_DATA_SIZE);
      return Rejection::BadTransactionLength;
    }
    if (auto r = a.check_region(t.offset, t.length); !r) {
      last_error_ = fmt::format("transaction {} at {} ({} bytes): {}", i, t.offset, t.length,
                                r.error().message);
      return Rejection::BadTransactionRegion;
    }
    std::memcpy(tx_buf_[i].data(), a.ptr_from_offset(t.offset), t.length);
    tx_len_[i] = t.length;
  }
  num_txs_ = n;
  return std::nullopt;
}

abi::WorkerToPackMessage Worker::reject(const abi::PackToWorkerMessage& m, Rejection why,
                                        const std::string& detail) {
  const std::uint64_t n =
      counters_.not_processed[static_cast<std::size_t>(why)].fetch_add(1, relaxed) + 1;
  if (n <= REJECTIONS_LOGGED || n % 1000 == 0) {
    spdlog::warn("worker {}: NOT_PROCESSED ({}, occurrence {}): {}", index_, to_string(why), n,
                 detail);
  }
  abi::WorkerToPackMessage w;
  std::memset(&w, 0, sizeof w);
  w.batch = m.batch;
  w.processed = abi::NOT_PROCESSED;
  return w;
}

Worker::Pending Worker::begin(const abi::PackToWorkerMessage& m) {
  Pending p;
  if (auto why = load_batch(m)) {
    p.answer = reject(m, *why, last_error_);
  } else if (m.flags == abi::pack_message_flags::RESOLVE) {
    p.answer = resolve(m);
  } else {
    p = execute(m);
  }
  return p;
}

void Worker::complete(const Pending& p) {
  if (p.executed) bank_.release(p.ticket);
}

abi::WorkerToPackMessage Worker::handle(const abi::PackToWorkerMessage& m) {
  const Pending p = begin(m);
  // Execution takes time proportional to the work done; the batch's locks are held meanwhile.
  if (p.busy_ns > 0) clock_.sleep_for_ns(p.busy_ns);
  complete(p);
  return p.answer;
}

// ---- execution ----

Worker::Pending Worker::execute(const abi::PackToWorkerMessage& m) {
  const std::size_t n = num_txs_;
  const auto bytes = static_cast<std::uint32_t>(n * sizeof(abi::ExecutionResponse));
  Pending p;
  void* mem = allocate(bytes);
  if (mem == nullptr) {
    p.answer = reject(m, Rejection::ResponseAllocFailed,
                      fmt::format("no room for {} response bytes for {} transactions", bytes, n));
    return p;
  }
  for (std::size_t i = 0; i < n; ++i) {
    prepare_transaction({tx_buf_[i].data(), tx_len_[i]}, alts_, cfg_.verify_signatures,
                        prepared_[i]);
  }
  std::array<abi::ExecutionResponse, abi::MAX_TRANSACTIONS_PER_MESSAGE> responses;
  p.ticket =
      bank_.execute({prepared_.data(), n}, m.max_execution_slot, index_, {responses.data(), n});
  p.executed = true;
  p.busy_ns =
      static_cast<std::int64_t>(cfg_.ns_per_cu * static_cast<double>(p.ticket.consumed_cus));
  std::memcpy(mem, responses.data(), bytes);
  counters_.batches.fetch_add(1, relaxed);

  abi::WorkerToPackMessage& w = p.answer;
  std::memset(&w, 0, sizeof w);
  w.batch = m.batch;
  w.processed = abi::PROCESSED;
  w.responses.tag = abi::worker_message_types::EXECUTION_RESPONSE;
  w.responses.num_transaction_responses = static_cast<std::uint8_t>(n);
  w.responses.transaction_responses_offset = ep_.allocator.offset(mem);
  return p;
}

// ---- answers ----

void Worker::free_answer(const abi::WorkerToPackMessage& w) {
  if (w.processed != abi::PROCESSED) return;
  std::uint8_t* arr = ep_.allocator.ptr_from_offset(w.responses.transaction_responses_offset);
  if (w.responses.tag == abi::worker_message_types::RESOLVED) {
    for (std::size_t i = 0; i < w.responses.num_transaction_responses; ++i) {
      abi::Resolved r;
      std::memcpy(&r, arr + i * sizeof r, sizeof r);
      if (r.resolved_pubkeys.num_pubkeys > 0) {
        ep_.allocator.free(ep_.allocator.ptr_from_offset(r.resolved_pubkeys.offset));
      }
    }
  }
  ep_.allocator.free(arr);
}

bool Worker::send(const abi::WorkerToPackMessage& w, const std::atomic<bool>& stop) {
  std::int64_t backoff = cfg_.idle_min_ns;
  for (;;) {
    abi::WorkerToPackMessage* slot = ep_.worker_to_pack.reserve();
    if (slot == nullptr) {
      ep_.worker_to_pack.sync();
      slot = ep_.worker_to_pack.reserve();
    }
    if (slot != nullptr) {
      std::memcpy(static_cast<void*>(slot), &w, sizeof w);
      ep_.worker_to_pack.commit();
      return true;
    }
    if (stop.load(std::memory_order_acquire)) {
      free_answer(w);
      const auto n = counters_.responses_unsent.fetch_add(1, relaxed) + 1;
      spdlog::warn("worker {}: worker_to_pack full at shutdown, answer for {} transactions "
                   "dropped and its memory freed ({} so far)",
                   index_, w.batch.num_transactions, n);
      return false;
    }
    clock_.sleep_for_ns(backoff);
    backoff = std::min(backoff * 2, cfg_.idle_max_ns);
  }
}

void Worker::run(const std::atomic<bool>& stop, std::atomic<std::int64_t>& last_activity_ns) {
  std::int64_t backoff = cfg_.idle_min_ns;
  bool corrupt_logged = false;
  while (!stop.load(std::memory_order_acquire)) {
    auto& q = ep_.pack_to_worker;
    q.sync();
    const abi::PackToWorkerMessage* p = q.try_read();
    if (p == nullptr) {
      if (q.corrupt() && !corrupt_logged) {
        spdlog::error("worker {}: pack_to_worker positions are inconsistent; ignoring them",
                      index_);
        corrupt_logged = true;
      }
      maybe_clean(clock_.now_ns());
      clock_.sleep_for_ns(backoff);
      backoff = std::min(backoff * 2, cfg_.idle_max_ns);
      continue;
    }
    abi::PackToWorkerMessage m;
    std::memcpy(&m, p, sizeof m);
    q.finalize();
    const std::int64_t now = clock_.now_ns();
    // Relaxed: a heuristic for the linger timeout, ordered with nothing else.
    last_activity_ns.store(now, std::memory_order_relaxed);
    const abi::WorkerToPackMessage w = handle(m);
    (void)send(w, stop);
    maybe_clean(now);
    backoff = cfg_.idle_min_ns;
  }
}

} // namespace extpack::sim
