// Seed-mode sessions: create a directory of named regions, join it from both sides (in a
// forked child for the validator side) and pass traffic over every queue.
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "extpack/session/regions.hpp"

namespace {

namespace fs = std::filesystem;
namespace abi = extpack::abi;
namespace session = extpack::session;
namespace shm = extpack::shm;

fs::path temp_session_dir(const char* tag) {
  return fs::path("/dev/shm") / fmt::format("extpack-test-{}-{}", tag, ::getpid());
}

session::SessionConfig small_config(std::uint32_t workers) {
  session::SessionConfig cfg;
  cfg.num_workers = workers;
  cfg.allocator_handles = 2;
  cfg.allocator_size = 16ull * 1024 * 1024;
  cfg.tpu_to_pack_capacity = 256;
  cfg.progress_tracker_capacity = 16;
  cfg.pack_to_worker_capacity = 16;
  cfg.worker_to_pack_capacity = 16;
  return cfg;
}

TEST(SessionConfig, RejectsOutOfRangeValuesWithTheFieldName) {
  auto cfg = small_config(4);
  cfg.num_workers = 0;
  ASSERT_FALSE(cfg.validate());
  EXPECT_NE(cfg.validate().error().message.find("num_workers"), std::string::npos);
  cfg = small_config(65);
  EXPECT_FALSE(cfg.validate());
  cfg = small_config(4);
  cfg.allocator_handles = 129;
  EXPECT_NE(cfg.validate().error().message.find("allocator_handles"), std::string::npos);
  cfg = small_config(4);
  cfg.allocator_size = 4ull << 30; // the u32 layout math of rts-alloc 0.2.0 would wrap
  EXPECT_FALSE(cfg.validate());
  cfg = small_config(4);
  cfg.pack_to_worker_capacity = 1000;
  EXPECT_NE(cfg.validate().error().message.find("pack_to_worker_capacity"), std::string::npos);
}

TEST(SeedMode, CreateWritesManifestAndFilesOfTheRightSizes) {
  const auto dir = temp_session_dir("files");
  auto cfg = small_config(3);
  {
    auto regions = session::Regions::create(dir, cfg);
    ASSERT_TRUE(regions) << regions.error().message;
    auto m = session::read_manifest(dir);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->config.num_workers, 3u);
    EXPECT_EQ(m->config.allocator_handles, 2u);
    EXPECT_EQ(m->creator_pid, static_cast<long>(::getpid()));
    EXPECT_EQ(fs::file_size(dir / "allocator"), cfg.allocator_size);
    EXPECT_EQ(fs::file_size(dir / "tpu_to_pack"), 192u + 256u * 40u);
    EXPECT_EQ(fs::file_size(dir / "progress_tracker"), 192u + 16u * 48u);
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(fs::file_size(dir / fmt::format("pack_to_worker_{}", i)), 192u + 16u * 32u);
      EXPECT_EQ(fs::file_size(dir / fmt::format("worker_to_pack_{}", i)), 192u + 16u * 40u);
    }
    // rts-alloc magic, little-endian, at offset 0 of the allocator file.
    std::ifstream a(dir / "allocator", std::ios::binary);
    unsigned char magic[8] = {};
    a.read(reinterpret_cast<char*>(magic), 8);
    const unsigned char want[8] = {0x63, 0x6f, 0x6c, 0x61, 0x73, 0x74, 0x72, 0x00};
    EXPECT_EQ(std::memcmp(magic, want, 8), 0);
  }
  EXPECT_FALSE(fs::exists(dir)) << "the creator removes the session on destruction";
}

TEST(SeedMode, ExistingDirectoryIsNeverReused) {
  const auto dir = temp_session_dir("reuse");
  auto first = session::Regions::create(dir, small_config(1));
  ASSERT_TRUE(first) << first.error().message;
  auto second = session::Regions::create(dir, small_config(1));
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("in use by running process"), std::string::npos)
      << second.error().message;
}

