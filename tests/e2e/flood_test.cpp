// A flood far above capacity: a producer child writes 1,000,000 transactions to
// tpu_to_pack as fast as it can (allocator id 0, through the session API) while a
// responder thread in the same child plays the validator's progress and workers. The real
// extpack-pack runs with a container of 10,000 transactions.
//
// Checked:
//  - accounting: the producer's offered == sent + its counted drops (queue full, allocator
//    full); pack received exactly what was sent; received == included + sum(dropped);
//  - memory: pack's peak RSS (VmHWM) stays under a bound derived from its capacity, and its
//    private memory (RssAnon, sampled every 10 ms) under the same bound without the shared
//    files. Derivation, with B the value measured after pack joined and before the flood:
//      VmHWM   <= B_hwm  + S + H + F
//      RssAnon <= B_anon + H + F
//    S = allocator file + queue files (shared pages pack may touch, counted in RSS),
//    H = capacity x 1 KiB (per held transaction: container entry, priority-index node,
//        owned-set node, account-table entries for its few accounts — each well under that),
//    F = 32 MiB fixed (malloc arenas, vector doubling, in-flight table, log buffers).
//    Anything that grew with the 1,000,000 offered (a per-transaction leak of even 64 bytes)
//    would exceed it;
//  - nothing outstanding in the allocator once both processes are gone.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "child_process.hpp"
#include "extpack/session/regions.hpp"
#include "tx_builder.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using extpack::test::Child;
using extpack::test::read_json;
using extpack::test::read_text;
using json = nlohmann::json;
namespace session = extpack::session;
namespace abi = extpack::abi;

constexpr std::uint64_t OFFERED = 1'000'000;
constexpr std::uint64_t CAPACITY = 10'000;
constexpr std::uint32_t WORKERS = 2;
constexpr std::uint32_t RESPONSE_ARRAY_BYTES =
    abi::MAX_TRANSACTIONS_PER_MESSAGE * sizeof(abi::ExecutionResponse);

std::uint64_t status_kib(pid_t pid, const char* field) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  const std::string key = std::string(field) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::stoull(line.substr(key.size()));
  }
  return 0;
}

/// Progress (a new slot every 100 ms; leader once the producer has sent three containers'
/// worth, so the container overflows whatever the machine's speed) and a worker that
/// answers every batch as included, until `stop`.
void respond(session::AgaveSession& a, const std::atomic<bool>& stop,
             const std::atomic<std::uint64_t>& produced, json& out) {
  std::uint64_t answered = 0, unsent = 0, progress = 0;
  const auto start = std::chrono::steady_clock::now();
  auto last_progress = start - 1s;
  while (!stop.load(std::memory_order_acquire)) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_progress >= 10ms) {
      last_progress = now;
      abi::ProgressMessage m{};
      m.leader_state = produced.load(std::memory_order_relaxed) >= 3 * CAPACITY
                           ? abi::IS_LEADER
                           : abi::IS_NOT_LEADER;
      m.current_slot = 1 + static_cast<std::uint64_t>((now - start) / 100ms);
      m.next_leader_slot = UINT64_MAX;
      m.leader_range_end = UINT64_MAX;
      m.remaining_cost_units = 48'000'000;
      a.progress_tracker.sync();
      if (a.progress_tracker.try_write(m)) {
        a.progress_tracker.commit();
        ++progress;
      }
    }
    bool idle = true;
    for (auto& w : a.workers) {
      w.pack_to_worker.sync();
      while (const abi::PackToWorkerMessage* req = w.pack_to_worker.try_read()) {
        idle = false;
        const abi::PackToWorkerMessage r = *req;
        const std::uint32_t n = r.batch.num_transactions;
        // Every response array takes a slot of the largest one's class, which produce()
        // reserved before the flood.
        void* mem = w.allocator.allocate(RESPONSE_ARRAY_BYTES);
        if (mem == nullptr) {
          w.allocator.clean_remote_free_lists();
          mem = w.allocator.allocate(RESPONSE_ARRAY_BYTES);
        }
        abi::WorkerToPackMessage m{};
        m.batch = r.batch;
        if (mem == nullptr) {
          m.processed = abi::NOT_PROCESSED;
        } else {
          auto* rs = static_cast<abi::ExecutionResponse*>(mem);
          for (std::uint32_t i = 0; i < n; ++i) {
            rs[i] = abi::ExecutionResponse{};
            rs[i].cost_units = 1'000;
          }
          m.processed = abi::PROCESSED;
          m.responses.tag = abi::worker_message_types::EXECUTION_RESPONSE;
          m.responses.num_transaction_responses = static_cast<std::uint8_t>(n);
          m.responses.transaction_responses_offset = w.allocator.offset(mem);
        }
        bool sent = false;
        for (int tries = 0; tries < 100'000 && !sent; ++tries) {
          w.worker_to_pack.sync();
          sent = w.worker_to_pack.try_write(m);
          if (!sent) std::this_thread::sleep_for(10us);
        }
        if (sent) {
          w.worker_to_pack.commit();
          ++answered;
        } else {
          if (mem != nullptr) w.allocator.free(mem);
          ++unsent;
        }
      }
      w.pack_to_worker.finalize();
      w.allocator.clean_remote_free_lists();
    }
    if (idle) std::this_thread::sleep_for(50us);
  }
  out["answered"] = answered;
  out["unsent"] = unsent;
  out["progress"] = progress;
}

