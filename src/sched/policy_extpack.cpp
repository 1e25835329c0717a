// The "extpack" policy: admit by value against a forecast of the rest of the slot, reserve
// budget for blocked high-value transactions, keep each hot account's budget for the
// better writers forecast to come (nested protection levels) and otherwise choose its
// writers as a knapsack; see policies.hpp.
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "extpack/sched/knapsack.hpp"
#include "extpack/sched/pass.hpp"
#include "extpack/sched/protection.hpp"
#include "policy_common.hpp"

namespace extpack::sched {

std::unique_ptr<Policy> make_extpack_policy();

namespace {

/// Slot progress, percent, from which the end phase starts: no more reservations and no
/// pacing, the rest of the budget goes to the best transactions that fit. A batch sent then
/// (a few ms of execution) still lands well before the slot ends (400 ms). This is for a
/// slot that another leader slot of ours follows: what arrives after its block filled goes
/// in the next one, so filling early costs little. 90 against 85 (`extpack-compare
/// --workload contended --slots 8 --bound descent --policy extpack`): seeds 1-10 +0.09 %,
/// all ten up; seeds 11-20 +0.10 %, seven up; 16 slots, seeds 1-5, +0.03 %; mainnet-like
/// +0.01 %. 80 lost 0.04 %, 95 was level with 90. (85 had been chosen while the slot budget
/// still charged some commits twice until the next progress report, budget.hpp, which
/// starved the last reports of a slot.)
constexpr std::uint8_t END_PHASE_PCT = 90;
/// The end phase of the last slot of the leader window (planning across the window:
/// Scheduler::leader_slots_after() from next_leader_slot and leader_range_end). What
/// arrives after that block filled goes to another leader, so the forecast keeps room for
/// the rest of the slot's arrivals until 388 ms. A batch sent later than the bank can take
/// comes back BANK_NOT_AVAILABLE and is retried in the next window. Measured with
/// `extpack-compare --slots 8 --workload mainnet-like --bound descent`, seeds 1-10: at 85
/// extpack trailed greedy on 9 of 10 seeds; at 95 and 97 it led on all 10, 97 ahead of 95
/// on 8. `--slots 16 --workload contended`, seeds 1-5: 97 gave the most on all 5 (+0.1 to
/// +0.9 % over 85). (90, 93 and 94 were in between.)
constexpr std::uint8_t END_PHASE_LAST_PCT = 97;
/// Blocked transactions that may hold budget behind one locked account per pass. Hot
/// accounts are where the value is (contended replays: the best few hundred transactions
/// of a slot write the same handful of accounts), and their writers can only run one
/// after another, so a low cap lets unblocked, cheaper transactions take the budget while
/// they wait; the end phase releases whatever a chain that cannot finish still holds.
/// 8 vs 64 on `extpack-compare --workload contended --slots 8`: 0.766 vs 0.773 SOL.
constexpr std::uint32_t MAX_RESERVED_PER_ACCOUNT = 64;
/// Most transactions one pass looks at (best first). Every one is popped from the
/// priority heap and pushed back, and the pass's planning is per transaction, so a pass
/// over 4096 took 8-32 ms in real time on this machine under load (the demo then fed its
/// workers a few times a slot and filled 70-80 % of its blocks) against 0.25 ms for 1024,
/// which fills them. In the lab 1024 changed nothing on mainnet-like and gained 0.1 % on
/// contended (`extpack-compare --slots 8`), where 1024 transactions request several
/// blocks' worth of compute.
constexpr std::size_t MAX_WINDOW = 1024;
/// Most writers of one account considered in its knapsack (see knapsack.hpp).
constexpr std::size_t KNAPSACK_ITEMS = 64;
/// Frontier size above which the knapsack thins (see knapsack.hpp).
constexpr std::size_t KNAPSACK_STATES = 512;
/// The knapsack runs only when density order may be this far below optimal, percent.
constexpr double KNAPSACK_GAP_PCT = 1.0;

/// Per-account values for one pass, indexed by AccountId (the account table hands out
/// dense ids): clear() is O(accounts touched) and nothing is allocated once the vectors
/// have grown to the largest id seen, where a hash map would allocate a node per account.
template <typename T> class AccountScratch {
public:
  T& operator[](AccountId a) {
    if (a >= vals_.size()) {
      vals_.resize(std::size_t{a} + 1);
      mark_.resize(std::size_t{a} + 1, 0);
    }
    if (mark_[a] != epoch_) {
      mark_[a] = epoch_;
      reset(vals_[a]);
      touched_.push_back(a);
    }
    return vals_[a];
  }
  [[nodiscard]] const T* find(AccountId a) const {
    return a < vals_.size() && mark_[a] == epoch_ ? &vals_[a] : nullptr;
  }
  void clear() {
    touched_.clear();
    if (++epoch_ == 0) { // wrapped: forget every mark
      std::fill(mark_.begin(), mark_.end(), 0);
      epoch_ = 1;
    }
  }
  /// Accounts touched since clear(), in first-touch order.
  [[nodiscard]] const std::vector<AccountId>& touched() const { return touched_; }

private:
  static void reset(std::uint64_t& v) { v = 0; }
  static void reset(std::uint32_t& v) { v = 0; }
  template <typename U> static void reset(U& v) { v.reset(); }

  std::vector<T> vals_;
  std::vector<std::uint32_t> mark_;
  std::vector<AccountId> touched_;
  std::uint32_t epoch_ = 1;
};

class ExtpackPolicy final : public Policy {
public:
  const char* name() const override { return "extpack"; }
  std::uint64_t rank(const NewTx& tx) const override { return detail::vote_first_rank(tx); }

