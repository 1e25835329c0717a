// The run loop: threads, the slot clock, progress messages and shutdown (see sim.hpp).
#include "extpack/sim/sim.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "extpack/sim/alt_registry.hpp"
#include "extpack/sim/feed.hpp"
#include "extpack/sim/leader_schedule.hpp"

namespace extpack::sim {

namespace {
constexpr auto relaxed = std::memory_order_relaxed;
constexpr std::int64_t NS_PER_MS = 1'000'000;
/// Poll period of the linger wait after the last slot.
constexpr std::int64_t LINGER_POLL_NS = 10 * NS_PER_MS;

bool raised(const std::atomic<bool>* stop) {
  return stop != nullptr && stop->load(std::memory_order_acquire);
}
} // namespace

Result<RunReport> run(const SimConfig& cfg_in, session::AgaveSession& session,
                      const RunHooks& hooks) {
  if (auto r = cfg_in.validate(); !r) return r.error();
  if (session.workers.empty()) return make_error("the session has no worker endpoints");
  SimConfig cfg = cfg_in;
  cfg.bank.seed = cfg.seed;
  cfg.generator.seed = cfg.seed;
  // Real transactions carry mainnet blockhashes the simulated bank never produced.
  if (!cfg.input.empty()) cfg.bank.check_blockhash = false;

  std::unique_ptr<TxSource> source;
  if (cfg.input.empty()) {
    source = std::make_unique<GeneratorSource>(cfg.generator);
  } else {
    auto f = FileSource::open(cfg.input);
    if (!f) return f.error();
    spdlog::info("replaying {} transactions from {}", (*f)->size(), cfg.input.string());
    source = std::move(*f);
  }

  SteadyClock steady;
  Clock& clock = hooks.clock != nullptr ? *hooks.clock : steady;
  SimCounters counters;
  Bank bank(cfg.bank, counters);
  const AltRegistry alts;
  const LeaderSchedule schedule(cfg.leader_window, cfg.leader_every);
  ProgressPublisher progress(session.progress_tracker, counters);
  const std::int64_t slot_ns = static_cast<std::int64_t>(cfg.slot_ms) * NS_PER_MS;

  std::vector<std::unique_ptr<Worker>> workers;
  for (std::uint32_t i = 0; i < session.workers.size(); ++i) {
    workers.push_back(
        std::make_unique<Worker>(i, session.workers[i], bank, alts, counters, clock, cfg.worker));
  }
  FeedConfig fcfg{cfg.tx_per_slot, slot_ns, cfg.feed_clean_interval_ns, 256};
  TpuFeed feed(fcfg, *source, session.tpu_allocator, session.tpu_to_pack, bank, counters, clock);

  std::atomic<bool> feed_stop{false};
  std::atomic<bool> workers_stop{false};
  std::atomic<std::int64_t> last_activity{clock.now_ns()};
  std::vector<std::thread> threads;
  for (auto& w : workers) {
    threads.emplace_back([&, wp = w.get()] { wp->run(workers_stop, last_activity); });
  }
  std::thread feed_thread([&] { feed.run(feed_stop); });
  spdlog::info("agave-sim: {} workers, {} slots from slot {} of {} ms, leader {} of every {}, "
               "{} tx/slot from {}",
               workers.size(), cfg.slots, cfg.first_slot, cfg.slot_ms, cfg.leader_window,
               cfg.leader_every, cfg.tx_per_slot,
               cfg.input.empty() ? std::string("the generator") : cfg.input.string());

  RunReport report;
  report.workers = workers.size();
  const auto close_slot = [&](SlotRecord& rec, BlockRecord& block) {
    rec.fed = counters.fed_this_slot.exchange(0, relaxed);
    if (hooks.slot_lines != nullptr) *hooks.slot_lines << format_slot_line(rec) << std::endl;
    if (rec.leader) report.blocks.push_back(std::move(block));
    report.slots.push_back(rec);
    if (hooks.on_slot) hooks.on_slot(rec, report.slots.size(), cfg.slots);
    if (hooks.on_totals) hooks.on_totals(rec, snapshot(counters));
  };

  // ---- the slot clock ----
  const std::int64_t t0 = clock.now_ns();
  std::uint64_t slot = cfg.first_slot;
  for (std::uint64_t i = 0; i < cfg.slots && !raised(hooks.stop); ++i) {
    slot = cfg.first_slot + i;
    const bool leader = schedule.is_leader(slot);
    const std::int64_t start = t0 + static_cast<std::int64_t>(i) * slot_ns;
    const std::int64_t end = start + slot_ns;
    SlotRecord rec;
    BlockRecord block;
    if (bank.advance(slot, leader, &rec, &block)) close_slot(rec, block);
    if (leader && (i == 0 || !schedule.is_leader(slot - 1))) {
      spdlog::info("slot {}: leader until slot {}", slot,
                   std::min(schedule.range_end(slot), cfg.first_slot + cfg.slots - 1));
    }
    for (std::int64_t now = clock.now_ns(); now < end && !raised(hooks.stop);
         now = clock.now_ns()) {
      const Bank::Status st = bank.status();
      const auto pct = static_cast<std::uint8_t>(
          std::clamp<std::int64_t>((now - start) * 100 / slot_ns, 0, 100));
      progress.publish(make_progress(schedule, slot, st.ready, st.remaining_cost_units, pct));
      clock.sleep_until_ns(std::min(now + cfg.progress_interval_ms * NS_PER_MS, end));
    }
  }
  {
    SlotRecord rec;
    BlockRecord block;
    if (bank.finish(&rec, &block)) close_slot(rec, block);
  }
  progress.publish(make_final_progress(slot + 1));
  feed_stop.store(true, std::memory_order_release);
  feed_thread.join();

  // ---- linger: keep answering until pack goes quiet ----
  const std::int64_t slots_end = clock.now_ns();
  const std::int64_t linger_ns = static_cast<std::int64_t>(cfg.linger_ms) * NS_PER_MS;
  while (!raised(hooks.stop)) {
    const std::int64_t quiet_since = std::max(slots_end, last_activity.load(relaxed));
    if (clock.now_ns() - quiet_since >= linger_ns) break;
    clock.sleep_for_ns(LINGER_POLL_NS);
  }
  workers_stop.store(true, std::memory_order_release);
  for (auto& t : threads)
    t.join();

  session.tpu_allocator.clean_remote_free_lists();
  report.outstanding_allocations +=
      session.tpu_allocator.usage(session.tpu_allocator.worker_id()).allocations;
  for (auto& ep : session.workers) {
    ep.allocator.clean_remote_free_lists();
    report.outstanding_allocations += ep.allocator.usage(ep.allocator.worker_id()).allocations;
  }
  report.totals = snapshot(counters);
  spdlog::info("agave-sim: done after {} slots; fed {}, included {}, {} allocations of agave's "
               "ids still outstanding",
               report.slots.size(), report.totals.fed, report.totals.included,
               report.outstanding_allocations);
  return report;
}

} // namespace extpack::sim