/// The producer child: floods, then keeps answering for a while, then writes its counts.
int produce(const fs::path& dir, const fs::path& out) {
  auto fds = session::open_regions(dir);
  if (!fds) return 10;
  auto a = session::AgaveSession::join(*fds);
  if (!a) return 11;
  // The workers hold a slab for their responses before the TPU side fills the file.
  for (auto& w : a->workers) {
    if (!w.allocator.reserve(RESPONSE_ARRAY_BYTES)) return 12;
  }
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> produced{0};
  json r;
  std::thread responder([&] { respond(*a, stop, produced, r); });
  std::uint64_t sent = 0, queue_full = 0, alloc_failed = 0;
  auto& alloc = a->tpu_allocator;
  auto& q = a->tpu_to_pack;
  for (std::uint64_t i = 0; i < OFFERED; ++i) {
    const auto bytes = extpack::test::build_tx({.payer = static_cast<std::uint32_t>(i % 50'000),
                                                .writable = {},
                                                .readonly = {},
                                                .cu_price = i % 1000,
                                                .salt = i});
    void* mem = alloc.allocate(static_cast<std::uint32_t>(bytes.size()));
    if (mem == nullptr) {
      alloc.clean_remote_free_lists();
      mem = alloc.allocate(static_cast<std::uint32_t>(bytes.size()));
    }
    if (mem == nullptr) {
      ++alloc_failed;
      continue;
    }
    std::memcpy(mem, bytes.data(), bytes.size());
    abi::TpuToPackMessage m{};
    m.transaction = {alloc.offset(mem), static_cast<std::uint32_t>(bytes.size()), 0};
    abi::TpuToPackMessage* slot = q.reserve();
    if (slot == nullptr) {
      q.sync();
      slot = q.reserve();
    }
    if (slot == nullptr) {
      alloc.free(mem); // never committed: still the producer's
      ++queue_full;
      continue;
    }
    std::memcpy(static_cast<void*>(slot), &m, sizeof m);
    if (++sent % 64 == 0) {
      q.commit();
      produced.store(sent, std::memory_order_relaxed);
    }
  }
  q.commit();
  produced.store(sent, std::memory_order_relaxed);
  // Let pack catch up on what is queued and answer its last batches.
  std::this_thread::sleep_for(1500ms);
  stop.store(true, std::memory_order_release);
  responder.join();
  alloc.clean_remote_free_lists();
  r["offered"] = OFFERED;
  r["sent"] = sent;
  r["queue_full"] = queue_full;
  r["alloc_failed"] = alloc_failed;
  std::ofstream(out) << r.dump();
  return 0;
}

TEST(Flood, MemoryStaysBoundedAndEveryTransactionIsCounted) {
  const fs::path work = fs::temp_directory_path() / fmt::format("extpack-flood-{}", ::getpid());
  fs::remove_all(work);
  fs::create_directories(work);
  const fs::path dir = fmt::format("/dev/shm/extpack-flood-{}", ::getpid());
  session::SessionConfig cfg;
  cfg.num_workers = WORKERS;
  cfg.allocator_size = 32ull * 1024 * 1024;
  cfg.tpu_to_pack_capacity = 1u << 14;
  auto regions = session::Regions::create(dir, cfg);
  ASSERT_TRUE(regions) << regions.error().message;

  Child pack = Child::spawn({fmt::format("{}/extpack-pack", EXTPACK_BIN_DIR), "--session-dir",
                             dir.string(), "--capacity", std::to_string(CAPACITY), "--stats-out",
                             (work / "pack.json").string(), "--log-level", "warn"},
                            work / "pack.log");
  ASSERT_TRUE(pack.started());
  std::this_thread::sleep_for(500ms); // joined and idle
  const std::uint64_t base_hwm = status_kib(pack.pid(), "VmHWM");
  const std::uint64_t base_anon = status_kib(pack.pid(), "RssAnon");
  ASSERT_GT(base_hwm, 0u) << read_text(work / "pack.log");

  Child producer = Child::fork([&] { return produce(dir, work / "producer.json"); });
  ASSERT_TRUE(producer.started());
  std::uint64_t hwm = base_hwm, anon = base_anon;
  std::optional<int> producer_exit;
  const auto deadline = std::chrono::steady_clock::now() + 240s;
  while (!(producer_exit = producer.wait(0ms)) && std::chrono::steady_clock::now() < deadline) {
    hwm = std::max(hwm, status_kib(pack.pid(), "VmHWM"));
    anon = std::max(anon, status_kib(pack.pid(), "RssAnon"));
    std::this_thread::sleep_for(10ms);
  }
  hwm = std::max(hwm, status_kib(pack.pid(), "VmHWM"));
  ASSERT_EQ(producer_exit, 0);
  pack.signal(SIGTERM);
  EXPECT_EQ(pack.wait(30s), 0) << read_text(work / "pack.log");

  const std::uint64_t shared_kib =
      (cfg.allocator_size + (cfg.tpu_to_pack_capacity + 1) * sizeof(abi::TpuToPackMessage) +
       (cfg.progress_tracker_capacity + 1) * sizeof(abi::ProgressMessage) +
       WORKERS * (cfg.pack_to_worker_capacity + 1) * sizeof(abi::PackToWorkerMessage) +
       WORKERS * (cfg.worker_to_pack_capacity + 1) * sizeof(abi::WorkerToPackMessage)) /
      1024;
  const std::uint64_t held_kib = CAPACITY * 1;
  const std::uint64_t fixed_kib = 32 * 1024;
  EXPECT_LE(hwm, base_hwm + shared_kib + held_kib + fixed_kib) << "baseline " << base_hwm << " KiB";
  EXPECT_LE(anon, base_anon + held_kib + fixed_kib) << "baseline " << base_anon << " KiB";
  RecordProperty("pack_vmhwm_kib", static_cast<int>(hwm));
  RecordProperty("pack_rss_anon_peak_kib", static_cast<int>(anon));

  const json p = read_json(work / "producer.json");
  const json s = read_json(work / "pack.json");
  ASSERT_TRUE(p.is_object());
  ASSERT_TRUE(s.is_object()) << read_text(work / "pack.log");
  const auto sent = p.value("sent", 0ull);
  const auto received = s.value("received", 0ull);
  EXPECT_EQ(p.value("offered", 0ull),
            sent + p.value("queue_full", 0ull) + p.value("alloc_failed", 0ull));
  // It really was a flood: far more arrived than pack could hold, so the container
  // overflowed (refusals and evictions). How much of it the blocks took depends on how
  // many 100 ms slots the flood lasted, i.e. on the machine's speed, so it is not bounded
  // here beyond that. (Whether the producer also saw tpu_to_pack full depends on how fast
  // pack drained it.)
  EXPECT_GT(received, CAPACITY); // the queue holds more than the container; pack drains it
  const json& dropped = s["dropped"];
  EXPECT_GT(dropped.value("container_full", 0ull) + dropped.value("evicted", 0ull), 0u) << s.dump();
  EXPECT_EQ(received, sent);
  EXPECT_EQ(p.value("offered", 0ull),
            received + p.value("queue_full", 0ull) + p.value("alloc_failed", 0ull));
  EXPECT_EQ(received, s.value("included", 0ull) + s.value("dropped_total", 0ull));
  EXPECT_GT(s.value("included", 0ull), 0u) << s.dump();
  // Pack keeps the slab of its batch arrays (Allocator::reserve): a flood cannot starve it.
  EXPECT_EQ(s.value("batch_alloc_failures", 1ull), 0u) << s.dump();
  EXPECT_TRUE(s["rejected_messages"].empty()) << s["rejected_messages"].dump();

  auto fds = session::open_regions(dir);
  ASSERT_TRUE(fds);
  auto a = extpack::shm::Allocator::join(fds->allocator.get(), 0);
  ASSERT_TRUE(a);
  const auto usage = a->usage_all();
  for (std::size_t id = 0; id < usage.size(); ++id)
    EXPECT_EQ(usage[id].allocations, 0u) << "allocator id " << id;
  fmt::print("flood: offered {} sent {} queue_full {} alloc_failed {} received {} included {} "
             "dropped {}; pack VmHWM {} KiB (baseline {}), RssAnon peak {} KiB (baseline {})\n",
             OFFERED, sent, p.value("queue_full", 0ull), p.value("alloc_failed", 0ull), received,
             s.value("included", 0ull), s.value("dropped_total", 0ull), hwm, base_hwm, anon,
             base_anon);
  fs::remove_all(work);
}

} // namespace
