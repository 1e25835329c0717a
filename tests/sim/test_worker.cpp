// Worker message handling over a real in-memory session: validation of untrusted batches,
// execution responses and RESOLVE round trips, with pack's allocator on the other side.
#include <cstring>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "extpack/sim/worker.hpp"
#include "extpack/txn/analyze.hpp"
#include "sim_test_util.hpp"
#include "testutil.hpp"

namespace extpack::sim {
namespace {

namespace nir = abi::not_included_reasons;

struct WorkerTest : ::testing::Test {
  void SetUp() override {
    s = test::make_session(1);
    ASSERT_NE(s, nullptr);
    bank = std::make_unique<Bank>(BankConfig{}, counters);
    bank->advance(5, true, nullptr, nullptr);
    worker = std::make_unique<Worker>(0, s->agave.workers[0], *bank, alts, counters, clock,
                                      WorkerConfig{});
  }
  shm::Allocator& pack_alloc() { return s->pack.allocators[0]; }

  /// Copies `txs` into pack's memory and builds the message; `regions` gets the array.
  abi::PackToWorkerMessage batch(const std::vector<std::vector<std::uint8_t>>& txs,
                                 std::uint16_t flags = abi::pack_message_flags::NONE) {
    auto* arr = static_cast<abi::SharableTransactionRegion*>(
        pack_alloc().allocate(static_cast<std::uint32_t>(txs.size() * 16)));
    EXPECT_NE(arr, nullptr);
    for (std::size_t i = 0; i < txs.size(); ++i) {
      void* p = pack_alloc().allocate(static_cast<std::uint32_t>(txs[i].size()));
      EXPECT_NE(p, nullptr);
      std::memcpy(p, txs[i].data(), txs[i].size());
      arr[i] = {pack_alloc().offset(p), static_cast<std::uint32_t>(txs[i].size()), 0};
    }
    abi::PackToWorkerMessage m{};
    m.flags = flags;
    m.max_execution_slot = UINT64_MAX;
    m.batch.num_transactions = static_cast<std::uint8_t>(txs.size());
    m.batch.transactions_offset = pack_alloc().offset(arr);
    return m;
  }
  std::uint64_t rejected(Rejection r) {
    return counters.not_processed[static_cast<std::size_t>(r)].load();
  }

