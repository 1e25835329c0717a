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
      answered_(ANSWERED_RING, {UINT32_MAX, 0}), worker_dead_(session.num_workers(), false),
      watch_(cfg.validator_silence, cfg.validator_pid) {
  const shm::AllocatorLayout& l = alloc_.layout();
  owned_ = OwnedSlots(l.slabs_offset, std::uint64_t{l.num_slabs} * l.slab_size);
  // Batch arrays from the first one on, whatever a flooding TPU producer has taken: every
  // array takes a slot of the size class of the largest batch (send_batch), and pack
  // holds one slab of it from now on.
  if (!alloc_.reserve(batch_array_bytes())) {
    spdlog::warn("allocator: no free slab for pack's batch arrays yet ({} bytes each)",
                 batch_array_bytes());
  }
  in_flight_.reserve(static_cast<std::size_t>(session.num_workers()) *
                     cfg.sched.max_batches_per_worker * 2);
}

std::size_t PackRuntime::poll_once() {
  if (shut_down_) return 0;
  std::size_t work = 0;
  work += drain_progress();
  check_validator();
  if (shut_down_) return work + 1;
  work += drain_responses();
  work += ingest(cfg_.ingest_per_poll, false);
  work += dispatch();
  if (++polls_ % cfg_.clean_interval == 0) alloc_.clean_remote_free_lists();
  return work;
}

RunEnd PackRuntime::run(const std::atomic<bool>& stop) {
  auto sleep = MIN_IDLE_SLEEP;
  while (!stop.load(std::memory_order_relaxed) && !validator_lost()) {
    if (poll_once() != 0) {
      sleep = MIN_IDLE_SLEEP;
      continue;
    }
    std::this_thread::sleep_for(sleep);
    sleep = std::min(sleep * 2, cfg_.max_idle_sleep);
  }
  shutdown();
  return validator_lost() ? RunEnd::ValidatorLost : RunEnd::Stopped;
}

void PackRuntime::check_validator() {
  const auto now = ValidatorWatch::Clock::now();
  const ValidatorLoss l = watch_.check(now);
  if (l == ValidatorLoss::None) return;
  loss_ = l;
  const auto silent_ms = static_cast<std::uint64_t>(watch_.silent_for(now).count());
  stats_.validator_silent_ms = silent_ms;
  if (l == ValidatorLoss::Silent) {
    ++stats_.validator_lost_silent;
  } else {
    ++stats_.validator_lost_exited;
  }
  const std::size_t batches = in_flight_.size();
  const std::size_t queued = sched_.container().ready_size();
  const std::size_t owned = owned_.size();
  spdlog::error("validator lost ({}{}): silent for {} ms (threshold {} ms), last slot {}; "
                "stopping scheduling with {} batches in flight, {} transactions queued, {} "
                "regions owned",
                to_string(l),
                watch_.pid() > 0 ? fmt::format(", pid {}", watch_.pid()) : std::string(), silent_ms,
                cfg_.validator_silence.count(), last_slot_, batches, queued, owned);
  if (leader_) log_slot_end();
  leader_ = false;
  sched_.on_progress(sched_.slot(), false, 0);
  shutdown();
  spdlog::error("validator lost: session over; freed {} regions ({} local frees, {} remote "
                "frees in total), {} still owned",
                owned - owned_.size(), stats_.frees_local, stats_.frees_remote, owned_.size());
}

bool PackRuntime::peer_slot_free(std::uint64_t offset) const {
  // Every live allocation in pack's own slabs is in owned_, and callers have already
  // refused those: any other slot there is free, with no walk needed.
  if (alloc_.slot_status(offset, false).owner == alloc_.worker_id()) return true;
  return alloc_.slot_status(offset).free;
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
  // A validator whose process is gone answers nothing: do not wait for it.
  const auto wait =
      loss_ == ValidatorLoss::ProcessExited ? std::chrono::milliseconds{0} : cfg_.shutdown_wait;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  spdlog::info("shutdown: waiting up to {} ms for {} in-flight batches", wait.count(),
               in_flight_.size());
  while (!in_flight_.empty() && std::chrono::steady_clock::now() < deadline) {
    if (drain_responses() == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  if (!in_flight_.empty()) {
    ++stats_.shutdown_wait_timeouts;
    spdlog::warn("shutdown: {} batches unanswered after {} ms; freeing them", in_flight_.size(),
                 wait.count());
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
