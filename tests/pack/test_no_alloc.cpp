// No heap allocation per transaction: a pack runtime loop in steady state (ingest,
// scheduling, dispatch, responses, frees, slot changes) over thousands of transactions
// calls the global operator new zero times. The executable links the counting operator
// new (tools/alloc_counter); the validator side of the loop is written against the queues
// and allocators directly so that it allocates nothing either.
#include <cstring>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "alloc_counter.hpp"
#include "extpack/pack/owned_slots.hpp"
#include "extpack/txn/analyze.hpp"
#include "mock_validator.hpp"
#include "tx_builder.hpp"

namespace extpack::pack {
namespace {

using test::MockValidator;

/// Offsets inside a one-signature legacy transaction from build_tx: the first signature
/// starts after the compact-u16 count, the first account key (the payer) after the
/// signatures, the 3-byte header and the compact-u16 key count.
constexpr std::size_t SIG_OFFSET = 1;
constexpr std::size_t PAYER_OFFSET = 1 + 64 + 3 + 1;

/// Drives a PackRuntime as the validator would, without allocating. A round is one leader
/// slot: progress for a new slot, `n` transactions (distinct signatures and payers, so
/// nothing is a duplicate and nothing conflicts), a poll (ingest, then one scheduling pass),
/// every batch answered as included, a poll (responses and frees; nothing is left to
/// schedule, so no pass), and the validator cleans its remote-free lists. Each round has
/// the same polls and passes whatever `n` is, which lets a test tell allocations that
/// scale with transactions from fixed per-pass ones.
class SteadyLoop {
public:
  explicit SteadyLoop(const char* policy)
      : v_(2), tmpl_(test::build_tx({.payer = 0, .readonly = {3}, .cu_price = 1000})) {
    RuntimeConfig cfg = test::test_runtime_config();
    cfg.sched.capacity = 1024;
    rt_ = std::make_unique<PackRuntime>(v_.pack, cfg, sched::make_policy(policy));
  }

