// A whole simulator run in-process against a minimal pack: it forwards every transaction
// it receives to the workers while the progress messages say leader, frees everything it
// is given, and checks the protocol from pack's side.
#include <cstring>
#include <deque>
#include <thread>

#include <gtest/gtest.h>

#include "extpack/sim/leader_schedule.hpp"
#include "extpack/sim/sim.hpp"
#include "sim_test_util.hpp"

namespace extpack::sim {
namespace {

TEST(LeaderSchedule, WindowsAndNextLeaderSlot) {
  const LeaderSchedule s(4, 8); // leads slots 4..7, 12..15, ...
  EXPECT_FALSE(s.is_leader(0));
  EXPECT_FALSE(s.is_leader(3));
  EXPECT_TRUE(s.is_leader(4));
  EXPECT_TRUE(s.is_leader(7));
  EXPECT_FALSE(s.is_leader(8));
  EXPECT_EQ(s.next_leader_slot(0), 4u);
  EXPECT_EQ(s.next_leader_slot(3), 4u);
  EXPECT_EQ(s.next_leader_slot(4), 5u); // the current slot is excluded
  EXPECT_EQ(s.next_leader_slot(7), 12u);
  EXPECT_EQ(s.range_end(5), 7u);
  EXPECT_EQ(s.range_end(12), 15u);
  const auto m = make_progress(s, 6, true, 1234, 150);
  EXPECT_EQ(m.leader_state, abi::IS_LEADER);
  EXPECT_EQ(m.current_slot, 6u);
  EXPECT_EQ(m.next_leader_slot, 7u);
  EXPECT_EQ(m.leader_range_end, 7u);
  EXPECT_EQ(m.remaining_cost_units, 1234u);
  EXPECT_EQ(m.current_slot_progress, 100);
  const auto f = make_progress(s, 9, false, 1234, 10);
  EXPECT_EQ(f.leader_state, abi::IS_NOT_LEADER);
  EXPECT_EQ(f.next_leader_slot, 12u);
  EXPECT_EQ(f.leader_range_end, 15u);
  EXPECT_EQ(f.remaining_cost_units, 0u);
  const LeaderSchedule always(4, 4);
  EXPECT_EQ(always.next_leader_slot(9), 10u);
  EXPECT_EQ(always.range_end(10), UNKNOWN_SLOT);
}

struct FakePack {
  explicit FakePack(session::PackSession& p) : s(p), in_flight(p.num_workers()) {}

  void step() {
    auto& a = s.allocators[0];
    s.progress_tracker.sync();
    while (const auto* m = s.progress_tracker.try_read()) {
      progress.push_back(*m);
    }
    s.progress_tracker.finalize();
    s.tpu_to_pack.sync();
    while (const auto* m = s.tpu_to_pack.try_read()) {
      ok &= a.check_region(m->transaction.offset, m->transaction.length).ok();
      pending.push_back(m->transaction);
      ++received;
    }
    s.tpu_to_pack.finalize();
    const bool leader = !progress.empty() && progress.back().leader_state == abi::IS_LEADER;
    for (std::uint32_t w = 0; w < s.num_workers(); ++w) {
      if (leader && in_flight[w] < 2 && !pending.empty()) send(w);
      s.worker_to_pack[w].sync();
      while (const auto* r = s.worker_to_pack[w].try_read())
        answer(w, *r);
      s.worker_to_pack[w].finalize();
    }
  }

  void send(std::uint32_t w) {
    auto& a = s.allocators[0];
    const std::size_t n = std::min<std::size_t>(pending.size(), 16);
    auto* arr = static_cast<abi::SharableTransactionRegion*>(a.allocate(n * 16));
    if (arr == nullptr) return;
    for (std::size_t i = 0; i < n; ++i) {
      arr[i] = pending.front();
      pending.pop_front();
    }
    abi::PackToWorkerMessage m{};
    m.flags = abi::pack_message_flags::NONE;
    m.max_execution_slot = progress.back().current_slot;
    m.batch.num_transactions = static_cast<std::uint8_t>(n);
    m.batch.transactions_offset = a.offset(arr);
    s.pack_to_worker[w].sync();
    ASSERT_TRUE(s.pack_to_worker[w].try_write(m));
    s.pack_to_worker[w].commit();
    ++in_flight[w];
    ++sent;
  }

  void answer(std::uint32_t w, const abi::WorkerToPackMessage& r) {
    auto& a = s.allocators[0];
    ++answers;
    const std::size_t n = r.batch.num_transactions;
    ok &= in_flight[w] > 0;
    --in_flight[w];
    ok &= r.processed == abi::PROCESSED;
    if (r.processed == abi::PROCESSED) {
      ok &= r.responses.num_transaction_responses == n;
      ok &= a.check_region(r.responses.transaction_responses_offset, n * 24).ok();
      const auto* resp = reinterpret_cast<const abi::ExecutionResponse*>(
          a.ptr_from_offset(r.responses.transaction_responses_offset));
      for (std::size_t i = 0; i < n; ++i)
        included += resp[i].not_included_reason == 0;
      a.free(a.ptr_from_offset(r.responses.transaction_responses_offset));
    }
    const auto* arr = reinterpret_cast<const abi::SharableTransactionRegion*>(
        a.ptr_from_offset(r.batch.transactions_offset));
    for (std::size_t i = 0; i < n; ++i)
      a.free(a.ptr_from_offset(arr[i].offset));
    a.free(a.ptr_from_offset(r.batch.transactions_offset));
  }

