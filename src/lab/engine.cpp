// The lockstep engine (see engine.hpp).
#include "extpack/lab/engine.hpp"

#include <cstring>
#include <memory>
#include <optional>

#include "extpack/lab/ledger.hpp"
#include "extpack/lab/virtual_clock.hpp"
#include "extpack/sched/policies.hpp"
#include "extpack/session/session.hpp"
#include "extpack/shm/mapping.hpp"
#include "extpack/sim/feed.hpp"
#include "extpack/sim/leader_schedule.hpp"
#include "extpack/sim/worker.hpp"

namespace extpack::lab {

namespace {
constexpr std::int64_t NS_PER_MS = 1'000'000;
/// Queue capacities of the lab's session, messages. pack_to_worker only needs
/// max_batches_per_worker; worker_to_pack the same, so an answer is never refused.
constexpr std::uint64_t LAB_TPU_CAPACITY = 1u << 16;
constexpr std::uint64_t LAB_PROGRESS_CAPACITY = 1u << 10;
constexpr std::uint64_t LAB_WORKER_QUEUE_CAPACITY = 256;
/// How soon pack polls again after a step that gave it something to react to, ns (its
/// shortest idle sleep, MIN_IDLE_SLEEP in the runtime).
constexpr std::int64_t REACT_NS = 20'000;

Result<session::SessionFds> make_fds(std::uint32_t workers) {
  session::SessionFds fds;
  auto one = [](const char* name, shm::UniqueFd& out) -> Result<void> {
    auto f = shm::memfd(name);
    if (!f) return f.error();
    out = std::move(*f);
    return {};
  };
  if (auto r = one("extpack-lab-alloc", fds.allocator); !r) return r.error();
  if (auto r = one("extpack-lab-tpu", fds.tpu_to_pack); !r) return r.error();
  if (auto r = one("extpack-lab-progress", fds.progress_tracker); !r) return r.error();
  fds.pack_to_worker.resize(workers);
  fds.worker_to_pack.resize(workers);
  for (std::uint32_t i = 0; i < workers; ++i) {
    if (auto r = one("extpack-lab-p2w", fds.pack_to_worker[i]); !r) return r.error();
    if (auto r = one("extpack-lab-w2p", fds.worker_to_pack[i]); !r) return r.error();
  }
  return fds;
}

/// A worker and what it is busy with.
struct WorkerSlot {
  std::unique_ptr<sim::Worker> worker;
  std::optional<sim::Worker::Pending> pending;
  std::int64_t busy_until = 0;
};

class Engine {
public:
  Engine(const LabConfig& cfg, session::AgaveSession& agave, session::PackSession& packs,
         sim::TxSource& source, std::unique_ptr<sched::Policy> policy)
      : cfg_(cfg), agave_(agave), bank_(cfg.sim.bank, counters_), ledger_(bank_, alts_),
        schedule_(cfg.sim.leader_window, cfg.sim.leader_every),
        progress_(agave.progress_tracker, counters_), source_(source),
        feed_(sim::FeedConfig{}, source, agave.tpu_allocator, agave.tpu_to_pack, bank_, counters_,
              clock_),
        pack_(packs, cfg.pack, std::move(policy)),
        slot_ns_(static_cast<std::int64_t>(cfg.sim.slot_ms) * NS_PER_MS) {
    for (std::uint32_t i = 0; i < agave.workers.size(); ++i) {
      workers_.push_back(
          WorkerSlot{std::make_unique<sim::Worker>(i, agave.workers[i], bank_, alts_, counters_,
                                                   clock_, cfg.sim.worker),
                     std::nullopt, 0});
    }
  }

  LabRun run();

private:
  void close_slot(sim::SlotRecord& rec, sim::BlockRecord& block, LabRun& out);
  void feed_due(std::int64_t now);
  void finish_workers(std::int64_t now);
  bool start_workers(std::int64_t now);
  [[nodiscard]] bool workers_idle() const;
  /// One step at `now`: finished batches are answered, pack polls, idle workers start.
  void step(std::int64_t now) {
    ++steps_;
    finish_workers(now);
    react_ = pack_.poll_once() != 0;
    react_ |= start_workers(now);
  }
  /// When the next step happens: the next feed burst, progress message, batch completion or
  /// slot end, or right away (REACT_NS) if the last step left pack something to react to.
  [[nodiscard]] std::int64_t next_event(std::int64_t now, std::int64_t limit) const;
  /// Virtual time at which the feed's next transaction is due (relative to the first slot).
  [[nodiscard]] std::int64_t next_arrival_ns() const;

