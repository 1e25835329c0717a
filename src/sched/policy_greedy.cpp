// The "greedy" baseline: Agave's default central scheduler as described in the peer
// survey; see policies.hpp.
#include <cstdint>
#include <limits>
#include <memory>

#include "extpack/sched/pass.hpp"
#include "policy_common.hpp"

namespace extpack::sched {

std::unique_ptr<Policy> make_greedy_policy();

namespace {

/// Agave keeps MAX_BLOCK_UNITS / 4 in flight across all workers (issue #5029), so that a
/// late high-priority arrival is never queued behind much work.
constexpr std::uint64_t INFLIGHT_DIVISOR = 4;

class GreedyPolicy final : public Policy {
public:
  const char* name() const override { return "greedy"; }
  std::uint64_t rank(const NewTx& tx) const override { return detail::vote_first_rank(tx); }

  void schedule(SchedulePass& pass) override {
    const std::uint64_t allowance = detail::paced_allowance(pass);
    const std::uint64_t per_worker = pass.limits().max_block_units / INFLIGHT_DIVISOR /
                                     std::max<std::uint32_t>(1, pass.num_workers());
    for (;;) {
      const std::uint64_t used = pass.slot_used();
      const std::uint64_t paced = allowance > used ? allowance - used : 0;
      EntryId id = pass.next();
      if (id == NO_ENTRY) return;
      // Like Agave's loop, the paced budget is checked before a transaction, not against
      // its cost: the last one of a pass may overshoot the pacing line (never the block).
      // Votes (ranked first) are Agave's vote worker's and are not paced.
      const TxEntry& e = pass.entry(id);
      if (!e.vote && paced < detail::MIN_TRANSACTION_COST) {
        ++n_paced_stop_;
        pass.skip(id);
        return;
      }
      const std::uint32_t w = pick_worker(pass, e.cost, per_worker);
      if (w == NO_WORKER) {
        // Every worker is at its in-flight target: the pass is over.
        ++n_target_stop_;
        pass.skip(id);
        return;
      }
      switch (pass.admit(id, w)) {
      case Admit::Admitted:
        ++n_admitted_;
        if (pass.open_size(w) >= pass.max_batch()) pass.close(w);
        break;
      case Admit::Dropped:
        break;
      case Admit::Conflict:
        // Agave's thread-aware locks would queue it on the one thread holding its locks;
        // the bindings forbid two conflicting transactions in flight, so like Agave's
        // multi-thread conflict it is unschedulable this pass and pushed back.
        ++n_unschedulable_;
        pass.skip(id);
        break;
      default:
        pass.skip(id);
        break;
      }
    }
  }

  std::vector<PolicyCounter> counters() const override {
    return {{"admitted", n_admitted_},
            {"unschedulable", n_unschedulable_},
            {"paced_stop", n_paced_stop_},
            {"target_stop", n_target_stop_}};
  }

private:
  static constexpr std::uint32_t NO_WORKER = std::numeric_limits<std::uint32_t>::max();

  /// The worker with the least cost in flight (then fewest transactions in its open
  /// batch) that can take `cost` without passing its in-flight target. An idle worker
  /// always qualifies, so a transaction larger than the target still goes somewhere.
  static std::uint32_t pick_worker(const SchedulePass& pass, std::uint64_t cost,
                                   std::uint64_t target) {
    std::uint32_t best = NO_WORKER;
    for (std::uint32_t w : pass.workers()) {
      if (!pass.can_open(w) || pass.open_size(w) >= pass.max_batch()) continue;
      const std::uint64_t load = pass.worker_cost(w);
      if (load != 0 && load + cost > target) continue;
      if (best == NO_WORKER || load < pass.worker_cost(best) ||
          (load == pass.worker_cost(best) && pass.open_size(w) < pass.open_size(best)))
        best = w;
    }
    return best;
  }

  std::uint64_t n_admitted_ = 0;
  std::uint64_t n_unschedulable_ = 0;
  std::uint64_t n_paced_stop_ = 0;
  std::uint64_t n_target_stop_ = 0;
};

} // namespace

std::unique_ptr<Policy> make_greedy_policy() {
  return std::make_unique<GreedyPolicy>();
}

} // namespace extpack::sched
