// A scripted stand-in for Agave in one test process: creates a session over memfds, joins
// both sides, and lets a test feed transactions, progress and worker answers (well formed
// or hostile) to a PackRuntime. Everything the mock allocates it can also free, so a test
// can end with the allocator provably empty.
#pragma once

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "extpack/pack/runtime.hpp"
#include "extpack/sched/policies.hpp"
#include "extpack/session/session.hpp"
#include "extpack/shm/mapping.hpp"

namespace extpack::test {

class MockValidator {
public:
  explicit MockValidator(std::uint32_t workers = 2) {
    auto fd = [] {
      auto f = shm::memfd("/extpack-test");
      EXPECT_TRUE(f.ok());
      return std::move(*f);
    };
    fds.allocator = fd();
    fds.tpu_to_pack = fd();
    fds.progress_tracker = fd();
    for (std::uint32_t i = 0; i < workers; ++i) {
      fds.pack_to_worker.push_back(fd());
      fds.worker_to_pack.push_back(fd());
    }
    cfg.num_workers = workers;
    cfg.allocator_size = 16ull * 1024 * 1024;
    cfg.tpu_to_pack_capacity = 1024;
    cfg.progress_tracker_capacity = 64;
    cfg.pack_to_worker_capacity = 64;
    cfg.worker_to_pack_capacity = 64;
    auto r = session::initialize_regions(fds, cfg);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    auto a = session::AgaveSession::join(fds);
    EXPECT_TRUE(a.ok());
    agave = std::move(*a);
    auto p = session::PackSession::join(fds, 1);
    EXPECT_TRUE(p.ok());
    pack = std::move(*p);
  }

  /// Copies `bytes` into an allocation of the TPU id and queues it; returns its offset.
  std::uint64_t send_tx(const std::vector<std::uint8_t>& bytes, std::uint8_t flags = 0) {
    void* mem = agave.tpu_allocator.allocate(
        static_cast<std::uint32_t>(std::max<std::size_t>(bytes.size(), 1)));
    EXPECT_NE(mem, nullptr);
    std::memcpy(mem, bytes.data(), bytes.size());
    abi::TpuToPackMessage m{};
    m.transaction.offset = agave.tpu_allocator.offset(mem);
    m.transaction.length = static_cast<std::uint32_t>(bytes.size());
    m.flags = flags;
    push_tpu(m);
    return m.transaction.offset;
  }
  void push_tpu(const abi::TpuToPackMessage& m) {
    agave.tpu_to_pack.sync();
    ASSERT_TRUE(agave.tpu_to_pack.try_write(m));
    agave.tpu_to_pack.commit();
  }

  void progress(bool leader, std::uint64_t slot, std::uint64_t remaining = 60'000'000) {
    abi::ProgressMessage m{};
    m.leader_state = leader ? abi::IS_LEADER : abi::IS_NOT_LEADER;
    m.current_slot = slot;
    m.next_leader_slot = leader ? UINT64_MAX : slot + 1;
    m.leader_range_end = leader ? UINT64_MAX : slot + 4;
    m.remaining_cost_units = remaining;
    m.current_slot_progress = 10;
    push_progress(m);
  }
  void push_progress(const abi::ProgressMessage& m) {
    agave.progress_tracker.sync();
    ASSERT_TRUE(agave.progress_tracker.try_write(m));
    agave.progress_tracker.commit();
  }

  /// Every batch pack sent to worker `w` since the last call.
  std::vector<abi::PackToWorkerMessage> take(std::uint32_t w) {
    std::vector<abi::PackToWorkerMessage> v;
    auto& q = agave.workers[w].pack_to_worker;
    q.sync();
    while (const auto* m = q.try_read())
      v.push_back(*m);
    q.finalize();
    return v;
  }

  /// The transaction regions of a batch pack sent.
  std::vector<abi::SharableTransactionRegion> regions(const abi::PackToWorkerMessage& m) {
    std::vector<abi::SharableTransactionRegion> v(m.batch.num_transactions);
    std::memcpy(v.data(), agave.tpu_allocator.ptr_from_offset(m.batch.transactions_offset),
                v.size() * sizeof(abi::SharableTransactionRegion));
    return v;
  }

  /// Allocates and fills an execution-response array on worker `w`; returns its offset.
  std::uint64_t exec_responses(std::uint32_t w, const std::vector<std::uint8_t>& reasons,
                               std::uint64_t cost_units = 5'000) {
    auto& alloc = agave.workers[w].allocator;
    auto* rs = static_cast<abi::ExecutionResponse*>(alloc.allocate(
        static_cast<std::uint32_t>(reasons.size() * sizeof(abi::ExecutionResponse))));
    EXPECT_NE(rs, nullptr);
    for (std::size_t i = 0; i < reasons.size(); ++i) {
      rs[i] = abi::ExecutionResponse{};
      rs[i].not_included_reason = reasons[i];
      rs[i].cost_units = reasons[i] == 0 ? cost_units : 0;
      // Included transactions report their payer's balance: a funded payer (1 SOL).
      rs[i].fee_payer_balance = reasons[i] == 0 ? 1'000'000'000 : 0;
    }
    return alloc.offset(rs);
  }

  /// A well-formed answer to `req` with one reason per transaction; returns the
  /// message (already pushed).
  abi::WorkerToPackMessage answer(std::uint32_t w, const abi::PackToWorkerMessage& req,
                                  const std::vector<std::uint8_t>& reasons,
                                  std::uint64_t cost_units = 5'000) {
    abi::WorkerToPackMessage m{};
    m.batch = req.batch;
    m.processed = abi::PROCESSED;
    m.responses.tag = abi::worker_message_types::EXECUTION_RESPONSE;
    m.responses.num_transaction_responses = static_cast<std::uint8_t>(reasons.size());
    m.responses.transaction_responses_offset = exec_responses(w, reasons, cost_units);
    push_response(w, m);
    return m;
  }
  void push_response(std::uint32_t w, const abi::WorkerToPackMessage& m) {
    auto& q = agave.workers[w].worker_to_pack;
    q.sync();
    ASSERT_TRUE(q.try_write(m));
    q.commit();
  }

  /// Frees, as Agave's own id, an allocation pack refused to take over.
  void free_own(std::uint32_t worker_or_tpu, std::uint64_t offset) {
    shm::Allocator& a =
        worker_or_tpu == TPU ? agave.tpu_allocator : agave.workers[worker_or_tpu].allocator;
    a.free(a.ptr_from_offset(offset));
  }

  /// Allocations outstanding across every id (remote frees count as freed).
  std::uint64_t outstanding() const {
    std::uint64_t n = 0;
    for (const auto& u : agave.tpu_allocator.usage_all())
      n += u.allocations;
    return n;
  }
  std::uint64_t outstanding(std::uint32_t id) const {
    return agave.tpu_allocator.usage(id).allocations;
  }

  static constexpr std::uint32_t TPU = 0xFFFF'FFFF;

  session::SessionConfig cfg;
  session::SessionFds fds;
  session::AgaveSession agave;
  session::PackSession pack;
};

/// A runtime over the mock's pack side with small, test-friendly settings.
inline pack::RuntimeConfig test_runtime_config() {
  pack::RuntimeConfig c;
  c.sched.capacity = 512;
  c.shutdown_wait = std::chrono::milliseconds(20);
  c.clean_interval = 1;
  return c;
}

inline void poll(pack::PackRuntime& rt, int times = 3) {
  for (int i = 0; i < times; ++i)
    rt.poll_once();
}

} // namespace extpack::test
