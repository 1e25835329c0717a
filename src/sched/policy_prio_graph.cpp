// The "prio-graph" baseline: Agave's legacy PrioGraphScheduler as described in the peer
// survey; see policies.hpp.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <queue>
#include <unordered_map>
#include <vector>

#include "extpack/sched/pass.hpp"
#include "policy_common.hpp"

namespace extpack::sched {

std::unique_ptr<Policy> make_prio_graph_policy();

namespace {

/// Transactions popped into the graph at once (Agave's look-ahead window, later made
/// configurable).
constexpr std::size_t WINDOW = 2048;

/// Per-account lock bits of transactions that could not be scheduled this pass.
constexpr std::uint8_t BLOCK_READ = 1;
constexpr std::uint8_t BLOCK_WRITE = 2;

class PrioGraphPolicy final : public Policy {
public:
  const char* name() const override { return "prio-graph"; }
  std::uint64_t rank(const NewTx& tx) const override { return detail::vote_first_rank(tx); }

  void schedule(SchedulePass& pass) override {
    blocking_.clear();
    // Agave caps each thread at the block limit divided among the threads.
    cap_ = pass.limits().max_block_units / std::max<std::uint32_t>(1, pass.num_workers());
    bool more = true;
    while (more) {
      window_.clear();
      while (window_.size() < WINDOW) {
        EntryId id = pass.next();
        if (id == NO_ENTRY) {
          more = false;
          break;
        }
        window_.push_back(id);
      }
      if (window_.empty()) return;
      build_graph(pass);
      if (!run_graph(pass)) more = false;
      // Whatever was not sent blocks its accounts for the rest of the pass and goes back.
      for (std::size_t i = 0; i < window_.size(); ++i) {
        if (state_[i] == NodeState::Sent || state_[i] == NodeState::Gone) continue;
        block(pass.entry(window_[i]));
        pass.skip(window_[i]);
      }
    }
  }

  std::vector<PolicyCounter> counters() const override {
    return {{"graph_nodes", n_nodes_},       {"graph_edges", n_edges_},
            {"admitted", n_admitted_},       {"unschedulable", n_unschedulable_},
            {"blocked_by_lock", n_blocked_}, {"threads_full", n_threads_full_}};
  }

private:
  enum class NodeState : std::uint8_t { Waiting, Sent, Failed, Gone };
  struct Track {
    std::uint32_t writer = NONE;
    std::vector<std::uint32_t> readers; ///< since the last writer
  };
  static constexpr std::uint32_t NONE = std::numeric_limits<std::uint32_t>::max();

  void add_edge(std::uint32_t from, std::uint32_t to) {
    children_[from].push_back(to);
    ++indeg_[to];
    ++n_edges_;
  }

  /// Each transaction depends on the nearest higher-priority conflicting one per account:
  /// a writer on the readers since the last writer (or that writer), a reader on the last
  /// writer. The window is already in priority order.
  void build_graph(const SchedulePass& pass) {
    const std::size_t n = window_.size();
    n_nodes_ += n;
    children_.assign(n, {});
    indeg_.assign(n, 0);
    state_.assign(n, NodeState::Waiting);
    tracks_.clear();
    for (std::uint32_t i = 0; i < n; ++i) {
      const TxEntry& e = pass.entry(window_[i]);
      for (std::size_t k = 0; k < e.num_accounts; ++k) {
        Track& t = tracks_[e.accounts[k]];
        if (e.writable(k)) {
          if (!t.readers.empty()) {
            for (std::uint32_t r : t.readers)
              add_edge(r, i);
          } else if (t.writer != NONE) {
            add_edge(t.writer, i);
          }
          t.writer = i;
          t.readers.clear();
        } else {
          if (t.writer != NONE) add_edge(t.writer, i);
          t.readers.push_back(i);
        }
      }
    }
  }

  /// Schedules the ready set in priority order; false once nothing more can go this pass.
  bool run_graph(SchedulePass& pass) {
    std::priority_queue<std::uint32_t, std::vector<std::uint32_t>, std::greater<>> ready;
    for (std::uint32_t i = 0; i < window_.size(); ++i)
      if (indeg_[i] == 0) ready.push(i);
    while (!ready.empty()) {
      const std::uint32_t i = ready.top();
      ready.pop();
      if (pass.available() < detail::MIN_TRANSACTION_COST) return false;
      const EntryId id = window_[i];
      const TxEntry& e = pass.entry(id);
      if (is_blocked(e)) {
        ++n_blocked_;
        state_[i] = NodeState::Failed;
        continue;
      }
      const std::uint32_t w = pick_worker(pass, e.cost);
      if (w == NONE) {
        ++n_threads_full_;
        return false;
      }
      switch (pass.admit(id, w)) {
      case Admit::Admitted:
        ++n_admitted_;
        state_[i] = NodeState::Sent;
        if (pass.open_size(w) >= pass.max_batch()) pass.close(w);
        for (std::uint32_t c : children_[i])
          if (--indeg_[c] == 0) ready.push(c);
        break;
      case Admit::Dropped:
        state_[i] = NodeState::Gone;
        for (std::uint32_t c : children_[i])
          if (--indeg_[c] == 0) ready.push(c);
        break;
      default:
        // Unschedulable: its locks block everything below it that conflicts.
        ++n_unschedulable_;
        state_[i] = NodeState::Failed;
        block(e);
        break;
      }
    }
    return true;
  }

  [[nodiscard]] bool is_blocked(const TxEntry& e) const {
    if (blocking_.empty()) return false;
    for (std::size_t k = 0; k < e.num_accounts; ++k) {
      auto it = blocking_.find(e.accounts[k]);
      if (it == blocking_.end()) continue;
      if (e.writable(k) || (it->second & BLOCK_WRITE)) return true;
    }
    return false;
  }

  void block(const TxEntry& e) {
    for (std::size_t k = 0; k < e.num_accounts; ++k)
      blocking_[e.accounts[k]] |= e.writable(k) ? BLOCK_WRITE : BLOCK_READ;
  }

  /// Least-loaded worker whose in-flight cost stays under its share of the block.
  std::uint32_t pick_worker(const SchedulePass& pass, std::uint64_t cost) const {
    std::uint32_t best = NONE;
    for (std::uint32_t w : pass.workers()) {
      if (!pass.can_open(w) || pass.open_size(w) >= pass.max_batch()) continue;
      const std::uint64_t load = pass.worker_cost(w);
      if (load != 0 && load + cost > cap_) continue;
      if (best == NONE || load < pass.worker_cost(best)) best = w;
    }
    return best;
  }

  std::uint64_t cap_ = 0;
  std::vector<EntryId> window_;
  std::vector<std::vector<std::uint32_t>> children_;
  std::vector<std::uint32_t> indeg_;
  std::vector<NodeState> state_;
  std::unordered_map<AccountId, Track> tracks_;
  std::unordered_map<AccountId, std::uint8_t> blocking_;
  std::uint64_t n_nodes_ = 0;
  std::uint64_t n_edges_ = 0;
  std::uint64_t n_admitted_ = 0;
  std::uint64_t n_unschedulable_ = 0;
  std::uint64_t n_blocked_ = 0;
  std::uint64_t n_threads_full_ = 0;
};

} // namespace

std::unique_ptr<Policy> make_prio_graph_policy() {
  return std::make_unique<PrioGraphPolicy>();
}

} // namespace extpack::sched
