// Several threads, each with its own worker id and mapping, allocate, hand memory to each
// other, verify it and free it remotely, all at once. Meant to run under TSan too.
#include <atomic>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "extpack/shm/allocator.hpp"
#include "shm_test_util.hpp"

namespace extpack::shm {
namespace {

struct Parcel {
  std::uint64_t offset;
  std::uint32_t size;
  std::uint64_t tag;
};

struct Inbox {
  std::mutex mu;
  std::deque<Parcel> items;
};

std::uint64_t xorshift(std::uint64_t& x) {
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return x;
}

void fill(std::uint8_t* p, std::uint32_t size, std::uint64_t tag) {
  std::memset(p, static_cast<int>(tag & 0xFF), size);
  if (size >= 8) std::memcpy(p, &tag, 8);
}

/// Number of bytes that do not hold what fill() wrote.
std::uint32_t check(const std::uint8_t* p, std::uint32_t size, std::uint64_t tag) {
  std::uint32_t bad = 0;
  std::uint32_t from = 0;
  if (size >= 8) {
    std::uint64_t got = 0;
    std::memcpy(&got, p, 8);
    bad += got != tag ? 8 : 0;
    from = 8;
  }
  for (std::uint32_t i = from; i < size; ++i)
    bad += p[i] != static_cast<std::uint8_t>(tag);
  return bad;
}

TEST(AllocatorThreads, ConcurrentAllocateAndCrossFree) {
  constexpr std::uint32_t kThreads = 4;
  constexpr int kIters = 20000;
  auto fd = test::make_memfd();
  // 8 MiB of 16 KiB slabs: ~500 slabs, so slabs churn through the global list often.
  auto creator = Allocator::create(fd.get(), 8ull << 20, kThreads, 16384, 0);
  ASSERT_TRUE(creator.ok()) << creator.error().message;
  const std::uint32_t num_slabs = creator->layout().num_slabs;
  std::vector<Allocator> handles;
  for (std::uint32_t t = 0; t < kThreads; ++t) {
    auto h = Allocator::join(fd.get(), t);
    ASSERT_TRUE(h.ok()) << h.error().message;
    handles.push_back(std::move(*h));
  }
  std::vector<Inbox> inboxes(kThreads);
  std::atomic<std::uint64_t> corrupted{0};
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> failed_allocs{0};
  std::atomic<bool> go{false};

  auto worker = [&](std::uint32_t t) {
    Allocator& a = handles[t];
    std::uint64_t rng = 0x9E3779B97F4A7C15ull * (t + 1);
    std::vector<Parcel> mine; // kept a while, then freed locally
    while (!go.load(std::memory_order_acquire))
      std::this_thread::yield();
    for (int i = 0; i < kIters; ++i) {
      const auto size = static_cast<std::uint32_t>(1 + xorshift(rng) % 4096);
      auto* p = static_cast<std::uint8_t*>(a.allocate(size));
      if (p == nullptr) {
        failed_allocs.fetch_add(1, std::memory_order_relaxed);
      } else {
        const std::uint64_t tag = (std::uint64_t{t} << 56) | static_cast<std::uint64_t>(i);
        fill(p, size, tag);
        Parcel parcel{a.offset(p), size, tag};
        bool handed = false;
        if (xorshift(rng) % 3 != 0) {
          // With 2 cores a descheduled receiver cannot drain its inbox; cap what is in
          // flight so memory does not pile up there.
          Inbox& to = inboxes[(t + 1 + xorshift(rng) % (kThreads - 1)) % kThreads];
          std::lock_guard lock(to.mu);
          if (to.items.size() < 128) {
            to.items.push_back(parcel);
            handed = true;
            sent.fetch_add(1, std::memory_order_relaxed);
          }
        }
        if (!handed) mine.push_back(parcel);
      }
      if (mine.size() > 16) {
        const Parcel& q = mine.front();
        corrupted.fetch_add(check(a.ptr_from_offset(q.offset), q.size, q.tag));
        a.free(a.ptr_from_offset(q.offset));
        mine.erase(mine.begin());
      }
      std::deque<Parcel> got;
      {
        std::lock_guard lock(inboxes[t].mu);
        got.swap(inboxes[t].items);
      }
      for (const Parcel& q : got) {
        if (!a.check_region(q.offset, q.size).ok()) corrupted.fetch_add(1);
        corrupted.fetch_add(check(a.ptr_from_offset(q.offset), q.size, q.tag));
        a.free(a.ptr_from_offset(q.offset)); // remote: another id owns it
      }
      if (i % 64 == 0) a.clean_remote_free_lists();
      if (i % 16 == 0) std::this_thread::yield(); // interleave even on 2 cores
    }
    for (const Parcel& q : mine)
      a.free(a.ptr_from_offset(q.offset));
  };

  std::vector<std::thread> threads;
  for (std::uint32_t t = 0; t < kThreads; ++t)
    threads.emplace_back(worker, t);
  go.store(true, std::memory_order_release);
  for (auto& th : threads)
    th.join();

  // Quiescent now: deliver what is left, then let every owner drain its remote frees.
  for (std::uint32_t t = 0; t < kThreads; ++t) {
    for (const Parcel& q : inboxes[t].items) {
      corrupted.fetch_add(check(handles[t].ptr_from_offset(q.offset), q.size, q.tag));
      handles[t].free(handles[t].ptr_from_offset(q.offset));
    }
  }
  std::uint64_t remote = 0;
  for (auto& h : handles)
    remote += h.stats().remote_frees;
  for (auto& h : handles)
    h.clean_remote_free_lists();

  EXPECT_EQ(corrupted.load(), 0u);
  // How much traffic there was depends on how the threads interleave on the machine's
  // cores; enough that it really crossed threads is all that is asserted.
  EXPECT_GT(sent.load(), 500u);
  EXPECT_GT(remote, 500u);
  for (std::uint32_t t = 0; t < kThreads; ++t) {
    const WorkerUsage u = creator->usage(t);
    EXPECT_EQ(u.allocations, 0u) << "worker " << t;
    EXPECT_EQ(u.slabs, 0u) << "worker " << t;
    EXPECT_EQ(handles[t].stats().rejected_frees, 0u);
    EXPECT_EQ(handles[t].stats().corrupt_metadata, 0u);
  }
  // Every slab is back on the global list exactly once.
  std::vector<int> seen(num_slabs, 0);
  std::uint32_t count = 0;
  const auto* hdr = reinterpret_cast<const AllocHeader*>(creator->base());
  const auto* nodes =
      reinterpret_cast<const AllocListNode*>(creator->base() + hdr->free_list_elements_offset);
  for (std::uint32_t s = hdr->global_free_list_head.load(); s != ALLOC_NULL_U32;
       s = nodes[s].global_next.load()) {
    ASSERT_LT(s, num_slabs);
    ASSERT_EQ(seen[s]++, 0) << "slab " << s << " twice on the global list";
    ++count;
  }
  EXPECT_EQ(count, num_slabs);
  std::uint64_t taken = 0;
  for (auto& h : handles)
    taken += h.stats().slabs_taken;
  EXPECT_GT(taken, 10u) << "slabs should churn through the global list";
  RecordProperty("failed_allocs", static_cast<int>(failed_allocs.load()));
  std::printf("sent %llu remote %llu failed allocs %llu slabs taken %llu\n",
              static_cast<unsigned long long>(sent.load()), static_cast<unsigned long long>(remote),
              static_cast<unsigned long long>(failed_allocs.load()),
              static_cast<unsigned long long>(taken));
}

} // namespace
} // namespace extpack::shm