  const LabConfig& cfg_;
  session::AgaveSession& agave_;
  VirtualClock clock_;
  sim::SimCounters counters_;
  sim::Bank bank_;
  const sim::AltRegistry alts_;
  TxLedger ledger_;
  const sim::LeaderSchedule schedule_;
  sim::ProgressPublisher progress_;
  sim::TxSource& source_;
  sim::TpuFeed feed_;
  pack::PackRuntime pack_;
  std::vector<WorkerSlot> workers_;
  std::int64_t slot_ns_;
  std::uint64_t offered_ = 0;
  bool source_done_ = false;
  std::uint64_t steps_ = 0;
  bool react_ = false; ///< pack did work or a worker answered at once in the last step
  std::int64_t t0_ = 0;
  std::int64_t next_progress_ = 0;
  sim::FeedItem item_;
  const std::atomic<bool> never_wait_{true}; ///< answers never wait for queue room
};

void Engine::feed_due(std::int64_t now) {
  if (source_done_) return;
  // Arrival i of a slot (0-based) is due ceil(i * slot / tx_per_slot) into it, so each slot
  // gets exactly tx_per_slot and the first comes at its start. Due by now: whole slots,
  // then the arrivals of the current one up to now.
  const auto elapsed = static_cast<std::uint64_t>(now - t0_);
  const auto slot_ns = static_cast<std::uint64_t>(slot_ns_);
  const std::uint64_t per_slot = cfg_.sim.tx_per_slot;
  const std::uint64_t due =
      elapsed / slot_ns * per_slot + elapsed % slot_ns * per_slot / slot_ns + 1;
  const sim::Hash blockhash = bank_.latest_blockhash();
  bool pushed = false;
  while (offered_ < due) {
    if (!source_.next(blockhash, item_)) {
      source_done_ = true;
      break;
    }
    ++offered_;
    if (feed_.push(item_)) {
      ledger_.offered(item_.bytes, now);
      pushed = true;
    }
  }
  if (pushed) feed_.commit();
}

void Engine::finish_workers(std::int64_t now) {
  for (WorkerSlot& w : workers_) {
    if (!w.pending || w.busy_until > now) continue;
    w.worker->complete(*w.pending);
    (void)w.worker->send(w.pending->answer, never_wait_);
    w.pending.reset();
  }
}

bool Engine::start_workers(std::int64_t now) {
  bool answered = false;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    WorkerSlot& w = workers_[i];
    auto& q = agave_.workers[i].pack_to_worker;
    while (!w.pending) {
      q.sync();
      const abi::PackToWorkerMessage* p = q.try_read();
      if (p == nullptr) break;
      abi::PackToWorkerMessage m;
      std::memcpy(&m, p, sizeof m);
      q.finalize();
      const std::uint64_t slot = bank_.status().slot;
      sim::Worker::Pending pending = w.worker->begin(m);
      const std::int64_t done = now + pending.busy_ns;
      if (pending.executed) {
        const auto* responses = reinterpret_cast<const abi::ExecutionResponse*>(
            agave_.workers[i].allocator.ptr_from_offset(
                pending.answer.responses.transaction_responses_offset));
        const auto batch = w.worker->last_batch();
        for (std::size_t k = 0; k < batch.size(); ++k) {
          if (responses[k].not_included_reason == abi::not_included_reasons::NONE) {
            ledger_.included(batch[k].analysis.view.signature(0), slot, done);
          }
        }
      }
      if (pending.busy_ns > 0) {
        w.pending = pending;
        w.busy_until = done;
        break;
      }
      w.worker->complete(pending);
      (void)w.worker->send(pending.answer, never_wait_);
      answered = true;
    }
  }
  return answered;
}

std::int64_t Engine::next_arrival_ns() const {
  // The smallest elapsed time whose due count (see feed_due) reaches offered_ + 1.
  const std::uint64_t per_slot = cfg_.sim.tx_per_slot;
  const std::uint64_t m = offered_;
  const std::uint64_t whole = m / per_slot, rest = m % per_slot;
  const auto slot_ns = static_cast<std::uint64_t>(slot_ns_);
  const std::uint64_t e = whole * slot_ns + (rest * slot_ns + per_slot - 1) / per_slot;
  return t0_ + static_cast<std::int64_t>(e);
}

std::int64_t Engine::next_event(std::int64_t now, std::int64_t limit) const {
  std::int64_t next = std::min(limit, next_progress_);
  if (!source_done_) {
    // Arrivals are delivered in bursts on the tick grid.
    const std::int64_t a = next_arrival_ns() - t0_;
    const std::int64_t grid = (a + cfg_.tick_ns - 1) / cfg_.tick_ns * cfg_.tick_ns;
    next = std::min(next, t0_ + grid);
  }
  for (const WorkerSlot& w : workers_) {
    if (w.pending) next = std::min(next, w.busy_until);
  }
  if (react_) next = std::min(next, now + REACT_NS);
  return std::max(next, now + 1);
}

bool Engine::workers_idle() const {
  for (const WorkerSlot& w : workers_) {
    if (w.pending) return false;
  }
  return true;
}

void Engine::close_slot(sim::SlotRecord& rec, sim::BlockRecord& block, LabRun& out) {
  rec.fed = counters_.fed_this_slot.exchange(0, std::memory_order_relaxed);
  if (rec.leader) {
    SlotOutcome o{rec.slot, rec.fees_lamports, rec.cu_used, rec.block_limit, rec.included, {}};
    out.leader_slots.push_back(o);
    out.report.blocks.push_back(std::move(block));
  }
  out.report.slots.push_back(rec);
}

LabRun Engine::run() {
  LabRun out;
  out.report.workers = workers_.size();
  const std::int64_t progress_ns =
      static_cast<std::int64_t>(cfg_.sim.progress_interval_ms) * NS_PER_MS;
  t0_ = clock_.now_ns();
  std::int64_t now = t0_;
  std::uint64_t slot = cfg_.sim.first_slot;
  for (std::uint64_t i = 0; i < cfg_.sim.slots; ++i) {
    slot = cfg_.sim.first_slot + i;
    const bool leader = schedule_.is_leader(slot);
    const std::int64_t start = t0_ + static_cast<std::int64_t>(i) * slot_ns_;
    const std::int64_t end = start + slot_ns_;
    sim::SlotRecord rec;
    sim::BlockRecord block;
    if (bank_.advance(slot, leader, &rec, &block)) close_slot(rec, block, out);
    next_progress_ = start;
    for (now = start; now < end; now = next_event(now, end)) {
      clock_.advance_to(now);
      feed_due(now);
      if (now >= next_progress_) {
        const sim::Bank::Status st = bank_.status();
        const auto pct = static_cast<std::uint8_t>((now - start) * 100 / slot_ns_);
        progress_.publish(
            sim::make_progress(schedule_, slot, st.ready, st.remaining_cost_units, pct));
        next_progress_ += progress_ns;
      }
      step(now);
    }
  }
  const std::int64_t slots_end = t0_ + static_cast<std::int64_t>(cfg_.sim.slots) * slot_ns_;
  {
    sim::SlotRecord rec;
    sim::BlockRecord block;
    if (bank_.finish(&rec, &block)) close_slot(rec, block, out);
  }
  progress_.publish(sim::make_final_progress(slot + 1));
  // Drain: no bank is open, so what is still queued comes back BANK_NOT_AVAILABLE.
  source_done_ = true;
  next_progress_ = slots_end + cfg_.drain_limit_ns;
  now = slots_end;
  while (now - slots_end < cfg_.drain_limit_ns &&
         (pack_.in_flight_batches() != 0 || !workers_idle())) {
    clock_.advance_to(now);
    step(now);
    now = next_event(now, slots_end + cfg_.drain_limit_ns);
  }
  out.drained = pack_.in_flight_batches() == 0;
  out.virtual_ns = now - t0_;
  out.steps = steps_;
  pack_.shutdown();
  // Anything a worker still holds (only if the drain limit was hit) is answered unsent.
  for (WorkerSlot& w : workers_) {
    if (!w.pending) continue;
    w.worker->complete(*w.pending);
    w.worker->free_answer(w.pending->answer);
    w.pending.reset();
  }

  if (cfg_.bounds) {
    std::vector<std::int64_t> ends;
    for (SlotOutcome& o : out.leader_slots) {
      const std::int64_t end =
          t0_ + static_cast<std::int64_t>(o.slot - cfg_.sim.first_slot + 1) * slot_ns_;
      o.bound = ledger_.slot_bound(o.slot, end, cfg_.sim.bank.limits, cfg_.exact_bound);
      ends.push_back(end);
    }
    std::vector<WindowItem> items = ledger_.window_items(ends);
    const auto slots = static_cast<std::uint32_t>(ends.size());
    WindowBoundCache* cache = cfg_.bound_cache.get();
    const txn::BlockLimits& lim = cfg_.sim.bank.limits;
    if (cache != nullptr && cache->slots == slots && cache->exact_lp == cfg_.exact_bound &&
        cache->limits == lim && cache->items == items) {
      out.window_bound = cache->result;
    } else {
      out.window_bound =
          window_fee_upper_bound(items, slots, lim, DEFAULT_BOUND_ROUNDS, cfg_.exact_bound);
      if (cache != nullptr) {
        *cache = {std::move(items), slots, cfg_.exact_bound, lim, out.window_bound};
      }
    }
    out.gap = ledger_.gap(ends, slot_ns_, out.window_bound);
  }
  out.latencies_ns = ledger_.latencies();
  out.vote_delays_ns = ledger_.vote_delays(t0_, slot_ns_, cfg_.sim.first_slot);
  out.distinct_offered = ledger_.size();
  out.pack_stats = pack_.stats_json();
  out.report.totals = sim::snapshot(counters_);
  return out;
}

} // namespace