  std::unique_ptr<test::MemSession> s;
  SimCounters counters;
  AltRegistry alts;
  SteadyClock clock;
  std::unique_ptr<Bank> bank;
  std::unique_ptr<Worker> worker;
};

TEST_F(WorkerTest, BeginHoldsLocksUntilCompleteAndReportsExecutionTime) {
  const Hash bh = bank->latest_blockhash();
  const auto m = batch({test::transfer(test::key(3), test::addr(3), bh, 20'000, 1'000)});
  const Worker::Pending p = worker->begin(m);
  ASSERT_TRUE(p.executed);
  ASSERT_EQ(p.answer.processed, abi::PROCESSED);
  EXPECT_EQ(p.ticket.included, 1u);
  EXPECT_GT(p.ticket.consumed_cus, 0u);
  EXPECT_LE(p.ticket.consumed_cus, 20'000u);
  // WorkerConfig's default 10 ns per consumed CU.
  EXPECT_EQ(p.busy_ns,
            static_cast<std::int64_t>(10.0 * static_cast<double>(p.ticket.consumed_cus)));
  EXPECT_GT(bank->locks_held(), 0u);
  // What the bank committed is what executed_charge() predicts for the prepared transaction.
  ASSERT_EQ(worker->last_batch().size(), 1u);
  const Bank::Executed e = bank->executed_charge(worker->last_batch()[0]);
  abi::ExecutionResponse r;
  std::memcpy(&r, pack_alloc().ptr_from_offset(p.answer.responses.transaction_responses_offset),
              sizeof r);
  EXPECT_EQ(r.not_included_reason, nir::NONE);
  EXPECT_EQ(r.cost_units, e.cost_units);
  EXPECT_EQ(p.ticket.consumed_cus, e.consumed_cus);
  worker->complete(p);
  EXPECT_EQ(bank->locks_held(), 0u);
  worker->free_answer(p.answer);
}

TEST_F(WorkerTest, BeginOfARefusedMessageHoldsNothing) {
  abi::PackToWorkerMessage m{};
  m.flags = 0x40; // neither NONE nor RESOLVE
  m.batch.num_transactions = 1;
  const Worker::Pending p = worker->begin(m);
  EXPECT_FALSE(p.executed);
  EXPECT_EQ(p.busy_ns, 0);
  EXPECT_EQ(p.answer.processed, abi::NOT_PROCESSED);
  EXPECT_EQ(rejected(Rejection::BadFlags), 1u);
  worker->complete(p);
  EXPECT_EQ(bank->locks_held(), 0u);
}

TEST_F(WorkerTest, ExecutionBatchAnswersOneResponsePerTransaction) {
  const Hash bh = bank->latest_blockhash();
  const auto m =
      batch({test::transfer(test::key(1), test::addr(1), bh),
             test::transfer(test::key(2), test::addr(1), bh), std::vector<std::uint8_t>(100, 7)});
  const abi::WorkerToPackMessage w = worker->handle(m);
  ASSERT_EQ(w.processed, abi::PROCESSED);
  EXPECT_EQ(w.batch.num_transactions, 3);
  EXPECT_EQ(w.batch.transactions_offset, m.batch.transactions_offset);
  EXPECT_EQ(w.responses.tag, abi::worker_message_types::EXECUTION_RESPONSE);
  ASSERT_EQ(w.responses.num_transaction_responses, 3);
  ASSERT_TRUE(pack_alloc().check_region(w.responses.transaction_responses_offset, 3 * 24).ok());
  abi::ExecutionResponse r[3];
  std::memcpy(r, pack_alloc().ptr_from_offset(w.responses.transaction_responses_offset), sizeof r);
  EXPECT_EQ(r[0].not_included_reason, nir::NONE);
  EXPECT_GT(r[0].cost_units, 0u);
  EXPECT_EQ(r[1].not_included_reason, nir::ACCOUNT_IN_USE);
  EXPECT_EQ(r[2].not_included_reason, nir::SANITIZE_FAILURE);
  EXPECT_EQ(counters.batches.load(), 1u);
  // Pack frees the response array remotely; the worker's cleaning makes it reusable.
  pack_alloc().free(pack_alloc().ptr_from_offset(w.responses.transaction_responses_offset));
  s->agave.workers[0].allocator.clean_remote_free_lists();
  EXPECT_EQ(s->agave.workers[0].allocator.usage(1).allocations, 0u);
}

TEST_F(WorkerTest, SixtyFiveTransactionsAreNotProcessed) {
  auto m = batch({test::transfer(test::key(1), test::addr(1), bank->latest_blockhash())});
  m.batch.num_transactions = 65;
  const auto w = worker->handle(m);
  EXPECT_EQ(w.processed, abi::NOT_PROCESSED);
  EXPECT_EQ(w.batch.num_transactions, 65);
  EXPECT_EQ(w.responses.transaction_responses_offset, 0u);
  EXPECT_EQ(rejected(Rejection::BadCount), 1u);
  m.batch.num_transactions = 0;
  EXPECT_EQ(worker->handle(m).processed, abi::NOT_PROCESSED);
  EXPECT_EQ(rejected(Rejection::BadCount), 2u);
}

TEST_F(WorkerTest, BadFlagsAreNotProcessed) {
  auto m = batch({test::transfer(test::key(1), test::addr(1), bank->latest_blockhash())});
  for (std::uint16_t f : {std::uint16_t{1}, std::uint16_t{3}, std::uint16_t{0x8000}}) {
    m.flags = f;
    EXPECT_EQ(worker->handle(m).processed, abi::NOT_PROCESSED) << "flags " << f;
  }
  EXPECT_EQ(rejected(Rejection::BadFlags), 3u);
  EXPECT_EQ(counters.included.load(), 0u);
}

TEST_F(WorkerTest, BatchArrayOutsideTheAllocatorIsNotProcessed) {
  auto m = batch({test::transfer(test::key(1), test::addr(1), bank->latest_blockhash())});
  const std::uint64_t good = m.batch.transactions_offset;
  m.batch.transactions_offset = pack_alloc().layout().file_size + 4096; // past the end
  EXPECT_EQ(worker->handle(m).processed, abi::NOT_PROCESSED);
  m.batch.transactions_offset = good + 8; // misaligned: not the start of a slot
  EXPECT_EQ(worker->handle(m).processed, abi::NOT_PROCESSED);
  m.batch.transactions_offset = UINT64_MAX - 4;
  EXPECT_EQ(worker->handle(m).processed, abi::NOT_PROCESSED);
  EXPECT_EQ(rejected(Rejection::BadBatchRegion), 3u);
}

TEST_F(WorkerTest, TransactionRegionsAreChecked) {
  auto m = batch({test::transfer(test::key(1), test::addr(1), bank->latest_blockhash())});
  auto* arr = reinterpret_cast<abi::SharableTransactionRegion*>(
      pack_alloc().ptr_from_offset(m.batch.transactions_offset));
  const auto good = arr[0];
  arr[0].offset = good.offset + 1; // misaligned
  EXPECT_EQ(worker->handle(m).processed, abi::NOT_PROCESSED);
  arr[0].offset = pack_alloc().layout().file_size; // past the end
  EXPECT_EQ(worker->handle(m).processed, abi::NOT_PROCESSED);
  EXPECT_EQ(rejected(Rejection::BadTransactionRegion), 2u);
  arr[0] = good;
  arr[0].length = 1233; // above PACKET_DATA_SIZE
  EXPECT_EQ(worker->handle(m).processed, abi::NOT_PROCESSED);
  arr[0].length = 0;
  EXPECT_EQ(worker->handle(m).processed, abi::NOT_PROCESSED);
  EXPECT_EQ(rejected(Rejection::BadTransactionLength), 2u);
  arr[0] = good;
  EXPECT_EQ(worker->handle(m).processed, abi::PROCESSED);
}

TEST_F(WorkerTest, SendAndReceiveThroughTheQueues) {
  const auto m = batch({test::transfer(test::key(1), test::addr(1), bank->latest_blockhash())});
  ASSERT_TRUE(s->pack.pack_to_worker[0].try_write(m));
  s->pack.pack_to_worker[0].commit();
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> activity{0};
  std::thread t([&] { worker->run(stop, activity); });
  const abi::WorkerToPackMessage* w = nullptr;
  for (int i = 0; i < 5000 && w == nullptr; ++i) {
    s->pack.worker_to_pack[0].sync();
    w = s->pack.worker_to_pack[0].try_read();
    if (w == nullptr) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stop.store(true);
  t.join();
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->processed, abi::PROCESSED);
  EXPECT_EQ(w->batch.transactions_offset, m.batch.transactions_offset);
  EXPECT_GT(activity.load(), 0);
}

TEST_F(WorkerTest, UnsentAnswerIsFreedOnShutdown) {
  // A one-slot answer queue that pack never drains.
  auto small = test::make_session(1, 1);
  ASSERT_NE(small, nullptr);
  Worker w(0, small->agave.workers[0], *bank, alts, counters, clock, WorkerConfig{});
  std::atomic<bool> stop{true};
  abi::WorkerToPackMessage first{}, second{};
  first.processed = abi::NOT_PROCESSED;
  EXPECT_TRUE(w.send(first, stop));
  auto& a = small->agave.workers[0].allocator;
  void* mem = a.allocate(24);
  ASSERT_NE(mem, nullptr);
  second.processed = abi::PROCESSED;
  second.responses.num_transaction_responses = 1;
  second.responses.transaction_responses_offset = a.offset(mem);
  EXPECT_FALSE(w.send(second, stop));
  EXPECT_EQ(counters.responses_unsent.load(), 1u);
  EXPECT_EQ(a.usage(1).allocations, 0u);
}

/// The first mainnet transaction with lookup tables, by the data set's meta file.
std::vector<std::uint8_t> real_v0_with_lookups() {
  const auto dir = extpack::test::shared_data_dir();
  const auto txs = extpack::test::load_base64_lines(dir / "mainnet-transactions.txt");
  const auto meta = extpack::test::read_lines(dir / "mainnet-transactions.meta.jsonl");
  for (const auto& line : meta) {
    const auto j = nlohmann::json::parse(line);
    if (j.value("num_lookup_tables", 0) > 0) return txs.at(j.at("line").get<std::size_t>() - 1);
  }
  return {};
}

TEST_F(WorkerTest, ResolveRoundTripForARealV0Transaction) {
  const auto tx = real_v0_with_lookups();
  ASSERT_FALSE(tx.empty()) << "no transaction with lookup tables in the data set";
  txn::TransactionView v;
  ASSERT_EQ(txn::TransactionView::parse(tx, v), txn::ParseError::Ok);
  ASSERT_GT(v.num_lookups(), 0u);
  const std::size_t nw = v.num_loaded_writable(), nr = v.num_loaded_readonly();

  const auto legacy = test::transfer(test::key(1), test::addr(1), bank->latest_blockhash());
  const auto m =
      batch({tx, legacy, std::vector<std::uint8_t>(50, 1)}, abi::pack_message_flags::RESOLVE);
  const auto w = worker->handle(m);
  ASSERT_EQ(w.processed, abi::PROCESSED);
  EXPECT_EQ(w.responses.tag, abi::worker_message_types::RESOLVED);
  ASSERT_EQ(w.responses.num_transaction_responses, 3);
  abi::Resolved r[3];
  std::memcpy(r, pack_alloc().ptr_from_offset(w.responses.transaction_responses_offset), sizeof r);

  EXPECT_EQ(r[0].success, abi::worker_message_types::RESOLVE_SUCCESS);
  EXPECT_EQ(r[0].slot, 5u);
  EXPECT_EQ(r[0].min_alt_deactivation_slot, UINT64_MAX);
  ASSERT_EQ(r[0].resolved_pubkeys.num_pubkeys, nw + nr);
  ASSERT_TRUE(pack_alloc().check_region(r[0].resolved_pubkeys.offset, (nw + nr) * 32).ok());
  const auto* keys =
      reinterpret_cast<const Pubkey*>(pack_alloc().ptr_from_offset(r[0].resolved_pubkeys.offset));
  std::size_t k = 0;
  for (std::size_t i = 0; i < v.num_lookups(); ++i) {
    for (std::uint8_t ix : v.lookup(i).writable)
      EXPECT_EQ(keys[k++], alts.entry(*v.lookup(i).table, ix));
  }
  for (std::size_t i = 0; i < v.num_lookups(); ++i) {
    for (std::uint8_t ix : v.lookup(i).readonly)
      EXPECT_EQ(keys[k++], alts.entry(*v.lookup(i).table, ix));
  }
  // A legacy transaction resolves to nothing, with nothing to free.
  EXPECT_EQ(r[1].success, abi::worker_message_types::RESOLVE_SUCCESS);
  EXPECT_EQ(r[1].resolved_pubkeys.num_pubkeys, 0u);
  // Garbage fails.
  EXPECT_EQ(r[2].success, abi::worker_message_types::RESOLVE_FAILURE);
  EXPECT_EQ(counters.resolved_ok.load(), 2u);
  EXPECT_EQ(counters.resolved_failed.load(), 1u);

  pack_alloc().free(pack_alloc().ptr_from_offset(r[0].resolved_pubkeys.offset));
  pack_alloc().free(pack_alloc().ptr_from_offset(w.responses.transaction_responses_offset));
  s->agave.workers[0].allocator.clean_remote_free_lists();
  EXPECT_EQ(s->agave.workers[0].allocator.usage(1).allocations, 0u);
}

TEST_F(WorkerTest, ResolveFailsForAnIndexPastTheTable) {
  const AltRegistry small(8);
  Worker w(0, s->agave.workers[0], *bank, small, counters, clock, WorkerConfig{});
  const Keypair payer = test::key(1);
  MessageSpec ms;
  ms.v0 = true;
  ms.static_keys = {payer.pubkey, system_program_id()};
  ms.num_readonly_unsigned = 1;
  ms.instructions.push_back({1, {0, 2}, {}});
  ms.lookups.push_back({test::addr(9), {8}, {}});
  const Keypair* signers[] = {&payer};
  const auto ans =
      w.handle(batch({build_transaction(ms, signers)}, abi::pack_message_flags::RESOLVE));
  ASSERT_EQ(ans.processed, abi::PROCESSED);
  abi::Resolved r;
  std::memcpy(&r, pack_alloc().ptr_from_offset(ans.responses.transaction_responses_offset),
              sizeof r);
  EXPECT_EQ(r.success, abi::worker_message_types::RESOLVE_FAILURE);
  EXPECT_EQ(r.resolved_pubkeys.num_pubkeys, 0u);
}

} // namespace
} // namespace extpack::sim