  /// The template patched for transaction `n`, checked by parsing it back.
  [[nodiscard]] bool template_patches_as_expected() {
    std::vector<std::uint8_t> b = tmpl_;
    patch(b.data(), 0x1234'5678);
    txn::Analysis a;
    if (txn::analyze(b, a) != txn::AnalyzeStatus::Ok) return false;
    std::uint32_t sig = 0, payer = 0;
    std::memcpy(&sig, a.view.signature(0).data(), 4);
    std::memcpy(&payer, a.view.fee_payer().data(), 4);
    return sig == 0x1234'5678 && payer == 0x1234'5678;
  }

  void round(std::size_t n) {
    progress(++slot_);
    for (std::size_t i = 0; i < n; ++i)
      send(next_++);
    rt_->poll_once(); // ingest, then dispatch
    answer_all();
    rt_->poll_once(); // responses and frees
    v_.agave.tpu_allocator.clean_remote_free_lists();
    for (auto& w : v_.agave.workers)
      w.allocator.clean_remote_free_lists();
  }

  [[nodiscard]] PackRuntime& runtime() { return *rt_; }
  [[nodiscard]] std::uint64_t sent() const { return next_; }
  [[nodiscard]] MockValidator& validator() { return v_; }

private:
  static void patch(std::uint8_t* b, std::uint32_t n) {
    std::memcpy(b + SIG_OFFSET, &n, sizeof n);
    std::memcpy(b + PAYER_OFFSET, &n, sizeof n);
  }

  void progress(std::uint64_t slot) {
    abi::ProgressMessage m{};
    m.leader_state = abi::IS_LEADER;
    m.current_slot = slot;
    m.next_leader_slot = UINT64_MAX;
    m.leader_range_end = UINT64_MAX;
    m.remaining_cost_units = 60'000'000;
    m.current_slot_progress = 50;
    auto& q = v_.agave.progress_tracker;
    q.sync();
    ASSERT_TRUE(q.try_write(m));
    q.commit();
  }

  void send(std::uint64_t n) {
    auto& alloc = v_.agave.tpu_allocator;
    auto* mem =
        static_cast<std::uint8_t*>(alloc.allocate(static_cast<std::uint32_t>(tmpl_.size())));
    ASSERT_NE(mem, nullptr);
    std::memcpy(mem, tmpl_.data(), tmpl_.size());
    patch(mem, static_cast<std::uint32_t>(n + (1u << 20))); // never key(3), the readonly key
    abi::TpuToPackMessage m{};
    m.transaction.offset = alloc.offset(mem);
    m.transaction.length = static_cast<std::uint32_t>(tmpl_.size());
    auto& q = v_.agave.tpu_to_pack;
    q.sync();
    ASSERT_TRUE(q.try_write(m));
    q.commit();
  }

  void answer_all() {
    for (std::uint32_t w = 0; w < v_.agave.workers.size(); ++w) {
      auto& wk = v_.agave.workers[w];
      wk.pack_to_worker.sync();
      while (const abi::PackToWorkerMessage* p = wk.pack_to_worker.try_read()) {
        const abi::PackToWorkerMessage req = *p;
        const std::uint32_t n = req.batch.num_transactions;
        // Always room for a full batch: one size class per worker, whatever the batch size.
        auto* rs =
            static_cast<abi::ExecutionResponse*>(wk.allocator.allocate(static_cast<std::uint32_t>(
                abi::MAX_TRANSACTIONS_PER_MESSAGE * sizeof(abi::ExecutionResponse))));
        ASSERT_NE(rs, nullptr);
        for (std::uint32_t i = 0; i < n; ++i) {
          rs[i] = abi::ExecutionResponse{};
          rs[i].not_included_reason = abi::not_included_reasons::NONE;
          rs[i].cost_units = 5'000;
        }
        abi::WorkerToPackMessage m{};
        m.batch = req.batch;
        m.processed = abi::PROCESSED;
        m.responses.tag = abi::worker_message_types::EXECUTION_RESPONSE;
        m.responses.num_transaction_responses = static_cast<std::uint8_t>(n);
        m.responses.transaction_responses_offset = wk.allocator.offset(rs);
        wk.worker_to_pack.sync();
        ASSERT_TRUE(wk.worker_to_pack.try_write(m));
        wk.worker_to_pack.commit();
      }
      wk.pack_to_worker.finalize();
    }
  }

  MockValidator v_;
  std::vector<std::uint8_t> tmpl_;
  std::unique_ptr<PackRuntime> rt_;
  std::uint64_t next_ = 0;
  std::uint64_t slot_ = 100;
};

constexpr int ROUNDS = 40;
constexpr std::size_t SMALL = 64;  // transactions per round
constexpr std::size_t LARGE = 192; // three times as many, still one pass per round

/// Heap allocations over ROUNDS rounds of `n` transactions; checks that every one of them
/// was included and nothing is left held.
std::size_t allocations_over_window(SteadyLoop& loop, std::size_t n) {
  const std::uint64_t included_before = loop.runtime().scheduler().counters().included;
  const std::uint64_t sent_before = loop.sent();
  const std::size_t before = test::allocation_count();
  for (int i = 0; i < ROUNDS; ++i)
    loop.round(n);
  const std::size_t allocations = test::allocation_count() - before;
  const std::uint64_t sent = loop.sent() - sent_before;
  const std::uint64_t included = loop.runtime().scheduler().counters().included - included_before;
  EXPECT_EQ(sent, ROUNDS * n);
  // The loop did the work it claims: everything sent was ingested, scheduled in the
  // round's one pass, answered and included; nothing is left queued, in flight or owned.
  EXPECT_EQ(included, sent);
  EXPECT_EQ(loop.runtime().scheduler().container().size(), 0u);
  EXPECT_EQ(loop.runtime().in_flight_batches(), 0u);
  EXPECT_EQ(loop.runtime().owned_regions(), 0u);
  return allocations;
}

class NoAllocation : public ::testing::TestWithParam<const char*> {};

// Allocations per transaction: the same rounds with three times the transactions must not
// allocate once more. Ingest (analysis, admission, signature and account indexes,
// ownership), dispatch (batch arrays, in-flight table) and responses all run per
// transaction or per batch, so any allocation there makes the larger window allocate more.
TEST_P(NoAllocation, NothingAllocatedPerTransactionInSteadyState) {
  SteadyLoop loop(GetParam());
  ASSERT_TRUE(loop.template_patches_as_expected());
  // Warm-up: every vector, pool and table reaches its working size.
  for (int i = 0; i < ROUNDS; ++i)
    loop.round(LARGE);
  ASSERT_FALSE(::testing::Test::HasFailure());

  test::trace_allocations(4); // a failure then shows where allocations came from
  const std::size_t small = allocations_over_window(loop, SMALL);
  const std::size_t large = allocations_over_window(loop, LARGE);
  test::trace_allocations(0);
  EXPECT_EQ(large, small) << "allocations over " << ROUNDS * SMALL << " and " << ROUNDS * LARGE
                          << " transactions in the same rounds";
  RecordProperty("allocations_per_round", static_cast<int>(large / ROUNDS));

  loop.runtime().shutdown();
  EXPECT_EQ(loop.validator().outstanding(), 0u);
}

// Nothing at all, per pass included: the pass's scratch lives in the scheduler, the
// policies' per-pass state keeps its capacity, the allocator's remote-free ledger is
// allocated with the handle.
TEST_P(NoAllocation, NothingAllocatedAtAllInSteadyState) {
  SteadyLoop loop(GetParam());
  for (int i = 0; i < ROUNDS; ++i)
    loop.round(LARGE);
  test::trace_allocations(8);
  const std::size_t allocations = allocations_over_window(loop, LARGE);
  test::trace_allocations(0);
  EXPECT_EQ(allocations, 0u) << "heap allocations over " << ROUNDS * LARGE << " transactions";
}

INSTANTIATE_TEST_SUITE_P(Policies, NoAllocation, ::testing::Values("fifo", "greedy", "extpack"),
                         [](const auto& p) { return std::string(p.param); });

// The check above can fail: the same counter sees an allocation made inside a window.
TEST(NoAllocationCounter, SeesAnAllocationInTheWindow) {
  const std::size_t before = test::allocation_count();
  auto v = std::make_unique<std::vector<int>>(100, 7);
  const std::size_t allocations = test::allocation_count() - before;
  EXPECT_EQ(allocations, 2u); // the vector object and its buffer
  EXPECT_EQ((*v)[99], 7);
}

// The ownership bitmap that replaced a hash set: exact membership for slot starts, no
// member outside the slab area or off the 256-byte grid.
TEST(OwnedSlots, MembershipIsExactPerSlotStart) {
  OwnedSlots s(4096, 8 * 1024 * 1024); // slab area [4096, 4096 + 8 MiB)
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(s.insert(4096));
  EXPECT_FALSE(s.insert(4096)); // already held
  EXPECT_TRUE(s.insert(4096 + 256));
  EXPECT_TRUE(s.insert(4096 + 8 * 1024 * 1024 - 256)); // last slot
  EXPECT_EQ(s.size(), 3u);
  EXPECT_TRUE(s.contains(4096 + 256));
  EXPECT_FALSE(s.contains(4096 + 512));
  EXPECT_FALSE(s.contains(4096 + 128)); // not a slot start
  EXPECT_FALSE(s.insert(4096 + 128));
  EXPECT_FALSE(s.insert(0));                      // before the area
  EXPECT_FALSE(s.insert(4096 + 8 * 1024 * 1024)); // past the end
  EXPECT_FALSE(s.contains(4096 + 8 * 1024 * 1024));
  EXPECT_TRUE(s.erase(4096 + 256));
  EXPECT_FALSE(s.erase(4096 + 256));
  EXPECT_FALSE(s.contains(4096 + 256));
  EXPECT_EQ(s.size(), 2u);
}

TEST(OwnedSlots, OperationsDoNotAllocate) {
  OwnedSlots s(0, 64 * 1024 * 1024);
  const std::size_t before = test::allocation_count();
  for (std::uint64_t i = 0; i < 10'000; ++i)
    s.insert(i * 4096);
  for (std::uint64_t i = 0; i < 10'000; i += 2)
    s.erase(i * 4096);
  EXPECT_EQ(test::allocation_count() - before, 0u);
  EXPECT_EQ(s.size(), 5'000u);
}

} // namespace
} // namespace extpack::pack