  void drain_pending() {
    for (const auto& t : pending)
      s.allocators[0].free(s.allocators[0].ptr_from_offset(t.offset));
    pending.clear();
  }

  session::PackSession& s;
  std::vector<std::uint32_t> in_flight;
  std::deque<abi::SharableTransactionRegion> pending;
  std::vector<abi::ProgressMessage> progress;
  std::uint64_t received = 0, sent = 0, answers = 0, included = 0;
  bool ok = true;
};

TEST(SimRun, InProcessRunAgainstAMinimalPack) {
  auto s = test::make_session(2);
  ASSERT_NE(s, nullptr);
  SimConfig cfg;
  cfg.slots = 6;
  cfg.slot_ms = 60;
  cfg.leader_window = 2;
  cfg.leader_every = 4; // slots 2, 3 lead
  cfg.progress_interval_ms = 5;
  cfg.tx_per_slot = 300;
  cfg.linger_ms = 1000; // room for a slow or preempted pack thread to answer the last batches
  cfg.worker.ns_per_cu = 1;
  cfg.seed = 5;

  FakePack pack(s->pack);
  std::atomic<bool> done{false};
  std::thread pack_thread([&] {
    while (!done.load()) {
      pack.step();
      std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
    pack.step();
    pack.drain_pending();
  });
  auto report = run(cfg, s->agave);
  done.store(true);
  pack_thread.join();
  ASSERT_TRUE(report.ok()) << report.error().message;

  const RunReport& r = *report;
  ASSERT_EQ(r.slots.size(), 6u);
  for (std::size_t i = 0; i < r.slots.size(); ++i) {
    EXPECT_EQ(r.slots[i].slot, i);
    EXPECT_EQ(r.slots[i].leader, i == 2 || i == 3);
    EXPECT_LE(r.slots[i].cu_used, r.slots[i].block_limit);
    if (!r.slots[i].leader) {
      EXPECT_EQ(r.slots[i].included, 0u);
    }
  }
  ASSERT_EQ(r.blocks.size(), 2u);
  EXPECT_EQ(r.blocks[0].slot, 2u);
  EXPECT_EQ(r.blocks[0].entries.size() + r.blocks[1].entries.size(), r.totals.included);

  EXPECT_TRUE(pack.ok);
  EXPECT_GT(r.totals.fed, 300u);
  EXPECT_EQ(pack.received, r.totals.fed);
  EXPECT_EQ(pack.answers, pack.sent); // every message answered exactly once
  EXPECT_EQ(r.totals.batches, pack.sent);
  EXPECT_GT(r.totals.included, 0u);
  EXPECT_EQ(pack.included, r.totals.included);
  EXPECT_EQ(r.totals.not_processed_total(), 0u);
  EXPECT_EQ(r.totals.progress_dropped, 0u);

  // Progress: IS_LEADER only in leader slots; the last message says "not leader, no more".
  ASSERT_FALSE(pack.progress.empty());
  for (const auto& m : pack.progress) {
    if (m.leader_state == abi::IS_LEADER) {
      EXPECT_TRUE(m.current_slot == 2 || m.current_slot == 3) << m.current_slot;
    }
  }
  EXPECT_EQ(pack.progress.back().leader_state, abi::IS_NOT_LEADER);
  EXPECT_EQ(pack.progress.back().next_leader_slot, UNKNOWN_SLOT);
  EXPECT_EQ(pack.progress.back().current_slot, 6u);

  // Pack freed everything it was given: agave's ids hold nothing once cleaned.
  s->agave.tpu_allocator.clean_remote_free_lists();
  EXPECT_EQ(s->agave.tpu_allocator.usage(0).allocations, 0u);
  for (std::uint32_t w = 0; w < 2; ++w) {
    s->agave.workers[w].allocator.clean_remote_free_lists();
    EXPECT_EQ(s->agave.workers[w].allocator.usage(1 + w).allocations, 0u);
  }
  const std::string json = stats_json(r, true);
  EXPECT_NE(json.find("\"not_included\""), std::string::npos);
  EXPECT_NE(json.find("\"blocks\""), std::string::npos);
}

TEST(SimRun, StopFlagEndsTheRunEarly) {
  auto s = test::make_session(1);
  ASSERT_NE(s, nullptr);
  SimConfig cfg;
  cfg.slots = 1000;
  cfg.slot_ms = 20;
  cfg.tx_per_slot = 10;
  std::atomic<bool> stop{true};
  RunHooks hooks;
  hooks.stop = &stop;
  auto report = run(cfg, s->agave, hooks);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->slots.size(), 0u);
  // The final progress message is still sent.
  s->pack.progress_tracker.sync();
  const auto* m = s->pack.progress_tracker.try_read();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->leader_state, abi::IS_NOT_LEADER);
}

TEST(SimRun, InvalidConfigIsAnError) {
  auto s = test::make_session(1);
  ASSERT_NE(s, nullptr);
  SimConfig cfg;
  cfg.leader_every = 2; // below the 4-slot window
  auto report = run(cfg, s->agave);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("leader_every"), std::string::npos);
}

} // namespace
} // namespace extpack::sim
