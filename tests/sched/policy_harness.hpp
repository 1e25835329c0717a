// A small deterministic driver for policy tests: transactions arrive at given steps, each
// slot is cut into steps with a progress percentage, batches complete a fixed number of
// steps after they are sent (all included at their estimate), and every plan is checked
// against the safety invariants while it runs.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sched_test_util.hpp"

namespace extpack::test {

struct ScenarioTx {
  std::uint32_t slot = 0; ///< slot index (0-based) it arrives in
  std::uint32_t step = 0; ///< step of that slot it arrives at
  std::vector<std::uint32_t> writable;
  std::vector<std::uint32_t> readonly;
  std::uint64_t reward = 0;
  std::uint64_t cost = 0;
  bool vote = false;
};

struct Scenario {
  sched::SchedConfig cfg{};
  std::uint32_t workers = 4;
  std::uint32_t slots = 1;
  std::uint32_t steps_per_slot = 10;
  std::uint32_t latency_steps = 1; ///< steps a batch stays in flight
  bool report_progress = true;
  /// Consecutive leader slots per window, reported as next_leader_slot / leader_range_end
  /// (the next window is taken to start `leader_window` slots after this one ends); 0: the
  /// window is not reported.
  std::uint32_t leader_window = 0;
  std::vector<ScenarioTx> txs;
};

struct ScenarioResult {
  std::uint64_t fees = 0;
  std::vector<std::uint64_t> slot_cost; ///< cost included per slot
  std::vector<std::uint64_t> slot_fees; ///< reward included per slot
  std::uint64_t included = 0;
  std::uint64_t offered_cost = 0;
};

/// Runs `sc` under `policy`, failing the current test on any invariant violation.
inline ScenarioResult run_scenario(const Scenario& sc, const char* policy) {
  using namespace sched;
  ScenarioResult res;
  auto s = make_scheduler(sc.cfg, sc.workers, policy);
  std::vector<FakeTx> fakes;
  fakes.reserve(sc.txs.size());
  for (std::size_t i = 0; i < sc.txs.size(); ++i) {
    const ScenarioTx& t = sc.txs[i];
    fakes.emplace_back(i + 1, t.writable, t.readonly, 0, t.cost);
    NewTx& n = fakes.back().tx;
    n.reward = t.reward;
    n.priority = t.reward * 1'000'000 / (t.cost + 1);
    n.vote = t.vote;
    res.offered_cost += t.cost;
  }
  const txn::BlockLimits& L = sc.cfg.limits;
  struct Sent {
    std::uint32_t due;
    PlannedBatch b;
  };
  std::deque<Sent> flight;
  std::uint32_t clock = 0;
  std::size_t next = 0;
  for (std::uint32_t slot = 0; slot < sc.slots; ++slot) {
    std::uint64_t included = 0, planned = 0, votes = 0, fees = 0;
    std::map<AccountId, std::uint64_t> acct;
    auto complete = [&](bool all) {
      while (!flight.empty() && (all || flight.front().due <= clock)) {
        const PlannedBatch& b = flight.front().b;
        for (EntryId id : b.entries()) {
          const TxEntry& e = s->entry(id);
          const std::uint64_t c = e.cost;
          res.fees += e.reward;
          fees += e.reward;
          ++res.included;
          included += c;
          s->included(id, c);
        }
        s->batch_done(b.worker);
        flight.pop_front();
      }
    };
    for (std::uint32_t step = 0; step < sc.steps_per_slot; ++step, ++clock) {
      while (next < sc.txs.size() && (sc.txs[next].slot < slot ||
                                      (sc.txs[next].slot == slot && sc.txs[next].step <= step))) {
        s->insert(fakes[next].tx);
        s->clear_drops();
        ++next;
      }
      complete(false);
      const auto pct = static_cast<std::uint8_t>(step * 100 / sc.steps_per_slot);
      const std::uint64_t abs = slot + 1; // slot numbers start at 1
      std::uint64_t next_leader = NO_SLOT, range_end = NO_SLOT;
      if (sc.leader_window != 0) {
        const std::uint64_t start = abs - slot % sc.leader_window;
        const bool last = slot % sc.leader_window == sc.leader_window - 1;
        next_leader = last ? abs + 1 + sc.leader_window : abs + 1;
        range_end = last ? next_leader + sc.leader_window - 1 : start + sc.leader_window - 1;
      }
      s->on_progress(abs, true, L.max_block_units - std::min(L.max_block_units, included),
                     sc.report_progress ? pct : UNKNOWN_PROGRESS, next_leader, range_end);
      std::vector<PlannedBatch> out;
      s->schedule(out);
      for (const PlannedBatch& b : out) {
        EXPECT_GE(b.count, 1u);
        EXPECT_LE(b.count, sc.cfg.max_batch);
        for (EntryId id : b.entries()) {
          const TxEntry& e = s->entry(id);
          planned += e.cost;
          if (e.vote) votes += e.cost;
          for (std::size_t k = 0; k < e.num_accounts; ++k)
            if (e.writable(k)) acct[e.accounts[k]] += e.cost;
        }
        flight.push_back(Sent{clock + sc.latency_steps, b});
      }
      EXPECT_LE(planned, L.max_block_units) << policy << " slot " << slot;
      EXPECT_LE(votes, L.max_vote_units) << policy << " slot " << slot;
      for (auto [a, c] : acct)
        EXPECT_LE(c, L.max_writable_account_units) << policy << " account " << a;
      // No two in-flight transactions conflict.
      std::map<AccountId, int> writers, readers;
      for (const Sent& f : flight)
        for (EntryId id : f.b.entries()) {
          const TxEntry& e = s->entry(id);
          for (std::size_t k = 0; k < e.num_accounts; ++k)
            (e.writable(k) ? writers : readers)[e.accounts[k]]++;
        }
      for (auto [a, w] : writers) {
        EXPECT_LE(w, 1) << policy << ": two writers of account " << a;
        EXPECT_EQ(readers.count(a), 0u) << policy << ": writer and reader of account " << a;
      }
    }
    complete(true); // the slot's last batches land in it
    res.slot_cost.push_back(included);
    res.slot_fees.push_back(fees);
  }
  return res;
}

} // namespace extpack::test