TEST(SeedMode, StaleDirectoryFromACrashedCreatorIsReported) {
  const auto dir = temp_session_dir("stale");
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto r = session::Regions::create(dir, small_config(1));
    if (!r) ::_exit(1);
    r->release(); // simulate a crash: the files stay behind
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto again = session::Regions::create(dir, small_config(1));
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("stale session directory"), std::string::npos)
      << again.error().message;
  EXPECT_NE(again.error().message.find(std::to_string(child)), std::string::npos);
  fs::remove_all(dir);
}

TEST(SeedMode, JoinRejectsATruncatedQueueFile) {
  const auto dir = temp_session_dir("trunc");
  auto regions = session::Regions::create(dir, small_config(2));
  ASSERT_TRUE(regions) << regions.error().message;
  fs::resize_file(dir / "worker_to_pack_1", 100);
  auto fds = session::open_regions(dir);
  ASSERT_FALSE(fds);
  EXPECT_NE(fds.error().message.find("worker_to_pack_1 is 100 bytes"), std::string::npos)
      << fds.error().message;
}

TEST(SeedMode, MissingDirectoryGivesAClearError) {
  auto fds = session::open_regions("/dev/shm/extpack-test-does-not-exist");
  ASSERT_FALSE(fds);
  EXPECT_NE(fds.error().message.find("manifest"), std::string::npos) << fds.error().message;
}

