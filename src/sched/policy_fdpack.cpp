// The "fdpack" baseline: Firedancer's fd_pack as described in the peer survey; see
// policies.hpp.
#include <cstdint>
#include <memory>
#include <unordered_map>

#include "extpack/sched/pass.hpp"
#include "policy_common.hpp"

namespace extpack::sched {

std::unique_ptr<Policy> make_fdpack_policy();

namespace {

__extension__ using u128 = unsigned __int128;

/// An account named by more than this many held transactions gets a penalty queue
/// (fd_pack's PENALTY_TREAP_THRESHOLD).
constexpr std::uint32_t HOT_ACCOUNT_REFS = 64;
/// Skips for non-conflict reasons after which a transaction is ignored until the next
/// slot (fd_pack's skip counter).
constexpr std::uint32_t MAX_SKIPS = 50;
/// Cost units per microblock (fd_pack's CUS_PER_MICROBLOCK).
constexpr std::uint64_t CUS_PER_BATCH = 1'600'000;
/// Fixed-point shift of the reward/cost ratio, bits: reward is at most ~2^50 lamports
/// and cost at most ~2^21 units, so 2^24 keeps sub-unit resolution without overflow of
/// the 62 bits the rank keeps for it.
constexpr unsigned RATIO_SHIFT = 24;
/// Rank bit that puts every vote ahead of every non-vote (votes first, VOTE_FRACTION 1.0).
constexpr std::uint64_t VOTE_BIT = 1ULL << 62;

class FdpackPolicy final : public Policy {
public:
  const char* name() const override { return "fdpack"; }

  /// reward/cost as a fixed-point ratio: the same order as fd_pack's cross-multiplied
  /// comparison r1*c2 < r2*c1 except between ratios closer than 2^-24.
  std::uint64_t rank(const NewTx& tx) const override {
    const u128 r = (static_cast<u128>(tx.reward) << RATIO_SHIFT) / (tx.cost == 0 ? 1 : tx.cost);
    const std::uint64_t ratio = r >= VOTE_BIT ? VOTE_BIT - 1 : static_cast<std::uint64_t>(r);
    return tx.vote ? (VOTE_BIT | ratio) : ratio;
  }

  void schedule(SchedulePass& pass) override {
    waiting_.clear();
    if (pass.slot() != slot_) {
      slot_ = pass.slot();
      skips_.clear();
      promoted_.clear();
    }
    // One microblock per idle worker in turn, as fd_pack serves each idle bank tile.
    bool progress = true;
    while (progress) {
      progress = false;
      for (std::uint32_t w : pass.workers()) {
        if (!pass.can_open(w)) continue;
        bool stop = false;
        fill(pass, w, stop);
        const bool sent = pass.open_size(w) > 0;
        pass.close(w);
        if (stop) return;
        progress = progress || sent;
      }
    }
  }

  std::vector<PolicyCounter> counters() const override {
    return {{"taken", n_taken_},          {"penalty_wait", n_penalty_},  {"promoted", n_promoted_},
            {"skip_ignored", n_ignored_}, {"write_cost", n_write_cost_}, {"conflict", n_conflict_},
            {"cu_limit", n_cu_limit_}};
  }

private:
  struct Promoted {
    EntryId id = NO_ENTRY;
    std::uint64_t seq = 0;
  };
  struct Skips {
    std::uint64_t seq = 0;
    std::uint32_t count = 0;
  };

  /// The first writable account of `e` with a penalty queue, or NO_ACCOUNT.
  static AccountId hot_writable(const SchedulePass& pass, const TxEntry& e) {
    for (std::size_t k = 0; k < e.num_accounts; ++k)
      if (e.writable(k) && pass.account(e.accounts[k]).refs > HOT_ACCOUNT_REFS)
        return e.accounts[k];
    return NO_ACCOUNT;
  }

  /// True if `e` waits in a penalty queue behind the account's promoted transaction.
  bool in_penalty_queue(const SchedulePass& pass, EntryId id, const TxEntry& e) {
    const AccountId hot = hot_writable(pass, e);
    if (hot == NO_ACCOUNT) return false;
    Promoted& p = promoted_[hot];
    if (p.id != NO_ENTRY && p.id != id) {
      const TxEntry& q = pass.entry(p.id);
      if (q.state != EntryState::Free && q.seq == p.seq) {
        // The scan is best-first, so the first one waiting is the queue's best.
        waiting_.try_emplace(hot, Promoted{id, e.seq});
        return true;
      }
    }
    if (p.id != id) ++n_promoted_;
    p = Promoted{id, e.seq};
    return false;
  }

  /// Counts a non-conflict skip; true once the transaction should be ignored this slot.
  bool skip_limit_reached(EntryId id, const TxEntry& e, bool count) {
    Skips& s = skips_[id];
    if (s.seq != e.seq) s = Skips{e.seq, 0};
    if (count) ++s.count;
    return s.count >= MAX_SKIPS;
  }

  void fill(SchedulePass& pass, std::uint32_t w, bool& stop) {
    std::uint64_t batch_cost = 0;
    while (pass.open_size(w) < pass.max_batch()) {
      if (pass.available() < detail::MIN_TRANSACTION_COST) {
        stop = true;
        return;
      }
      const EntryId id = pass.next();
      if (id == NO_ENTRY) {
        stop = true;
        return;
      }
      const TxEntry& e = pass.entry(id);
      if (skip_limit_reached(id, e, false)) {
        ++n_ignored_;
        pass.skip(id);
        continue;
      }
      if (batch_cost + e.cost > CUS_PER_BATCH) {
        ++n_cu_limit_;
        pass.skip(id);
        continue;
      }
      if (in_penalty_queue(pass, id, e)) {
        ++n_penalty_;
        pass.skip(id);
        continue;
      }
      const std::uint64_t cost = e.cost;
      const AccountId hot = hot_writable(pass, e);
      switch (pass.admit(id, w)) {
      case Admit::Admitted:
        ++n_taken_;
        batch_cost += cost;
        // The queue's best writer is promoted now; if none was seen yet this pass, the
        // next one the scan meets is the best left.
        if (hot != NO_ACCOUNT) {
          auto it = waiting_.find(hot);
          if (it != waiting_.end()) {
            promoted_[hot] = it->second;
            waiting_.erase(it);
            ++n_promoted_;
          } else {
            promoted_.erase(hot);
          }
        }
        break;
      case Admit::Dropped:
        break;
      case Admit::BatchFull:
        pass.skip(id);
        return;
      case Admit::Conflict:
        ++n_conflict_;
        pass.skip(id);
        break;
      case Admit::OverAccount:
        ++n_write_cost_;
        skip_limit_reached(id, e, true);
        pass.skip(id);
        break;
      default:
        skip_limit_reached(id, e, true);
        pass.skip(id);
        break;
      }
    }
  }

  std::uint64_t slot_ = NO_SLOT;
  std::unordered_map<AccountId, Promoted> promoted_;
  /// Per hot account, the best writer seen waiting behind the promoted one this pass.
  std::unordered_map<AccountId, Promoted> waiting_;
  std::unordered_map<EntryId, Skips> skips_;
  std::uint64_t n_taken_ = 0;
  std::uint64_t n_penalty_ = 0;
  std::uint64_t n_promoted_ = 0;
  std::uint64_t n_ignored_ = 0;
  std::uint64_t n_write_cost_ = 0;
  std::uint64_t n_conflict_ = 0;
  std::uint64_t n_cu_limit_ = 0;
};

} // namespace

std::unique_ptr<Policy> make_fdpack_policy() {
  return std::make_unique<FdpackPolicy>();
}

} // namespace extpack::sched
