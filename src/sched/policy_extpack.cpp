// The "extpack" policy: plan the slot's budget by value, reserve it for blocked
// high-value transactions, choose each contended account's writers as a knapsack; see
// policies.hpp.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <unordered_map>
#include <vector>

#include "extpack/sched/knapsack.hpp"
#include "extpack/sched/pass.hpp"
#include "policy_common.hpp"

namespace extpack::sched {

std::unique_ptr<Policy> make_extpack_policy();

namespace {

/// Slot progress, percent, from which the end phase starts: no more reservations and no
/// pacing, the rest of the budget goes to the best transactions that fit. Chosen so a
/// batch sent then (a few ms of execution) still lands before the slot ends (400 ms).
constexpr std::uint8_t END_PHASE_PCT = 85;
/// Blocked transactions that may hold budget behind one locked account per pass: the next
/// few in line run as soon as the lock frees; deeper ones would strand the budget if the
/// account stays busy to the end of the slot.
constexpr std::uint32_t MAX_RESERVED_PER_ACCOUNT = 8;
/// A slot counts as full (its marginal rank is a valid price) at this share, percent.
constexpr std::uint64_t FULL_SLOT_PCT = 95;
/// Most writers of one account considered in its knapsack (see knapsack.hpp).
constexpr std::size_t KNAPSACK_ITEMS = 64;
/// Frontier size above which the knapsack thins (see knapsack.hpp).
constexpr std::size_t KNAPSACK_STATES = 512;
/// The knapsack runs only when density order may be this far below optimal, percent.
constexpr double KNAPSACK_GAP_PCT = 1.0;

class ExtpackPolicy final : public Policy {
public:
  const char* name() const override { return "extpack"; }
  std::uint64_t rank(const NewTx& tx) const override { return tx.priority; }

  void schedule(SchedulePass& pass) override {
    new_slot(pass);
    window_.clear();
    for (EntryId id = pass.next(); id != NO_ENTRY; id = pass.next())
      window_.push_back(id);
    if (window_.empty()) return;
    choose_writers(pass);
    place(pass);
    for (std::size_t i = 0; i < window_.size(); ++i)
      if (!sent_[i]) pass.skip(window_[i]);
  }

  std::vector<PolicyCounter> counters() const override {
    return {{"admitted", n_admitted_},
            {"reserved", n_reserved_},
            {"not_reserved", n_not_reserved_},
            {"over_plan", n_over_plan_},
            {"account_full", n_account_full_},
            {"knapsack_runs", n_knapsack_},
            {"knapsack_excluded", n_excluded_},
            {"paced", n_paced_},
            {"refused", n_refused_}};
  }

private:
  struct Demand {
    std::uint64_t cost = 0;
    std::vector<std::uint32_t> writers; ///< window positions, best first
  };

  /// At a slot change, the lowest rank admitted in the previous slot becomes the price
  /// below which transactions are paced, if that slot filled; otherwise nothing is paced.
  void new_slot(const SchedulePass& pass) {
    if (pass.slot() == slot_) return;
    const std::uint64_t limit = pass.limits().max_block_units;
    const bool was_full = slot_ != NO_SLOT && last_used_ * 100 >= limit * FULL_SLOT_PCT;
    price_ = was_full && min_rank_ != NO_RANK ? min_rank_ : 0;
    slot_ = pass.slot();
    min_rank_ = NO_RANK;
    last_used_ = 0;
  }

  /// Marks as excluded the writers of each contended account that its knapsack leaves out.
  void choose_writers(const SchedulePass& pass) {
    const std::size_t n = window_.size();
    excluded_.assign(n, false);
    sent_.assign(n, false);
    demand_.clear();
    const std::uint64_t limit = pass.limits().max_writable_account_units;
    for (std::uint32_t i = 0; i < n; ++i) {
      const TxEntry& e = pass.entry(window_[i]);
      for (std::size_t k = 0; k < e.num_accounts; ++k) {
        // An account only one held transaction names cannot have two writers.
        if (!e.writable(k) || pass.account(e.accounts[k]).refs < 2) continue;
        Demand& d = demand_[e.accounts[k]];
        d.cost += e.cost;
        d.writers.push_back(i);
      }
    }
    for (auto& [acct, d] : demand_) {
      const std::uint64_t used = pass.account(acct).write_cost;
      const std::uint64_t left = limit > used ? limit - used : 0;
      if (d.writers.size() < 2 || d.cost <= left) continue;
      items_.clear();
      for (std::uint32_t i : d.writers) {
        const TxEntry& e = pass.entry(window_[i]);
        items_.push_back(KnapsackItem{e.cost, e.reward});
      }
      if (density_order_is_near_optimal(left)) continue;
      ++n_knapsack_;
      knapsack_select(items_, left, chosen_, KNAPSACK_STATES, KNAPSACK_ITEMS);
      for (std::size_t j = 0; j < d.writers.size(); ++j) {
        if (chosen_[j] || excluded_[d.writers[j]]) continue;
        excluded_[d.writers[j]] = true;
        ++n_excluded_;
      }
    }
  }

  /// True if taking the writers in rank (density) order, skipping those that do not fit,
  /// is within KNAPSACK_GAP_PCT of the fractional optimum, which bounds every integer
  /// selection: then the knapsack cannot gain enough to pay for itself.
  bool density_order_is_near_optimal(std::uint64_t budget) const {
    std::uint64_t left = budget, greedy = 0;
    double bound = 0.0;
    bool bound_done = false;
    for (const KnapsackItem& it : items_) {
      if (!bound_done) {
        if (it.cost <= left) {
          bound += static_cast<double>(it.value);
        } else {
          bound += static_cast<double>(it.value) * static_cast<double>(left) /
                   static_cast<double>(it.cost);
          bound_done = true;
        }
      }
      if (it.cost <= left) {
        left -= it.cost;
        greedy += it.value;
      }
    }
    return static_cast<double>(greedy) * 100.0 >= bound * (100.0 - KNAPSACK_GAP_PCT);
  }