// The validator side runs in a child process: it joins by directory only, sends one
// transaction and one progress message, answers one batch per worker; pack checks all of it.
TEST(SeedMode, FullSessionBetweenTwoProcessesUsesEveryQueue) {
  const auto dir = temp_session_dir("traffic");
  constexpr std::uint32_t kWorkers = 3;
  auto regions = session::Regions::create(dir, small_config(kWorkers));
  ASSERT_TRUE(regions) << regions.error().message;

  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto fds = session::open_regions(dir);
    if (!fds) ::_exit(10);
    auto agave = session::AgaveSession::join(*fds);
    if (!agave) ::_exit(11);
    void* tx = agave->tpu_allocator.allocate(300);
    if (tx == nullptr) ::_exit(12);
    std::memset(tx, 0xAB, 300);
    abi::TpuToPackMessage m{};
    m.transaction = {agave->tpu_allocator.offset(tx), 300, 0};
    m.flags = abi::tpu_message_flags::FROM_STAKED_NODE;
    m.src_addr[10] = m.src_addr[11] = 0xFF;
    m.src_addr[12] = 127;
    m.src_addr[15] = 1;
    if (!agave->tpu_to_pack.try_write(m)) ::_exit(13);
    agave->tpu_to_pack.commit();
    abi::ProgressMessage p{};
    p.leader_state = abi::IS_LEADER;
    p.current_slot = 77;
    p.next_leader_slot = 80;
    p.leader_range_end = 83;
    p.remaining_cost_units = 60'000'000;
    p.current_slot_progress = 5;
    if (!agave->progress_tracker.try_write(p)) ::_exit(14);
    agave->progress_tracker.commit();
    for (std::uint32_t i = 0; i < kWorkers; ++i) {
      auto& w = agave->workers[i];
      const abi::PackToWorkerMessage* in = nullptr;
      for (int spins = 0; spins < 5000 && in == nullptr; ++spins) {
        w.pack_to_worker.sync();
        in = w.pack_to_worker.try_read();
        if (in == nullptr) ::usleep(1000);
      }
      if (in == nullptr) ::_exit(20 + static_cast<int>(i));
      abi::WorkerToPackMessage out{};
      out.batch = in->batch;
      w.pack_to_worker.finalize();
      auto* resp = static_cast<abi::ExecutionResponse*>(
          w.allocator.allocate(sizeof(abi::ExecutionResponse) * out.batch.num_transactions));
      if (resp == nullptr) ::_exit(30);
      for (int k = 0; k < out.batch.num_transactions; ++k) {
        resp[k] = abi::ExecutionResponse{};
        resp[k].cost_units = 1000u + i;
      }
      out.processed = abi::PROCESSED;
      out.responses.tag = abi::worker_message_types::EXECUTION_RESPONSE;
      out.responses.num_transaction_responses = out.batch.num_transactions;
      out.responses.transaction_responses_offset = w.allocator.offset(resp);
      if (!w.worker_to_pack.try_write(out)) ::_exit(31);
      w.worker_to_pack.commit();
    }
    ::_exit(0);
  }

  auto fds = session::open_regions(dir);
  ASSERT_TRUE(fds) << fds.error().message;
  auto pack = session::PackSession::join(*fds, 2);
  ASSERT_TRUE(pack) << pack.error().message;
  ASSERT_EQ(pack->num_workers(), kWorkers);
  ASSERT_EQ(pack->allocators[0].worker_id(), 1 + kWorkers);
  ASSERT_EQ(pack->allocators[1].worker_id(), 2 + kWorkers);

  // Pack sends one single-transaction batch to every worker first.
  auto& alloc = pack->allocators[0];
  for (std::uint32_t i = 0; i < kWorkers; ++i) {
    auto* batch = static_cast<abi::SharableTransactionRegion*>(alloc.allocate(16));
    ASSERT_NE(batch, nullptr);
    *batch = {alloc.offset(batch), 0, 0}; // a dummy region: the worker does not read it
    abi::PackToWorkerMessage msg{};
    msg.flags = abi::pack_message_flags::NONE;
    msg.max_execution_slot = 77;
    msg.batch.num_transactions = 1;
    msg.batch.transactions_offset = alloc.offset(batch);
    ASSERT_TRUE(pack->pack_to_worker[i].try_write(msg));
    pack->pack_to_worker[i].commit();
  }

  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "child failed at step " << WEXITSTATUS(status);

  pack->tpu_to_pack.sync();
  const auto* tpu = pack->tpu_to_pack.try_read();
  ASSERT_NE(tpu, nullptr);
  EXPECT_EQ(tpu->transaction.length, 300u);
  EXPECT_EQ(tpu->flags, abi::tpu_message_flags::FROM_STAKED_NODE);
  EXPECT_EQ(tpu->src_addr[12], 127);
  ASSERT_TRUE(alloc.check_region(tpu->transaction.offset, tpu->transaction.length));
  EXPECT_EQ(alloc.ptr_from_offset(tpu->transaction.offset)[299], 0xAB);
  alloc.free(alloc.ptr_from_offset(tpu->transaction.offset));
  pack->tpu_to_pack.finalize();

  pack->progress_tracker.sync();
  const auto* prog = pack->progress_tracker.try_read();
  ASSERT_NE(prog, nullptr);
  EXPECT_EQ(prog->leader_state, abi::IS_LEADER);
  EXPECT_EQ(prog->current_slot, 77u);
  EXPECT_EQ(prog->next_leader_slot, 80u);
  EXPECT_EQ(prog->leader_range_end, 83u);
  EXPECT_EQ(prog->remaining_cost_units, 60'000'000u);
  EXPECT_EQ(prog->current_slot_progress, 5);
  pack->progress_tracker.finalize();

  for (std::uint32_t i = 0; i < kWorkers; ++i) {
    auto& q = pack->worker_to_pack[i];
    q.sync();
    const auto* r = q.try_read();
    ASSERT_NE(r, nullptr) << "worker " << i;
    EXPECT_EQ(r->processed, abi::PROCESSED);
    EXPECT_EQ(r->batch.num_transactions, 1);
    EXPECT_EQ(r->responses.num_transaction_responses, 1);
    ASSERT_TRUE(alloc.check_region(r->responses.transaction_responses_offset, 24));
    const auto* resp = reinterpret_cast<const abi::ExecutionResponse*>(
        alloc.ptr_from_offset(r->responses.transaction_responses_offset));
    EXPECT_EQ(resp->not_included_reason, abi::not_included_reasons::NONE);
    EXPECT_EQ(resp->cost_units, 1000u + i);
    alloc.free(alloc.ptr_from_offset(r->responses.transaction_responses_offset));
    alloc.free(alloc.ptr_from_offset(r->batch.transactions_offset));
    q.finalize();
  }

  // Everything pack received or allocated is freed. Remote frees of the child's memory are
  // not yet cleaned (the child is gone) and count as free.
  for (const auto& u : alloc.usage_all())
    EXPECT_EQ(u.allocations, 0u);
}

} // namespace