  void arrived(const NewTx& tx) override {
    // Every arrival feeds the forecast of what the rest of a slot will bring. Votes go
    // first (vote_first_rank), so they count in the top bucket.
    const std::size_t b = bucket(tx.rank);
    const auto cost = static_cast<double>(tx.cost);
    arrived_[b] += cost;
    arrived_n_[b] += 1.0;
    if (!tx.vote) {
      // Counted by value, so a flood of cheap writers makes an account look little hotter.
      const double value = cost * static_cast<double>(bucket_floor(b));
      for (const txn::AccountLock& l : tx.locks)
        if (l.writable) account_arrived_[account_slot(l.key)] += value;
    }
  }

  void schedule(SchedulePass& pass) override {
    new_slot(pass);
    window_.clear();
    while (window_.size() < MAX_WINDOW) {
      const EntryId id = pass.next();
      if (id == NO_ENTRY) break;
      window_.push_back(id);
    }
    if (window_.empty()) return;
    choose_writers(pass);
    set_threshold(pass);
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
            {"account_protected", n_protected_},
            {"paced", n_paced_},
            {"refused", n_refused_}};
  }

private:
  struct Demand {
    std::uint64_t cost = 0;
    std::vector<std::uint32_t> writers; ///< window positions, best first
    void reset() {                      // keeps the capacity of writers
      cost = 0;
      writers.clear();
    }
  };

  /// At a slot change, the arrivals counted since the previous change (by arrived() on
  /// insert, leader or not) become the per-slot forecast, smoothed with the old one.
  void new_slot(const SchedulePass& pass) {
    if (pass.slot() == slot_) return;
    if (slot_ != NO_SLOT && pass.slot() > slot_) {
      // Arrivals since the last slot change, per slot, smoothed over slots.
      const double slots = static_cast<double>(pass.slot() - slot_);
      const auto smooth = [&](double& forecast, double arrived) {
        const double rate = arrived / slots;
        forecast = have_forecast_ ? FORECAST_KEEP * forecast + (1 - FORECAST_KEEP) * rate : rate;
      };
      for (std::size_t b = 0; b < BUCKETS; ++b) {
        smooth(forecast_[b], arrived_[b]);
        smooth(forecast_n_[b], arrived_n_[b]);
      }
      for (std::size_t i = 0; i < ACCOUNT_SLOTS; ++i)
        smooth(account_forecast_[i], account_arrived_[i]);
      have_forecast_ = true;
      // Sums over the non-vote buckets above each bucket, for protect_for_better().
      above_[NONVOTE_BUCKETS - 1] = ClassForecast{};
      for (std::size_t b = NONVOTE_BUCKETS - 1; b-- > 0;) {
        const ClassForecast& u = above_[b + 1];
        const double cost = forecast_[b + 1];
        above_[b] = ClassForecast{u.count + forecast_n_[b + 1], u.cost + cost,
                                  u.value + cost * static_cast<double>(bucket_floor(b + 1))};
      }
      nonvote_value_ = above_[0].value; // bucket 0's floor price is 0
    }
    arrived_.fill(0);
    arrived_n_.fill(0);
    account_arrived_.fill(0);
    slot_ = pass.slot();
  }

