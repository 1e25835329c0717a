// Each of the four 3.1 queues between two processes, with the roles of the 3.1 handshake
// (§3.5): the parent creates the file as Agave does, a forked child joins as pack. A small
// ring and many messages make both sides wrap and wait on each other; every field of every
// message is compared on the receiving side.
#include <chrono>
#include <cstring>
#include <thread>

#include <gtest/gtest.h>

#include "extpack/abi/messages.hpp"
#include "extpack/shm/queue.hpp"
#include "shm_test_util.hpp"

namespace extpack::shm {
namespace {

using namespace abi;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kCount = 20'000;
constexpr std::uint64_t kCapacity = 64;

TpuToPackMessage make(std::uint64_t i, const TpuToPackMessage*) {
  TpuToPackMessage m{};
  m.transaction.offset = 10'485'760 + i * 256;
  m.transaction.length = static_cast<std::uint32_t>(1 + i % 1232);
  m.flags = static_cast<std::uint8_t>(i & tpu_message_flags::ALL);
  for (int k = 0; k < 16; ++k)
    m.src_addr[k] = static_cast<std::uint8_t>(i * 31 + k);
  return m;
}
ProgressMessage make(std::uint64_t i, const ProgressMessage*) {
  ProgressMessage m{};
  m.leader_state = static_cast<std::uint8_t>(i & 1);
  m.current_slot = 300'000'000 + i;
  m.next_leader_slot = i % 5 == 0 ? UINT64_MAX : 300'000'004 + i;
  m.leader_range_end = i % 5 == 0 ? UINT64_MAX : 300'000'007 + i;
  m.remaining_cost_units = 48'000'000 - i;
  m.current_slot_progress = static_cast<std::uint8_t>(i % 101);
  return m;
}
PackToWorkerMessage make(std::uint64_t i, const PackToWorkerMessage*) {
  PackToWorkerMessage m{};
  m.flags = i % 2 ? pack_message_flags::RESOLVE : pack_message_flags::NONE;
  m.max_execution_slot = 300'000'000 + i / 3;
  m.batch.num_transactions = static_cast<std::uint8_t>(i % 65);
  m.batch.transactions_offset = 10'485'760 + (i % 507) * 2'097'152;
  return m;
}
WorkerToPackMessage make(std::uint64_t i, const WorkerToPackMessage*) {
  WorkerToPackMessage m{};
  m.batch.num_transactions = static_cast<std::uint8_t>(i % 65);
  m.batch.transactions_offset = 10'485'760 + (i % 507) * 2'097'152;
  m.processed = i % 7 == 0 ? NOT_PROCESSED : PROCESSED;
  m.responses.tag = static_cast<std::uint8_t>(i & 1);
  m.responses.num_transaction_responses = m.batch.num_transactions;
  m.responses.transaction_responses_offset = 10'485'760 + i * 4096;
  return m;
}
template <typename T> T make(std::uint64_t i) {
  return make(i, static_cast<const T*>(nullptr));
}

/// Writes kCount messages, waiting for space; false on timeout.
template <typename T> bool produce(Producer<T>& p) {
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  for (std::uint64_t i = 0; i < kCount;) {
    if (p.try_write(make<T>(i))) {
      ++i;
      if (i % 5 == 0) p.commit();
      continue;
    }
    p.commit();
    p.sync();
    if (Clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  p.commit();
  return true;
}

/// Reads kCount messages and counts those that differ in any byte from make<T>(i).
template <typename T> std::uint64_t consume(Consumer<T>& c, bool& timed_out) {
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  std::uint64_t bad = 0;
  for (std::uint64_t i = 0; i < kCount;) {
    c.sync();
    const T* m = c.try_read();
    if (m == nullptr) {
      if (Clock::now() > deadline || c.corrupt()) {
        timed_out = true;
        return bad;
      }
      std::this_thread::yield();
      continue;
    }
    do {
      const T want = make<T>(i);
      bad += std::memcmp(m, &want, sizeof(T)) != 0;
      ++i;
    } while (i < kCount && (m = c.try_read()) != nullptr);
    c.finalize();
  }
  return bad;
}

/// Agave produces (creates the file), pack consumes in a child.
template <typename T> void agave_to_pack() {
  auto fd = test::make_memfd();
  auto p = Producer<T>::create(fd.get(), queue_minimum_file_size<T>(kCapacity));
  ASSERT_TRUE(p.ok()) << p.error().message;
  pid_t child = test::start_child([&]() {
    auto c = Consumer<T>::join(fd.get());
    if (!c.ok()) return 2;
    if (c->capacity() != kCapacity) return 3;
    bool timed_out = false;
    const std::uint64_t bad = consume(*c, timed_out);
    if (timed_out) return 4;
    return bad == 0 ? 0 : 5;
  });
  ASSERT_GT(child, 0);
  EXPECT_TRUE(produce(*p));
  EXPECT_EQ(test::wait_child(child), 0) << "2 join, 3 capacity, 4 timeout, 5 message mismatch";
}

TEST(QueueIpc, TpuToPack) {
  agave_to_pack<TpuToPackMessage>();
}
TEST(QueueIpc, ProgressTracker) {
  agave_to_pack<ProgressMessage>();
}
TEST(QueueIpc, WorkerToPack) {
  agave_to_pack<WorkerToPackMessage>();
}

TEST(QueueIpc, PackToWorker) {
  // Agave creates this one as the consumer; pack joins as producer.
  auto fd = test::make_memfd();
  auto c = Consumer<PackToWorkerMessage>::create(
      fd.get(), queue_minimum_file_size<PackToWorkerMessage>(kCapacity) + 31); // slack
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->capacity(), kCapacity);
  pid_t child = test::start_child([&]() {
    auto p = Producer<PackToWorkerMessage>::join(fd.get());
    if (!p.ok()) return 2;
    return produce(*p) ? 0 : 4;
  });
  ASSERT_GT(child, 0);
  bool timed_out = false;
  std::uint64_t bad = consume(*c, timed_out);
  EXPECT_FALSE(timed_out);
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(test::wait_child(child), 0);
  // Spot-check real field values on this side too.
  const PackToWorkerMessage last = make<PackToWorkerMessage>(kCount - 1);
  EXPECT_EQ(last.flags, pack_message_flags::RESOLVE);
  EXPECT_EQ(last.batch.num_transactions, (kCount - 1) % 65);
}

TEST(QueueIpc, FieldsSurviveByteForByte) {
  // One message of each type, read back through the file with pread at the spec offsets.
  auto fd = test::make_memfd();
  auto p = Producer<WorkerToPackMessage>::create(fd.get(), 4096);
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p->try_write(make<WorkerToPackMessage>(13)));
  p->commit();
  std::uint8_t raw[40];
  ASSERT_EQ(::pread(fd.get(), raw, 40, 192), 40);
  std::uint64_t u64 = 0;
  EXPECT_EQ(raw[0], 13 % 65); // batch.num_transactions
  std::memcpy(&u64, raw + 8, 8);
  EXPECT_EQ(u64, 10'485'760u + 13u * 2'097'152u);
  EXPECT_EQ(raw[16], PROCESSED);
  EXPECT_EQ(raw[24], 1); // tag
  EXPECT_EQ(raw[25], 13 % 65);
  std::memcpy(&u64, raw + 32, 8);
  EXPECT_EQ(u64, 10'485'760u + 13u * 4096u);
  for (int k : {1, 2, 3, 4, 5, 6, 7, 17, 18, 19, 20, 21, 22, 23, 26, 27, 28, 29, 30, 31}) {
    EXPECT_EQ(raw[k], 0) << "padding byte " << k;
  }
}

} // namespace
} // namespace extpack::shm
