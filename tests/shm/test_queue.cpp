// shaq 0.2.0 queue: sizing, create/join validation, full/empty, batching, wrap-around,
// hostile positions, and a two-thread stress run (protocol-3.1.md §3).
#include <atomic>
#include <cstring>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

#include "extpack/abi/messages.hpp"
#include "extpack/shm/queue.hpp"
#include "shm_test_util.hpp"

namespace extpack::shm {
namespace {

using abi::TpuToPackMessage;
using test::make_memfd;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

struct Item {
  std::uint64_t seq;
  std::uint64_t payload;
};

TEST(QueueSizing, CapacityRoundingFromTheSpec) {
  static_assert(sizeof(TpuToPackMessage) == 40);
  EXPECT_EQ(queue_capacity_for<TpuToPackMessage>(1u << 20).value(), 16384u);
  EXPECT_EQ(queue_capacity_for<TpuToPackMessage>(64u << 20).value(), 1'048'576u);
  EXPECT_EQ(queue_capacity_for<TpuToPackMessage>(192 + 3 * 40).value(), 2u);
  EXPECT_EQ(queue_capacity_for<TpuToPackMessage>(192 + 40).value(), 1u);
  EXPECT_EQ(queue_capacity_for<TpuToPackMessage>(192 + 4 * 40).value(), 4u);
  EXPECT_EQ(queue_capacity_for<TpuToPackMessage>(192 + 8 * 40 - 1).value(), 4u);
  EXPECT_EQ(queue_minimum_file_size<TpuToPackMessage>(16384), 192u + 16384u * 40u);
  EXPECT_EQ(queue_minimum_file_size<abi::PackToWorkerMessage>(3), 192u + 96u); // not rounded
  auto small = queue_capacity_for<TpuToPackMessage>(100);
  ASSERT_FALSE(small.ok());
  EXPECT_TRUE(contains(small.error().message, "100 bytes")) << small.error().message;
  auto empty = queue_capacity_for<TpuToPackMessage>(192 + 39);
  ASSERT_FALSE(empty.ok());
  EXPECT_TRUE(contains(empty.error().message, "hold no 40-byte element")) << empty.error().message;
}

TEST(QueueCreate, WritesTheHeader) {
  auto fd = make_memfd();
  auto p = Producer<TpuToPackMessage>::create(fd.get(), 1u << 20);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->capacity(), 16384u);
  EXPECT_EQ(file_size(fd.get()).value(), 1u << 20);
  std::uint64_t h[3] = {1, 1, 0};
  ASSERT_EQ(::pread(fd.get(), &h[0], 8, 0), 8);
  ASSERT_EQ(::pread(fd.get(), &h[1], 8, 64), 8);
  ASSERT_EQ(::pread(fd.get(), &h[2], 8, 128), 8);
  EXPECT_EQ(h[0], 0u);
  EXPECT_EQ(h[1], 0u);
  EXPECT_EQ(h[2], 16384u);
  // A message lands at 192 + k * 40.
  TpuToPackMessage m{};
  m.transaction.offset = 0x1122334455667788ull;
  ASSERT_TRUE(p->try_write(m));
  ASSERT_TRUE(p->try_write(m));
  p->commit();
  std::uint64_t off = 0;
  ASSERT_EQ(::pread(fd.get(), &off, 8, 192 + 40), 8);
  EXPECT_EQ(off, 0x1122334455667788ull);
  ASSERT_EQ(::pread(fd.get(), &off, 8, 0), 8);
  EXPECT_EQ(off, 2u);
}

TEST(QueueJoin, RejectsWrongSizedFiles) {
  auto fd = make_memfd();
  ASSERT_EQ(::ftruncate(fd.get(), 100), 0);
  auto c = Consumer<TpuToPackMessage>::join(fd.get());
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(contains(c.error().message, "header alone needs 192")) << c.error().message;

  ASSERT_EQ(::ftruncate(fd.get(), 192 + 20), 0);
  c = Consumer<TpuToPackMessage>::join(fd.get());
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(contains(c.error().message, "hold no 40-byte element")) << c.error().message;

  auto fd0 = make_memfd();
  auto p0 = Producer<TpuToPackMessage>::join(fd0.get()); // empty file
  ASSERT_FALSE(p0.ok());
  EXPECT_TRUE(contains(p0.error().message, "0 bytes")) << p0.error().message;
}

TEST(QueueJoin, RejectsHeaderCapacityThatDoesNotMatchTheFile) {
  auto fd = make_memfd();
  auto p = Producer<Item>::create(fd.get(), queue_minimum_file_size<Item>(16));
  ASSERT_TRUE(p.ok());
  const std::uint64_t lie = 32;
  ASSERT_EQ(::pwrite(fd.get(), &lie, 8, 128), 8);
  auto c = Consumer<Item>::join(fd.get());
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(contains(c.error().message, "header says 32 elements")) << c.error().message;
  EXPECT_TRUE(contains(c.error().message, "holds 16")) << c.error().message;
}

TEST(QueueJoin, RejectsInconsistentPositions) {
  auto fd = make_memfd();
  auto p = Producer<Item>::create(fd.get(), queue_minimum_file_size<Item>(8));
  ASSERT_TRUE(p.ok());
  const std::uint64_t w = 100; // write 100, read 0: 100 items in an 8-slot ring
  ASSERT_EQ(::pwrite(fd.get(), &w, 8, 0), 8);
  auto c = Consumer<Item>::join(fd.get());
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(contains(c.error().message, "write 100 read 0 capacity 8")) << c.error().message;
}

class QueuePair : public ::testing::Test {
protected:
  void make(std::uint64_t capacity) {
    fd_ = make_memfd();
    auto p = Producer<Item>::create(fd_.get(), queue_minimum_file_size<Item>(capacity));
    ASSERT_TRUE(p.ok()) << p.error().message;
    p_ = std::move(*p);
    auto c = Consumer<Item>::join(fd_.get());
    ASSERT_TRUE(c.ok()) << c.error().message;
    c_ = std::move(*c);
  }
  QueueHeader& header() { return *reinterpret_cast<QueueHeader*>(mapped_header_.data()); }
  void map_header() {
    auto m = Mapping::map(fd_.get(), file_size(fd_.get()).value());
    ASSERT_TRUE(m.ok());
    mapped_header_ = std::move(*m);
  }
  UniqueFd fd_;
  Producer<Item> p_;
  Consumer<Item> c_;
  Mapping mapped_header_;
};

TEST_F(QueuePair, FullAndEmpty) {
  make(4);
  EXPECT_EQ(p_.capacity(), 4u);
  EXPECT_EQ(c_.try_read(), nullptr); // empty
  for (std::uint64_t i = 0; i < 4; ++i)
    ASSERT_TRUE(p_.try_write({i, i * 10}));
  EXPECT_FALSE(p_.try_write({4, 40})); // full
  EXPECT_EQ(p_.reserve(), nullptr);
  EXPECT_EQ(p_.len(), 4u);
  p_.commit();
  c_.sync();
  EXPECT_EQ(c_.len(), 4u);
  for (std::uint64_t i = 0; i < 2; ++i) {
    const Item* it = c_.try_read();
    ASSERT_NE(it, nullptr);
    EXPECT_EQ(it->seq, i);
  }
  c_.finalize();
  EXPECT_FALSE(p_.try_write({4, 40})); // producer has not synced yet
  p_.sync();
  EXPECT_EQ(p_.len(), 2u);
  EXPECT_TRUE(p_.try_write({4, 40}));
  EXPECT_TRUE(p_.try_write({5, 50}));
  EXPECT_FALSE(p_.try_write({6, 60}));
  p_.commit();
  c_.sync();
  for (std::uint64_t i = 2; i < 6; ++i) {
    const Item* it = c_.try_read();
    ASSERT_NE(it, nullptr);
    EXPECT_EQ(it->seq, i);
    EXPECT_EQ(it->payload, i * 10);
  }
  EXPECT_EQ(c_.try_read(), nullptr);
  EXPECT_TRUE(c_.is_empty());
  EXPECT_FALSE(c_.corrupt());
  EXPECT_FALSE(p_.corrupt());
}

TEST_F(QueuePair, NothingIsVisibleBeforeCommit) {
  make(64);
  for (std::uint64_t i = 0; i < 10; ++i)
    ASSERT_TRUE(p_.try_write({i, 0}));
  c_.sync();
  EXPECT_EQ(c_.try_read(), nullptr);
  p_.commit();
  c_.sync();
  EXPECT_EQ(c_.len(), 10u);
  // Reads are not returned to the producer before finalize.
  while (c_.try_read() != nullptr) {
  }
  p_.sync();
  EXPECT_EQ(p_.len(), 10u);
  c_.finalize();
  p_.sync();
  EXPECT_EQ(p_.len(), 0u);
}

TEST_F(QueuePair, CommitEveryNBatching) {
  make(256);
  constexpr std::uint64_t kN = 7;
  std::uint64_t next_read = 0;
  for (std::uint64_t i = 0; i < 10000; ++i) {
    p_.sync();
    while (!p_.try_write({i, ~i})) {
      p_.commit();
      c_.sync();
      while (const Item* it = c_.try_read()) {
        ASSERT_EQ(it->seq, next_read++);
      }
      c_.finalize();
      p_.sync();
    }
    if (i % kN == kN - 1) {
      p_.commit();
      c_.sync();
      // Exactly the committed items are visible.
      EXPECT_EQ(c_.len(), i + 1 - next_read);
    }
  }
  p_.commit();
  c_.sync();
  while (const Item* it = c_.try_read())
    ASSERT_EQ(it->seq, next_read++);
  EXPECT_EQ(next_read, 10000u);
}

TEST_F(QueuePair, WrapAroundManyLaps) {
  make(8);
  std::uint64_t rng = 12345;
  std::uint64_t written = 0;
  std::uint64_t read = 0;
  std::uint64_t sum_in = 0;
  std::uint64_t sum_out = 0;
  constexpr std::uint64_t kTotal = 100'000;
  while (read < kTotal) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    const std::uint64_t burst = (rng >> 33) % 9; // 0..8
    p_.sync();
    for (std::uint64_t k = 0; k < burst && written < kTotal; ++k) {
      const Item v{written, written * 2654435761ull};
      if (!p_.try_write(v)) break;
      sum_in += v.payload;
      ++written;
    }
    p_.commit();
    c_.sync();
    const std::uint64_t take = (rng >> 40) % 9;
    for (std::uint64_t k = 0; k < take; ++k) {
      const Item* it = c_.try_read();
      if (it == nullptr) break;
      ASSERT_EQ(it->seq, read);
      sum_out += it->payload;
      ++read;
    }
    c_.finalize();
  }
  EXPECT_EQ(sum_in, sum_out);
  EXPECT_GT(written / 8, 12'000u); // > 12k laps of the ring
  EXPECT_FALSE(c_.corrupt());
}

TEST_F(QueuePair, ConsumerDetectsHostileWritePositions) {
  make(8);
  map_header();
  for (std::uint64_t i = 0; i < 3; ++i)
    ASSERT_TRUE(p_.try_write({i, 0}));
  p_.commit();
  c_.sync();
  ASSERT_EQ(c_.len(), 3u);
  // More unread items than the ring holds.
  header().write.store(3 + 8 + 1);
  c_.sync();
  EXPECT_TRUE(c_.corrupt());
  EXPECT_EQ(c_.len(), 3u); // cached view unchanged: nothing beyond the ring is read
  for (std::uint64_t i = 0; i < 3; ++i)
    ASSERT_NE(c_.try_read(), nullptr);
  EXPECT_EQ(c_.try_read(), nullptr);
  // Moving backwards.
  auto fd2 = make_memfd();
  auto p2 = Producer<Item>::create(fd2.get(), queue_minimum_file_size<Item>(8));
  auto c2 = Consumer<Item>::join(fd2.get());
  ASSERT_TRUE(p2.ok() && c2.ok());
  for (std::uint64_t i = 0; i < 5; ++i)
    ASSERT_TRUE(p2->try_write({i, 0}));
  p2->commit();
  c2->sync();
  auto live = Mapping::map(fd2.get(), file_size(fd2.get()).value());
  ASSERT_TRUE(live.ok());
  reinterpret_cast<QueueHeader*>(live->data())->write.store(2);
  c2->sync();
  EXPECT_TRUE(c2->corrupt());
  EXPECT_EQ(c2->len(), 5u);
  // A huge value (wrapping) is also caught.
  auto fd3 = make_memfd();
  auto p3 = Producer<Item>::create(fd3.get(), queue_minimum_file_size<Item>(8));
  auto c3 = Consumer<Item>::join(fd3.get());
  ASSERT_TRUE(p3.ok() && c3.ok());
  auto live3 = Mapping::map(fd3.get(), file_size(fd3.get()).value());
  reinterpret_cast<QueueHeader*>(live3->data())->write.store(~0ull);
  c3->sync();
  EXPECT_TRUE(c3->corrupt());
  EXPECT_EQ(c3->try_read(), nullptr);
}

TEST_F(QueuePair, ProducerDetectsHostileReadPositions) {
  make(8);
  map_header();
  for (std::uint64_t i = 0; i < 4; ++i)
    ASSERT_TRUE(p_.try_write({i, 0}));
  p_.commit();
  header().read.store(5); // read past what was written
  p_.sync();
  EXPECT_TRUE(p_.corrupt());
  EXPECT_EQ(p_.len(), 4u); // still believes 4 are unread: it will not overwrite them
  for (std::uint64_t i = 4; i < 8; ++i)
    ASSERT_TRUE(p_.try_write({i, 0}));
  EXPECT_FALSE(p_.try_write({8, 0}));

  auto fd2 = make_memfd();
  auto p2 = Producer<Item>::create(fd2.get(), queue_minimum_file_size<Item>(8));
  ASSERT_TRUE(p2.ok());
  auto live = Mapping::map(fd2.get(), file_size(fd2.get()).value());
  auto* h = reinterpret_cast<QueueHeader*>(live->data());
  for (std::uint64_t i = 0; i < 6; ++i)
    ASSERT_TRUE(p2->try_write({i, 0}));
  p2->commit();
  h->read.store(4);
  p2->sync();
  EXPECT_FALSE(p2->corrupt());
  h->read.store(3); // moved backwards
  p2->sync();
  EXPECT_TRUE(p2->corrupt());
  EXPECT_EQ(p2->len(), 2u);
}

TEST(QueueThreads, ProducerConsumerStress) {
  auto fd = make_memfd();
  auto p = Producer<Item>::create(fd.get(), queue_minimum_file_size<Item>(1024));
  ASSERT_TRUE(p.ok());
  auto c = Consumer<Item>::join(fd.get());
  ASSERT_TRUE(c.ok());
  constexpr std::uint64_t kTotal = 1'000'000;
  std::uint64_t expect_sum = 0;
  for (std::uint64_t i = 0; i < kTotal; ++i)
    expect_sum += i * 0x9E3779B97F4A7C15ull;
  std::thread producer([&] {
    std::uint64_t i = 0;
    std::uint64_t since_commit = 0;
    while (i < kTotal) {
      if (p->try_write({i, i * 0x9E3779B97F4A7C15ull})) {
        ++i;
        if (++since_commit == 1 + (i % 61)) { // irregular commit batches
          p->commit();
          since_commit = 0;
        }
      } else {
        p->commit();
        p->sync();
        std::this_thread::yield();
      }
    }
    p->commit();
  });
  std::uint64_t next = 0;
  std::uint64_t sum = 0;
  std::uint64_t bad = 0;
  while (next < kTotal) {
    c->sync();
    bool any = false;
    while (const Item* it = c->try_read()) {
      bad += it->seq != next || it->payload != next * 0x9E3779B97F4A7C15ull;
      sum += it->payload;
      ++next;
      any = true;
    }
    c->finalize();
    if (!any) std::this_thread::yield();
  }
  producer.join();
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(sum, expect_sum);
  EXPECT_FALSE(c->corrupt());
  EXPECT_FALSE(p->corrupt());
}

} // namespace
} // namespace extpack::shm