  /// Marks as excluded the writers of each contended account that must leave its budget to
  /// better writers forecast to come (protect_for_better), or else that its knapsack
  /// leaves out.
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
    const double left_share = forecast_share_left(pass);
    for (const AccountId acct : demand_.touched()) {
      Demand& d = demand_[acct];
      const std::uint64_t used = pass.account(acct).write_cost;
      const std::uint64_t left = limit > used ? limit - used : 0;
      if (left_share > 0 && protect_for_better(pass, acct, d, left, left_share)) continue;
      if (d.writers.size() < 2 || d.cost <= left) continue;
      items_.clear();
      for (std::uint32_t i : d.writers) {
        const TxEntry& e = pass.entry(window_[i]);
        // Block space is worth the current threshold's price: an account's budget should
        // go to the writers that earn most above it, not to the most reward in total.
        const auto block_price = static_cast<std::uint64_t>(
            static_cast<double>(bucket_floor(threshold_)) * static_cast<double>(e.cost + 1) / 1e6);
        items_.push_back(KnapsackItem{e.cost, e.reward > block_price ? e.reward - block_price : 0});
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

  /// Nested protection levels (protection.hpp) for account `acct`: a queued writer of rank
  /// bucket k may spend the account's `left` budget minus the room kept for the writers of
  /// better buckets forecast to arrive before the end phase; the others wait (excluded
  /// this pass). The account's forecast writers are its share of the value of all
  /// non-vote arrivals (account_forecast_), priced like them (forecast_). Returns false,
  /// leaving the choice to the knapsack, when nothing is forecast for the account;
  /// otherwise the writers are taken first-fit in rank order and the knapsack is not run.
  /// The room kept may exceed `left` (by up to one writer): then a whole bucket waits (for
  /// priority-0 writers that happens once mean + 12 sqrt(mean) + 20 better writers of
  /// average size would fill what is left, mean being the forecast of them).
  ///
  /// Without it, an account's budget goes to the writers queued early in the slot and a
  /// better one arriving later finds it spent; the LP bound keeps room for it.
  bool protect_for_better(const SchedulePass& pass, AccountId acct, const Demand& d,
                          std::uint64_t left, double left_share) {
    if (!(nonvote_value_ > 0)) return false;
    const double account = account_forecast_[account_slot(pass.account(acct).key)];
    const double share = std::min(1.0, account / nonvote_value_) * left_share;
    if (!(share > 0)) return false;
    double spent = 0, keep = 0;
    std::size_t keep_bucket = NONVOTE_BUCKETS; // bucket `keep` was computed for
    for (const std::uint32_t i : d.writers) {  // best first
      // Held back already for another account it writes: it spends nothing here.
      if (excluded_[i]) continue;
      const TxEntry& e = pass.entry(window_[i]);
      // A vote's bucket is above every non-vote one: nothing better is forecast for it.
      const std::size_t k = std::min(bucket(e.rank), NONVOTE_BUCKETS - 1);
      if (k != keep_bucket) {
        keep_bucket = k;
        keep = protected_room(above_[k], share, static_cast<double>(bucket_floor(k)),
                              static_cast<double>(left));
      }
      const auto cost = static_cast<double>(e.cost);
      if (spent + cost + keep <= static_cast<double>(left)) {
        spent += cost;
      } else {
        excluded_[i] = true;
        ++n_protected_;
      }
    }
    return true;
  }

  /// The share of a slot still ahead of this pass before the end phase, which scales the
  /// per-slot forecast; 0 without a progress report or in the end phase.
  static double share_before_end_phase(const SchedulePass& pass) {
    const std::uint8_t pct = pass.slot_progress();
    const std::uint8_t end_pct = end_phase_pct(pass);
    if (pct == UNKNOWN_PROGRESS || pct >= end_pct) return 0;
    return static_cast<double>(end_pct - pct) / 100.0;
  }

  /// share_before_end_phase(), or 0 before the first forecast.
  double forecast_share_left(const SchedulePass& pass) const {
    return have_forecast_ ? share_before_end_phase(pass) : 0;
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

  /// When the end phase starts in this slot: later in the last slot of the leader window
  /// (leader_slots_after() == 0), whose late arrivals have no slot of ours after it.
  static std::uint8_t end_phase_pct(const SchedulePass& pass) {
    return pass.leader_slots_after() == 0 ? END_PHASE_LAST_PCT : END_PHASE_PCT;
  }

  /// Rank bucket: four per power of two of the priority.
  static constexpr std::size_t bucket(std::uint64_t rank) {
    const auto w = static_cast<std::size_t>(std::bit_width(rank));
    if (w <= 2) return w;
    return std::min(BUCKETS - 1, 4 * (w - 2) + static_cast<std::size_t>((rank >> (w - 3)) & 3u));
  }

  /// The smallest rank in bucket b (inverse of bucket()).
  static constexpr std::uint64_t bucket_floor(std::size_t b) {
    if (b < 4) return b == 3 ? 4 : b; // bucket() never gives 3
    const std::size_t w = b / 4 + 2;
    return (1ull << (w - 1)) | (static_cast<std::uint64_t>(b % 4) << (w - 3));
  }

  /// The lowest rank bucket worth admitting now: the remaining budget goes to what is
  /// queued plus what the rest of the slot is forecast to bring, best first. Below it a
  /// transaction waits, because something better is expected to need the space.
  void set_threshold(const SchedulePass& pass) {
    threshold_ = 0;
    marginal_left_ = std::numeric_limits<double>::infinity();
    const double left_share = share_before_end_phase(pass);
    if (!(left_share > 0)) return;
    const std::uint8_t pct = pass.slot_progress();
    std::array<double, BUCKETS> supply{};
    if (have_forecast_) {
      for (std::size_t b = 0; b < BUCKETS; ++b)
        supply[b] = forecast_[b] * left_share;
    } else if (pct >= MIN_FORECAST_PCT) {
      // First slot seen: extrapolate this slot's own arrivals.
      const double scale = left_share * 100.0 / static_cast<double>(pct);
      for (std::size_t b = 0; b < BUCKETS; ++b)
        supply[b] = arrived_[b] * scale;
    }
    for (std::size_t i = 0; i < window_.size(); ++i) {
      if (excluded_[i]) continue;
      const TxEntry& e = pass.entry(window_[i]);
      supply[bucket(e.rank)] += static_cast<double>(e.cost);
    }
    const double budget = static_cast<double>(pass.available());
    double cum = 0;
    for (std::size_t b = BUCKETS; b-- > 0;) {
      if (cum + supply[b] >= budget) {
        threshold_ = b;
        marginal_left_ = budget - cum;
        return;
      }
      cum += supply[b];
    }
  }

  /// Admits in rank order under the plan; blocked transactions keep their budget.
  void place(SchedulePass& pass) {
    static_assert(bucket(detail::VOTE_RANK_BIT) == NONVOTE_BUCKETS &&
                  bucket(detail::VOTE_RANK_BIT - 1) == NONVOTE_BUCKETS - 1);
    const std::uint8_t pct = pass.slot_progress();
    const bool end_phase = pct != UNKNOWN_PROGRESS && pct >= end_phase_pct(pass);
    std::uint64_t plan = pass.available();
    if (!have_forecast_ && !end_phase) {
      // The first leader slot seen has no forecast yet: pace linearly (as greedy does)
      // rather than spend the budget on the backlog before anything else arrives.
      const std::uint64_t allowance = detail::paced_allowance(pass);
      const std::uint64_t used = pass.slot_used();
      plan = std::min(plan, allowance > used ? allowance - used : 0);
    }
    planned_.clear();
    reserved_.clear();
    const std::uint64_t limit = pass.limits().max_writable_account_units;
    for (std::uint32_t i = 0; i < window_.size(); ++i) {
      if (excluded_[i]) continue;
      const EntryId id = window_[i];
      const TxEntry& e = pass.entry(id);
      // Votes, first in the window, go as soon as they can: neither the pacing nor the
      // threshold holds them (the block and vote limits still do, in admit()).
      if (!e.vote && plan < detail::MIN_TRANSACTION_COST) break;
      if (!e.vote && e.cost > plan) {
        ++n_over_plan_;
        continue;
      }
      if (!accounts_fit(pass, e, limit)) {
        ++n_account_full_;
        continue;
      }
      // Below the threshold a transaction waits for the end phase; in the threshold's own
      // bucket only the share of the budget that the better supply leaves is spent.
      const std::size_t bk = bucket(e.rank);
      const bool marginal = !end_phase && !e.vote && bk == threshold_;
      if ((!end_phase && !e.vote && bk < threshold_) ||
          (marginal && static_cast<double>(e.cost) > marginal_left_)) {
        ++n_paced_;
        continue;
      }
      if (!pass.lockable(id)) {
        if (end_phase || !reserve(pass, e)) {
          ++n_not_reserved_;
          continue;
        }
        ++n_reserved_;
        plan -= e.cost;
        if (marginal) marginal_left_ -= static_cast<double>(e.cost);
        continue;
      }
      const std::uint32_t w = pick_worker(pass);
      if (w == NO_WORKER) return;
      const std::uint64_t cost = e.cost;
      switch (pass.admit(id, w)) {
      case Admit::Admitted:
        ++n_admitted_;
        sent_[i] = true;
        plan -= std::min(plan, cost);
        if (marginal) marginal_left_ -= static_cast<double>(cost);
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
  }

  /// True if every writable account of `e` can take its cost on top of what is charged
  /// and what this pass reserved for blocked transactions.
  bool accounts_fit(const SchedulePass& pass, const TxEntry& e, std::uint64_t limit) const {
    for (std::size_t k = 0; k < e.num_accounts; ++k) {
      if (!e.writable(k)) continue;
      std::uint64_t used = pass.account(e.accounts[k]).write_cost;
      if (const std::uint64_t* p = planned_.find(e.accounts[k])) used += *p;
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
      if (best == NO_WORKER || pass.worker_cost(w) < pass.worker_cost(best)) best = w;
    }
    return best;
  }

  static constexpr std::uint32_t NO_WORKER = std::numeric_limits<std::uint32_t>::max();

  static constexpr std::size_t BUCKETS = 256;
  /// Buckets of non-vote ranks; a vote's rank has VOTE_RANK_BIT set (the buckets above).
  static constexpr std::size_t NONVOTE_BUCKETS = 4 * (64 - 2);
  /// Slots of the per-account arrival table. Accounts are hashed by the first 8 bytes of
  /// their key (uniform for ed25519 keys and program-derived addresses); two hot accounts
  /// sharing a slot both look hotter and keep more room, which costs little. A map keyed
  /// by pubkey would allocate on insert and grow with every account ever seen.
  static constexpr std::size_t ACCOUNT_SLOTS = 16384;
  static std::size_t account_slot(const txn::Pubkey& key) {
    std::uint64_t x = 0;
    std::memcpy(&x, key.data(), sizeof x);
    return static_cast<std::size_t>((x * 0x9E3779B97F4A7C15ULL) >> (64 - 14));
  }
  static_assert(ACCOUNT_SLOTS == std::size_t{1} << 14);
  /// Weight of the previous forecast when a new slot's arrivals come in.
  static constexpr double FORECAST_KEEP = 0.5;
  /// Slot progress, percent, before which a first slot's own arrivals are too few to
  /// extrapolate from.
  static constexpr std::uint8_t MIN_FORECAST_PCT = 5;
  std::array<double, BUCKETS> arrived_{};    ///< cost arrived since the slot change
  std::array<double, BUCKETS> arrived_n_{};  ///< transactions arrived since then
  std::array<double, BUCKETS> forecast_{};   ///< cost arriving per slot, by bucket
  std::array<double, BUCKETS> forecast_n_{}; ///< transactions arriving per slot
  /// Value (cost times the bucket's floor price) of the non-vote arrivals since the slot
  /// change that write each account (hashed).
  std::array<double, ACCOUNT_SLOTS> account_arrived_{};
  /// The same per slot, smoothed: the forecast of each account's share of the value.
  std::array<double, ACCOUNT_SLOTS> account_forecast_{};
  double nonvote_value_ = 0; ///< forecast value of all non-vote arrivals per slot
  /// Forecast per slot of the non-vote buckets strictly above each bucket.
  std::array<ClassForecast, NONVOTE_BUCKETS> above_{};
  bool have_forecast_ = false;
  std::size_t threshold_ = 0;
  double marginal_left_ = 0; ///< budget left this pass for the threshold's bucket
  std::uint64_t slot_ = NO_SLOT;
  std::vector<EntryId> window_;
  std::vector<bool> excluded_, sent_, chosen_;
  std::vector<KnapsackItem> items_;
  AccountScratch<Demand> demand_;
  AccountScratch<std::uint64_t> planned_;
  AccountScratch<std::uint32_t> reserved_;
  std::uint64_t n_admitted_ = 0;
  std::uint64_t n_reserved_ = 0;
  std::uint64_t n_not_reserved_ = 0;
  std::uint64_t n_over_plan_ = 0;
  std::uint64_t n_account_full_ = 0;
  std::uint64_t n_knapsack_ = 0;
  std::uint64_t n_excluded_ = 0;
  std::uint64_t n_protected_ = 0;
  std::uint64_t n_paced_ = 0;
  std::uint64_t n_refused_ = 0;
};

} // namespace

std::unique_ptr<Policy> make_extpack_policy() {
  return std::make_unique<ExtpackPolicy>();
}

} // namespace extpack::sched