Result<void> LabConfig::validate() const {
  if (auto r = sim.validate(); !r) return r;
  if (workers < 1 || workers > session::MAX_WORKERS) {
    return make_error("workers must be 1..{}, got {}", session::MAX_WORKERS, workers);
  }
  if (tick_ns < 1'000 || tick_ns > static_cast<std::int64_t>(sim.slot_ms) * NS_PER_MS) {
    return make_error("tick must be 1 us .. one slot ({} ms), got {} ns", sim.slot_ms, tick_ns);
  }
  if (allocator_size == 0 || allocator_size % (2ull << 20) != 0) {
    return make_error("allocator size must be a positive multiple of 2 MiB, got {} bytes",
                      allocator_size);
  }
  return {};
}

Result<LabRun> run_lab(const LabConfig& cfg_in) {
  if (auto r = cfg_in.validate(); !r) return r.error();
  LabConfig cfg = cfg_in;
  cfg.sim.bank.seed = cfg.sim.seed;
  cfg.sim.generator.seed = cfg.sim.seed;
  // Real transactions carry mainnet blockhashes the simulated bank never produced.
  if (!cfg.sim.input.empty()) cfg.sim.bank.check_blockhash = false;
  cfg.pack.sched.limits = cfg.sim.bank.limits;
  // Pack's liveness watch measures silence in real time; virtual time has no silences.
  cfg.pack.validator_silence = std::chrono::milliseconds{0};

  auto policy = sched::make_policy(cfg.policy);
  if (!policy) return make_error("unknown policy '{}'", cfg.policy);
  std::unique_ptr<sim::TxSource> source;
  if (cfg.sim.input.empty()) {
    source = std::make_unique<sim::GeneratorSource>(cfg.sim.generator);
  } else {
    auto f = sim::FileSource::open(cfg.sim.input);
    if (!f) return f.error();
    source = std::move(*f);
  }

  auto fds = make_fds(cfg.workers);
  if (!fds) return fds.error();
  session::SessionConfig scfg;
  scfg.num_workers = cfg.workers;
  scfg.allocator_handles = 1;
  scfg.allocator_size = cfg.allocator_size;
  scfg.tpu_to_pack_capacity = LAB_TPU_CAPACITY;
  scfg.progress_tracker_capacity = LAB_PROGRESS_CAPACITY;
  scfg.pack_to_worker_capacity = LAB_WORKER_QUEUE_CAPACITY;
  scfg.worker_to_pack_capacity = LAB_WORKER_QUEUE_CAPACITY;
  if (auto r = session::initialize_regions(*fds, scfg); !r) return r.error();
  auto agave = session::AgaveSession::join(*fds);
  if (!agave) return agave.error();
  auto packs = session::PackSession::join(*fds, 1);
  if (!packs) return packs.error();

  LabRun out;
  {
    Engine engine(cfg, *agave, *packs, *source, std::move(policy));
    out = engine.run();
  }
  // Pack freed remotely what Agave's ids allocated; their owners make it reusable here.
  out.outstanding_by_id.assign(1 + cfg.workers + 1, 0);
  agave->tpu_allocator.clean_remote_free_lists();
  out.outstanding_by_id[0] = agave->tpu_allocator.usage(0).allocations;
  for (std::uint32_t i = 0; i < cfg.workers; ++i) {
    auto& a = agave->workers[i].allocator;
    a.clean_remote_free_lists();
    out.outstanding_by_id[1 + i] = a.usage(a.worker_id()).allocations;
  }
  auto& pa = packs->allocators[0];
  pa.clean_remote_free_lists();
  out.pack_outstanding = pa.usage(pa.worker_id()).allocations;
  out.outstanding_by_id[1 + cfg.workers] = out.pack_outstanding;
  out.report.outstanding_allocations = 0;
  for (std::uint32_t id = 0; id <= cfg.workers; ++id)
    out.report.outstanding_allocations += out.outstanding_by_id[id];
  return out;
}

} // namespace extpack::lab
