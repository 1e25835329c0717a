// The allocator and a queue together across two processes, the way the 3.1 protocol uses
// them: "agave" (parent, allocator id 0) allocates transaction bytes and sends their offsets
// on tpu_to_pack; "pack" (forked child, its own id) validates each region, checks the bytes
// and frees them — a remote free that agave drains with clean_remote_free_lists().
#include <chrono>
#include <cstring>
#include <thread>

#include <gtest/gtest.h>

#include "extpack/abi/messages.hpp"
#include "extpack/shm/allocator.hpp"
#include "extpack/shm/queue.hpp"
#include "shm_test_util.hpp"

namespace extpack::shm {
namespace {

using abi::TpuToPackMessage;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kMessages = 50'000;

std::uint8_t byte_of(std::uint64_t i, std::uint32_t k) {
  return static_cast<std::uint8_t>(i * 131 + k * 7);
}

TEST(ShmIpc, TransactionsFlowAndComeBack) {
  auto afd = test::make_memfd("alloc");
  auto qfd = test::make_memfd("tpu_to_pack");
  // 32 MiB, 2 MiB slabs: 15 slabs, far fewer than the bytes sent, so slots must be recycled.
  auto agave = Allocator::create(afd.get(), 32ull << 20, 3, AGAVE_SLAB_SIZE, 0);
  ASSERT_TRUE(agave.ok()) << agave.error().message;
  auto tx =
      Producer<TpuToPackMessage>::create(qfd.get(), queue_minimum_file_size<TpuToPackMessage>(256));
  ASSERT_TRUE(tx.ok()) << tx.error().message;

  pid_t pack = test::start_child([&]() {
    auto a = Allocator::join(afd.get(), 2);
    auto rx = Consumer<TpuToPackMessage>::join(qfd.get());
    if (!a.ok() || !rx.ok()) return 2;
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    std::uint64_t got = 0;
    while (got < kMessages) {
      rx->sync();
      const TpuToPackMessage* m = rx->try_read();
      if (m == nullptr) {
        if (Clock::now() > deadline) return 3;
        std::this_thread::yield();
        continue;
      }
      for (; m != nullptr; m = rx->try_read()) {
        const TpuToPackMessage msg = *m; // copy out of shared memory first
        if (!a->check_region(msg.transaction.offset, msg.transaction.length).ok()) return 4;
        const std::uint8_t* p = a->ptr_from_offset(msg.transaction.offset);
        for (std::uint32_t k = 0; k < msg.transaction.length; ++k) {
          if (p[k] != byte_of(got, k)) return 5;
        }
        if (msg.flags != (got & 7)) return 6;
        a->free(a->ptr_from_offset(msg.transaction.offset)); // remote: id 0 owns it
        ++got;
      }
      rx->finalize();
    }
    return a->stats().remote_frees == kMessages ? 0 : 7;
  });
  ASSERT_GT(pack, 0);

  const auto deadline = Clock::now() + std::chrono::seconds(60);
  std::uint64_t sent = 0;
  std::uint64_t stalls = 0;
  while (sent < kMessages && Clock::now() < deadline) {
    const auto len = static_cast<std::uint32_t>(1 + (sent * 37) % 1232);
    auto* p = static_cast<std::uint8_t*>(agave->allocate(len));
    if (p == nullptr) { // out of slabs until pack frees and we clean
      agave->clean_remote_free_lists();
      ++stalls;
      std::this_thread::yield();
      continue;
    }
    for (std::uint32_t k = 0; k < len; ++k)
      p[k] = byte_of(sent, k);
    TpuToPackMessage m{};
    m.transaction.offset = agave->offset(p);
    m.transaction.length = len;
    m.flags = static_cast<std::uint8_t>(sent & 7);
    while (!tx->try_write(m)) {
      tx->commit();
      tx->sync();
      agave->clean_remote_free_lists();
      std::this_thread::yield();
    }
    tx->commit();
    ++sent;
    if (sent % 128 == 0) agave->clean_remote_free_lists();
  }
  EXPECT_EQ(sent, kMessages);
  EXPECT_EQ(test::wait_child(pack), 0)
      << "2 join, 3 timeout, 4 check_region, 5 bytes, 6 flags, 7 remote free count";
  agave->clean_remote_free_lists();
  EXPECT_EQ(agave->usage(0).allocations, 0u);
  EXPECT_EQ(agave->usage(0).slabs, 0u);
  EXPECT_EQ(agave->stats().rejected_frees, 0u);
  EXPECT_EQ(agave->stats().corrupt_metadata, 0u);
  EXPECT_GT(agave->stats().remote_cleaned, 0u);
  RecordProperty("allocation_stalls", static_cast<int>(stalls));
}

} // namespace
} // namespace extpack::shm
