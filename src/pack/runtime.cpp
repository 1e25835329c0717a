// The loop, freeing helpers and shutdown of the pack runtime; see runtime.hpp.
#include "extpack/pack/runtime.hpp"

#include <thread>

#include <spdlog/spdlog.h>

namespace extpack::pack {

namespace {
/// Recently answered batches remembered to tell "answered twice" from "never sent".
constexpr std::size_t ANSWERED_RING = 1024;
constexpr std::chrono::microseconds MIN_IDLE_SLEEP{20};
constexpr int SHUTDOWN_DRAIN_ROUNDS = 8;
} // namespace

PackRuntime::PackRuntime(session::PackSession& session, const RuntimeConfig& cfg,
                         std::unique_ptr<sched::Policy> policy)
    : s_(session), cfg_(cfg), alloc_(session.allocators.at(cfg.allocator_handle)),
      sched_(cfg.sched, std::move(policy), session.num_workers()),
      answered_(ANSWERED_RING, {UINT32_MAX, 0}), worker_dead_(session.num_workers(), false) {
  owned_.reserve(cfg.sched.capacity * 2);
  in_flight_.reserve(static_cast<std::size_t>(session.num_workers()) *
                     cfg.sched.max_batches_per_worker * 2);
}

std::size_t PackRuntime::poll_once() {
  std::size_t work = 0;
  work += drain_progress();
  work += drain_responses();
  work += ingest(cfg_.ingest_per_poll, false);
  work += dispatch();
  if (++polls_ % cfg_.clean_interval == 0) alloc_.clean_remote_free_lists();
  return work;
}

void PackRuntime::run(const std::atomic<bool>& stop) {
  auto sleep = MIN_IDLE_SLEEP;
  while (!stop.load(std::memory_order_relaxed)) {
    if (poll_once() != 0) {
      sleep = MIN_IDLE_SLEEP;
      continue;
    }
    std::this_thread::sleep_for(sleep);
    sleep = std::min(sleep * 2, cfg_.max_idle_sleep);
  }
  shutdown();
}

void PackRuntime::free_owned(std::uint64_t offset) {
  owned_.erase(offset);
  alloc_.free(alloc_.ptr_from_offset(offset));
  ++stats_.frees_local;
}

void PackRuntime::free_peer(std::uint64_t offset) {
  alloc_.free(alloc_.ptr_from_offset(offset));
  ++stats_.frees_remote;
}

void PackRuntime::flush_drops() {
  for (const sched::DroppedTx& d : sched_.drops()) {
    free_owned(d.ref.offset);
    stats_.drop(d.reason, d.detail);
  }
  sched_.clear_drops();
}

void PackRuntime::disable_worker(std::uint32_t worker, const char* which) {
  if (worker_dead_[worker]) return;
  worker_dead_[worker] = true;
  sched_.disable_worker(worker);
  stats_.reject(Reject::QueueCorrupt);
  spdlog::error("worker {}: {} queue corrupt; worker abandoned, its unanswered batches are "
                "freed at shutdown",
                worker, which);
}

void PackRuntime::remember_answered(std::uint32_t worker, std::uint64_t offset) {
  answered_[answered_next_] = {worker, offset};
  answered_next_ = (answered_next_ + 1) % answered_.size();
}

bool PackRuntime::recently_answered(std::uint32_t worker, std::uint64_t offset) const {
  for (const auto& a : answered_) {
    if (a.first == worker && a.second == offset) return true;
  }
  return false;
}

nlohmann::json PackRuntime::stats_json() const {
  return stats_to_json(stats_, sched_.counters(), sched_.policy().name());
}

void PackRuntime::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  const auto deadline = std::chrono::steady_clock::now() + cfg_.shutdown_wait;
  spdlog::info("shutdown: waiting up to {} ms for {} in-flight batches", cfg_.shutdown_wait.count(),
               in_flight_.size());
  while (!in_flight_.empty() && std::chrono::steady_clock::now() < deadline) {
    if (drain_responses() == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  if (!in_flight_.empty()) {
    ++stats_.shutdown_wait_timeouts;
    spdlog::warn("shutdown: {} batches unanswered after {} ms; freeing them", in_flight_.size(),
                 cfg_.shutdown_wait.count());
  }
  // Unanswered batches: the transactions, then the arrays.
  for (auto& [offset, b] : in_flight_) {
    for (sched::EntryId id : b.batch.entries()) {
      sched_.drop(id, sched::DropReason::InFlightAtShutdown);
    }
    flush_drops();
    free_owned(offset);
  }
  in_flight_.clear();
  resolve_in_flight_ = 0;
  sched_.drop_queued(sched::DropReason::QueuedAtShutdown);
  flush_drops();
  // Whatever Agave sent that pack never read is pack's to free as well. A few rounds
  // catch messages committed while draining; a peer that never stops is not waited for.
  for (int round = 0; round < SHUTDOWN_DRAIN_ROUNDS; ++round) {
    if (ingest(UINT32_MAX, true) == 0) break;
  }
  alloc_.clean_remote_free_lists();
  if (leader_) log_slot_end();
  spdlog::info(
      "shutdown: received {} included {} dropped {} rejected messages {}; "
      "{} regions still owned",
      stats_.received, sched_.counters().included, stats_.total_dropped(),
      [&] {
        std::uint64_t t = 0;
        for (auto r : stats_.rejected)
          t += r;
        return t;
      }(),
      owned_.size());
}

} // namespace extpack::pack