  /// Admits in rank order under the plan; blocked transactions keep their budget.
  void place(SchedulePass& pass) {
    const std::uint8_t pct = pass.slot_progress();
    const bool end_phase = pct != UNKNOWN_PROGRESS && pct >= END_PHASE_PCT;
    std::uint64_t plan = pass.available();
    // Pacing applies only below the price: high-value transactions never wait.
    const std::uint64_t allowance = detail::paced_allowance(pass);
    planned_.clear();
    reserved_.clear();
    const std::uint64_t limit = pass.limits().max_writable_account_units;
    for (std::uint32_t i = 0; i < window_.size(); ++i) {
      if (plan < detail::MIN_TRANSACTION_COST) break;
      if (excluded_[i]) continue;
      const EntryId id = window_[i];
      const TxEntry& e = pass.entry(id);
      if (e.cost > plan) {
        ++n_over_plan_;
        continue;
      }
      if (!accounts_fit(pass, e, limit)) {
        ++n_account_full_;
        continue;
      }
      if (!pass.lockable(id)) {
        if (end_phase || !reserve(pass, e)) {
          ++n_not_reserved_;
          continue;
        }
        ++n_reserved_;
        plan -= e.cost;
        continue;
      }
      if (!end_phase && e.rank < price_ && pass.slot_used() >= allowance) {
        ++n_paced_;
        continue;
      }
      const std::uint32_t w = pick_worker(pass);
      if (w == NO_WORKER) return;
      const std::uint64_t cost = e.cost;
      const std::uint64_t rank = e.rank;
      switch (pass.admit(id, w)) {
      case Admit::Admitted:
        ++n_admitted_;
        sent_[i] = true;
        plan -= std::min(plan, cost);
        min_rank_ = std::min(min_rank_, rank);
        last_used_ = pass.slot_used();
        if (pass.open_size(w) >= pass.max_batch()) pass.close(w);
        break;
      case Admit::Dropped:
        sent_[i] = true; // gone: must not be skipped back
        break;
      default:
        ++n_refused_;
        break;
      }
    }
    last_used_ = std::max(last_used_, pass.slot_used());
  }

  /// True if every writable account of `e` can take its cost on top of what is charged
  /// and what this pass reserved for blocked transactions.
  bool accounts_fit(const SchedulePass& pass, const TxEntry& e, std::uint64_t limit) const {
    for (std::size_t k = 0; k < e.num_accounts; ++k) {
      if (!e.writable(k)) continue;
      std::uint64_t used = pass.account(e.accounts[k]).write_cost;
      if (auto it = planned_.find(e.accounts[k]); it != planned_.end()) used += it->second;
      if (used + e.cost > limit) return false;
    }
    return true;
  }

  /// Holds budget for a blocked transaction unless a lock it waits on already has its
  /// quota of reservations.
  bool reserve(const SchedulePass& pass, const TxEntry& e) {
    for (std::size_t k = 0; k < e.num_accounts; ++k) {
      const AccountState& a = pass.account(e.accounts[k]);
      const bool held = a.writer || (e.writable(k) && a.readers > 0);
      if (held && reserved_[e.accounts[k]] >= MAX_RESERVED_PER_ACCOUNT) return false;
    }
    for (std::size_t k = 0; k < e.num_accounts; ++k) {
      const AccountState& a = pass.account(e.accounts[k]);
      if (a.writer || (e.writable(k) && a.readers > 0)) ++reserved_[e.accounts[k]];
      if (e.writable(k)) planned_[e.accounts[k]] += e.cost;
    }
    return true;
  }

  /// The worker whose open batch is filling (batches go out full, fewer messages), else
  /// the one with room and the least cost in flight, so batches spread across workers.
  static std::uint32_t pick_worker(const SchedulePass& pass) {
    std::uint32_t best = NO_WORKER;
    for (std::uint32_t w : pass.workers()) {
      if (!pass.can_open(w) || pass.open_size(w) >= pass.max_batch()) continue;
      if (pass.open_size(w) > 0) return w;
      if (best == NO_WORKER || pass.worker_cost(w) < pass.worker_cost(best)) best = w;
    }
    return best;
  }

  static constexpr std::uint32_t NO_WORKER = std::numeric_limits<std::uint32_t>::max();
  static constexpr std::uint64_t NO_RANK = std::numeric_limits<std::uint64_t>::max();

  std::uint64_t slot_ = NO_SLOT;
  std::uint64_t price_ = 0;
  std::uint64_t min_rank_ = NO_RANK;
  std::uint64_t last_used_ = 0;
  std::vector<EntryId> window_;
  std::vector<bool> excluded_, sent_, chosen_;
  std::vector<KnapsackItem> items_;
  std::unordered_map<AccountId, Demand> demand_;
  std::unordered_map<AccountId, std::uint64_t> planned_;
  std::unordered_map<AccountId, std::uint32_t> reserved_;
  std::uint64_t n_admitted_ = 0;
  std::uint64_t n_reserved_ = 0;
  std::uint64_t n_not_reserved_ = 0;
  std::uint64_t n_over_plan_ = 0;
  std::uint64_t n_account_full_ = 0;
  std::uint64_t n_knapsack_ = 0;
  std::uint64_t n_excluded_ = 0;
  std::uint64_t n_paced_ = 0;
  std::uint64_t n_refused_ = 0;
};

} // namespace

std::unique_ptr<Policy> make_extpack_policy() {
  return std::make_unique<ExtpackPolicy>();
}

} // namespace extpack::sched
