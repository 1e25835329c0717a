// rts-alloc behaviour: size classes, slab lists, exhaustion, remote frees, check_region,
// usage accounting, the lazy free-stack reset, and a create/join across fork
// (protocol-3.1.md §4.3, §4.5, §4.7).
#include <algorithm>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "extpack/shm/allocator.hpp"
#include "shm_test_util.hpp"

namespace extpack::shm {
namespace {

using test::make_memfd;

constexpr std::uint64_t MIB = 1ull << 20;
constexpr std::uint32_t SLAB = 16384; // smallest legal slab: 4 slots of the 4096 class

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

/// 1 MiB file, 16 KiB slabs, 4 worker ids -> 62 slabs (see test_allocator_layout).
class AllocatorTest : public ::testing::Test {
protected:
  void SetUp() override {
    fd_ = make_memfd();
    auto a = Allocator::create(fd_.get(), MIB, 4, SLAB, 0);
    ASSERT_TRUE(a.ok()) << a.error().message;
    a0_ = std::move(*a);
    auto b = Allocator::join(fd_.get(), 1);
    ASSERT_TRUE(b.ok()) << b.error().message;
    a1_ = std::move(*b);
    ASSERT_EQ(a0_.layout().num_slabs, 62u);
  }
  [[nodiscard]] std::uint32_t num_slabs() const { return a0_.layout().num_slabs; }
  [[nodiscard]] std::uint64_t slabs_offset() const { return a0_.layout().slabs_offset; }
  /// Slabs on the global free list, walked through the file (bounded).
  [[nodiscard]] std::uint32_t global_list_length() const {
    const auto* h = reinterpret_cast<const AllocHeader*>(a0_.base());
    const auto* nodes =
        reinterpret_cast<const AllocListNode*>(a0_.base() + h->free_list_elements_offset);
    std::uint32_t n = 0;
    for (std::uint32_t s = h->global_free_list_head.load(); s != ALLOC_NULL_U32 && n <= num_slabs();
         s = nodes[s].global_next.load()) {
      ++n;
    }
    return n;
  }
  [[nodiscard]] const AllocWorkerHeads& heads(std::uint32_t w) const {
    return reinterpret_cast<const AllocWorkerHeads*>(a0_.base() + sizeof(AllocHeader))[w];
  }
  [[nodiscard]] AllocSlabMeta& meta(std::uint32_t s) const {
    return reinterpret_cast<AllocSlabMeta*>(a0_.base() + a0_.layout().slab_shared_meta_offset)[s];
  }
  /// The same memory as a0_'s pointer `p`, seen through a1_'s own mapping (each handle maps
  /// the file separately, so pointers differ; offsets do not).
  [[nodiscard]] void* in_a1(void* p) const { return a1_.ptr_from_offset(a0_.offset(p)); }
  [[nodiscard]] std::uint32_t slab_of(std::uint64_t off) const {
    return static_cast<std::uint32_t>((off - slabs_offset()) / SLAB);
  }

  UniqueFd fd_;
  Allocator a0_;
  Allocator a1_;
};

TEST(AllocatorSizeClass, Boundaries) {
  EXPECT_EQ(alloc_size_class(0), 0u);
  EXPECT_EQ(alloc_size_class(1), 0u);
  EXPECT_EQ(alloc_size_class(256), 0u);
  EXPECT_EQ(alloc_size_class(257), 1u);
  EXPECT_EQ(alloc_size_class(512), 1u);
  EXPECT_EQ(alloc_size_class(513), 2u);
  EXPECT_EQ(alloc_size_class(1024), 2u);
  EXPECT_EQ(alloc_size_class(1025), 3u);
  EXPECT_EQ(alloc_size_class(2048), 3u);
  EXPECT_EQ(alloc_size_class(2049), 4u);
  EXPECT_EQ(alloc_size_class(4096), 4u);
}

TEST_F(AllocatorTest, EverySizeClassBoundary) {
  struct Case {
    std::uint32_t size;
    std::uint32_t cls;
  } cases[] = {{0, 0},    {1, 0},    {256, 0},  {257, 1},  {512, 1},  {513, 2},
               {1024, 2}, {1025, 3}, {2048, 3}, {2049, 4}, {4095, 4}, {4096, 4}};
  for (const Case& c : cases) {
    void* p = a0_.allocate(c.size);
    ASSERT_NE(p, nullptr) << c.size;
    const std::uint64_t off = a0_.offset(p);
    EXPECT_EQ(meta(slab_of(off)).size_class_index.load(), c.cls) << c.size;
    EXPECT_EQ((off - slabs_offset()) % ALLOC_SIZE_CLASSES[c.cls], 0u) << c.size;
    EXPECT_TRUE(a0_.check_region(off, ALLOC_SIZE_CLASSES[c.cls]).ok()) << c.size;
    std::memset(p, 0xAB, std::max<std::uint32_t>(c.size, 1));
    a0_.free(p);
  }
  EXPECT_EQ(a0_.allocate(4097), nullptr);
  EXPECT_EQ(a0_.allocate(8192), nullptr);
  EXPECT_EQ(a0_.allocate(0xFFFF'FFFFu), nullptr);
  EXPECT_EQ(a0_.usage(0).allocations, 0u);
  EXPECT_EQ(global_list_length(), num_slabs());
}

TEST_F(AllocatorTest, OffsetsAreInTheSlabAreaSlotAlignedAndDistinct) {
  std::set<std::uint64_t> seen;
  const std::uint64_t end = slabs_offset() + std::uint64_t{num_slabs()} * SLAB;
  for (std::uint32_t c = 0; c < ALLOC_NUM_SIZE_CLASSES; ++c) {
    for (int i = 0; i < 50; ++i) {
      void* p = a0_.allocate(ALLOC_SIZE_CLASSES[c]);
      ASSERT_NE(p, nullptr);
      const std::uint64_t off = a0_.offset(p);
      EXPECT_GE(off, slabs_offset());
      EXPECT_LT(off + ALLOC_SIZE_CLASSES[c], end + 1);
      EXPECT_EQ((off - slabs_offset()) % ALLOC_SIZE_CLASSES[c], 0u);
      EXPECT_EQ(a0_.ptr_from_offset(off), p);
      EXPECT_TRUE(seen.insert(off).second) << "offset handed out twice: " << off;
    }
  }
  EXPECT_EQ(a0_.usage(0).allocations, 250u);
}

TEST_F(AllocatorTest, FreshSlabHandsOutSlotsInOrder) {
  for (std::uint64_t i = 0; i < 64; ++i) {
    void* p = a0_.allocate(200);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(a0_.offset(p), slabs_offset() + 256 * i); // slab 0, slot i
  }
  void* p = a0_.allocate(200); // slab 0 full: next slab
  EXPECT_EQ(a0_.offset(p), slabs_offset() + SLAB);
}

TEST_F(AllocatorTest, FullAndPartialListsFollowTheSlab) {
  std::vector<void*> ps;
  for (int i = 0; i < 4; ++i)
    ps.push_back(a0_.allocate(4096)); // fills slab 0 (4 slots)
  EXPECT_EQ(heads(0).heads[4].partial.load(), ALLOC_NULL_U32);
  EXPECT_EQ(heads(0).heads[4].full.load(), 0u);
  a0_.free(ps[2]); // full -> partial
  EXPECT_EQ(heads(0).heads[4].partial.load(), 0u);
  EXPECT_EQ(heads(0).heads[4].full.load(), ALLOC_NULL_U32);
  void* again = a0_.allocate(3000);
  EXPECT_EQ(again, ps[2]); // the freed slot is reused first
  EXPECT_EQ(heads(0).heads[4].full.load(), 0u);
  for (void* p : ps)
    a0_.free(p);
  EXPECT_EQ(heads(0).heads[4].partial.load(), ALLOC_NULL_U32);
  EXPECT_EQ(heads(0).heads[4].full.load(), ALLOC_NULL_U32);
}

TEST_F(AllocatorTest, EmptySlabGoesBackToTheGlobalList) {
  EXPECT_EQ(a0_.global_free_head(), 0u);
  void* p = a0_.allocate(10);
  EXPECT_EQ(a0_.global_free_head(), 1u); // slab 0 taken
  EXPECT_EQ(global_list_length(), num_slabs() - 1);
  void* q = a0_.allocate(10);
  a0_.free(p);
  EXPECT_EQ(a0_.global_free_head(), 1u); // slab still holds q
  a0_.free(q);
  EXPECT_EQ(a0_.global_free_head(), 0u); // pushed back on top
  EXPECT_EQ(global_list_length(), num_slabs());
  EXPECT_EQ(a0_.stats().slabs_returned, 1u);
  EXPECT_EQ(meta(0).assigned_worker.load(), 0u); // not reset on return (as rts-alloc)
}

TEST_F(AllocatorTest, KeepLastSlabHoldsTheOnlyPartialSlabAgainstAFlood) {
  a1_.set_keep_last_slab(true);
  void* p = a1_.allocate(1000);
  void* q = a1_.allocate(1000);
  ASSERT_NE(p, nullptr);
  ASSERT_NE(q, nullptr);
  const std::uint32_t kept = slab_of(a1_.offset(p));
  a1_.free(p);
  a1_.free(q);
  EXPECT_EQ(a1_.stats().slabs_returned, 0u); // empty, but its class's only slab: kept
  EXPECT_EQ(a1_.usage(1).allocations, 0u);
  EXPECT_EQ(global_list_length(), num_slabs() - 1);
  // A flood by id 0 takes every other slab ...
  std::vector<void*> flood;
  for (void* f; (f = a0_.allocate(4096)) != nullptr;)
    flood.push_back(f);
  EXPECT_EQ(flood.size(), 4u * (num_slabs() - 1));
  // ... and id 1 still allocates, from the slab it kept, without a new take.
  void* r = a1_.allocate(1000);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(slab_of(a1_.offset(r)), kept);
  EXPECT_EQ(a1_.stats().slabs_taken, 1u);
  // Without the option the same slab goes back and the flood takes it.
  a1_.set_keep_last_slab(false);
  a1_.free(r);
  EXPECT_EQ(a1_.stats().slabs_returned, 1u);
  flood.push_back(a0_.allocate(4096));
  EXPECT_NE(flood.back(), nullptr);
  EXPECT_EQ(a1_.allocate(1000), nullptr);
  for (void* f : flood)
    a0_.free(f);
}

TEST_F(AllocatorTest, KeepLastSlabReturnsASecondEmptySlab) {
  a1_.set_keep_last_slab(true);
  std::vector<void*> ps;
  for (int i = 0; i < 5; ++i) // 4 slots of the 4096 class per slab: two slabs
    ps.push_back(a1_.allocate(4096));
  for (void* p : ps)
    ASSERT_NE(p, nullptr);
  EXPECT_EQ(a1_.stats().slabs_taken, 2u);
  a1_.free(ps[4]); // the second slab empties while the first is also partial-or-full
  a1_.free(ps[0]);
  a1_.free(ps[1]);
  a1_.free(ps[2]);
  a1_.free(ps[3]);
  // One of the two went back; the last one standing was kept.
  EXPECT_EQ(a1_.stats().slabs_returned, 1u);
  EXPECT_EQ(global_list_length(), num_slabs() - 1);
  EXPECT_EQ(a1_.usage(1).allocations, 0u);
}

TEST_F(AllocatorTest, ExhaustionReturnsNullAndRecovers) {
  std::vector<void*> ps;
  for (;;) {
    void* p = a0_.allocate(4096);
    if (p == nullptr) break;
    ps.push_back(p);
    ASSERT_LE(ps.size(), 4u * num_slabs());
  }
  EXPECT_EQ(ps.size(), 4u * num_slabs());
  EXPECT_EQ(a0_.global_free_head(), ALLOC_NULL_U32);
  EXPECT_EQ(a0_.allocate(1), nullptr); // no slab for another class either
  EXPECT_EQ(a1_.allocate(1), nullptr); // nor for another worker
  a0_.free(ps.back());
  ps.pop_back();
  void* p = a0_.allocate(4000);
  ASSERT_NE(p, nullptr);
  ps.push_back(p);
  EXPECT_EQ(a0_.allocate(1), nullptr); // slab space is still all taken
  for (int i = 0; i < 4; ++i) {        // empty one whole slab
    a0_.free(ps.back());
    ps.pop_back();
  }
  EXPECT_NE(a0_.global_free_head(), ALLOC_NULL_U32);
  void* small = a1_.allocate(1);
  ASSERT_NE(small, nullptr);
  a1_.free(small);
  for (void* q : ps)
    a0_.free(q);
  EXPECT_EQ(a0_.usage(0).allocations, 0u);
  EXPECT_EQ(global_list_length(), num_slabs());
}

TEST_F(AllocatorTest, RemoteFreeNeedsCleanBeforeReuse) {
  std::vector<void*> ps;
  for (void* p; (p = a0_.allocate(2048)) != nullptr;)
    ps.push_back(p);
  ASSERT_EQ(ps.size(), 8u * num_slabs());
  // Worker 1 frees half of worker 0's memory: remote frees.
  for (std::size_t i = 0; i < ps.size(); i += 2)
    a1_.free(in_a1(ps[i]));
  EXPECT_EQ(a1_.stats().remote_frees, ps.size() / 2);
  EXPECT_EQ(a0_.usage(0).allocations, ps.size() / 2); // pending remote frees count as free
  EXPECT_EQ(a0_.allocate(2048), nullptr);             // but they are not reusable yet
  a0_.clean_remote_free_lists();
  EXPECT_EQ(a0_.stats().remote_cleaned, ps.size() / 2);
  EXPECT_EQ(a0_.usage(0).allocations, ps.size() / 2);
  void* p = a0_.allocate(2048);
  ASSERT_NE(p, nullptr);
  a0_.free(p);
  for (std::size_t i = 1; i < ps.size(); i += 2)
    a1_.free(in_a1(ps[i]));
  EXPECT_EQ(global_list_length(), 0u); // nothing returns until the owner cleans
  a0_.clean_remote_free_lists();
  EXPECT_EQ(a0_.usage(0).allocations, 0u);
  EXPECT_EQ(a0_.usage(0).slabs, 0u);
  EXPECT_EQ(global_list_length(), num_slabs());
}

TEST_F(AllocatorTest, RemoteFreeStackLivesInTheFreedSlots) {
  void* p = a0_.allocate(300);
  void* q = a0_.allocate(300);
  const std::uint32_t s = slab_of(a0_.offset(p));
  a1_.free(in_a1(p)); // slot 0
  a1_.free(in_a1(q)); // slot 1
  EXPECT_EQ(meta(s).remote_free_stack_head.load(), 1u);
  std::uint16_t link = 0;
  std::memcpy(&link, q, 2);
  EXPECT_EQ(link, 0u);
  std::memcpy(&link, p, 2);
  EXPECT_EQ(link, ALLOC_NULL_U16);
  a0_.clean_remote_free_lists();
  EXPECT_EQ(meta(s).remote_free_stack_head.load(), ALLOC_NULL_U16);
}

TEST_F(AllocatorTest, UsageCountsExactly) {
  std::vector<void*> ps;
  const std::uint32_t sizes[] = {1, 300, 700, 1500, 4000, 256, 512};
  for (int i = 0; i < 140; ++i)
    ps.push_back(a0_.allocate(sizes[i % 7]));
  for (void* p : ps)
    ASSERT_NE(p, nullptr);
  WorkerUsage u = a0_.usage(0);
  EXPECT_EQ(u.allocations, 140u);
  EXPECT_GE(u.slabs, 5u);
  for (int i = 0; i < 37; ++i)
    a0_.free(ps[static_cast<std::size_t>(i)]); // local frees
  EXPECT_EQ(a0_.usage(0).allocations, 103u);
  EXPECT_EQ(a1_.usage(0).allocations, 103u); // any handle can read any worker's usage
  for (int i = 37; i < 50; ++i)
    a1_.free(in_a1(ps[static_cast<std::size_t>(i)])); // remote frees
  EXPECT_EQ(a0_.usage(0).allocations, 90u);
  a0_.clean_remote_free_lists();
  EXPECT_EQ(a0_.usage(0).allocations, 90u);
  auto all = a1_.usage_all();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].allocations, 90u);
  EXPECT_EQ(all[1].allocations, 0u);
  EXPECT_EQ(all[1].slabs, 0u);
  EXPECT_EQ(a0_.usage(99).allocations, 0u); // unknown worker: nothing
  for (std::size_t i = 50; i < ps.size(); ++i)
    a0_.free(ps[i]);
  EXPECT_EQ(a0_.usage(0).allocations, 0u);
  EXPECT_EQ(a0_.usage(0).slabs, 0u);
}

TEST_F(AllocatorTest, CheckRegionAcceptsRealAllocations) {
  for (std::uint32_t c = 0; c < ALLOC_NUM_SIZE_CLASSES; ++c) {
    void* p = a1_.allocate(ALLOC_SIZE_CLASSES[c]);
    const std::uint64_t off = a1_.offset(p);
    EXPECT_TRUE(a0_.check_region(off, 0).ok());
    EXPECT_TRUE(a0_.check_region(off, 1).ok());
    auto r = a0_.check_region(off, ALLOC_SIZE_CLASSES[c]);
    EXPECT_TRUE(r.ok()) << r.error().message;
  }
}

TEST_F(AllocatorTest, CheckRegionRejectsBadRegions) {
  void* p = a0_.allocate(1000); // class 2 (1024)
  const std::uint64_t off = a0_.offset(p);
  const std::uint64_t end = slabs_offset() + std::uint64_t{num_slabs()} * SLAB;
  auto err = [&](std::uint64_t o, std::uint64_t len) {
    auto r = a0_.check_region(o, len);
    return r.ok() ? std::string("ok") : r.error().message;
  };
  EXPECT_TRUE(contains(err(0, 8), "outside the slab area")) << err(0, 8);
  EXPECT_TRUE(contains(err(slabs_offset() - 1, 1), "outside")) << err(slabs_offset() - 1, 1);
  EXPECT_TRUE(contains(err(end, 1), "outside")) << err(end, 1);
  EXPECT_TRUE(contains(err(~0ull, 1), "outside")) << err(~0ull, 1);
  EXPECT_TRUE(contains(err(off + 1, 1), "1 bytes into a 1024-byte slot")) << err(off + 1, 1);
  EXPECT_TRUE(contains(err(off + 256, 1), "not at a slot start")) << err(off + 256, 1);
  EXPECT_TRUE(contains(err(off, 1025), "length 1025")) << err(off, 1025);
  EXPECT_TRUE(contains(err(off + 1024, 1024), "ok")); // next slot of the same slab
  // A slab no one has taken.
  const std::uint64_t last = end - SLAB;
  EXPECT_TRUE(contains(err(last, 1), "not assigned to a worker")) << err(last, 1);
  // Garbage metadata written by a peer.
  const std::uint32_t s = slab_of(off);
  meta(s).size_class_index.store(7);
  EXPECT_TRUE(contains(err(off, 1), "size class index is 7")) << err(off, 1);
  meta(s).size_class_index.store(2);
  meta(s).assigned_worker.store(4);
  EXPECT_TRUE(contains(err(off, 1), "assigned_worker 4, num_workers 4")) << err(off, 1);
  meta(s).assigned_worker.store(0);
  EXPECT_EQ(err(off, 1024), "ok");
}

TEST_F(AllocatorTest, LoneAllocationReusesItsSlabWithoutAReset) {
  for (int i = 0; i < 1000; ++i) {
    void* p = a0_.allocate(64);
    ASSERT_NE(p, nullptr);
    a0_.free(p);
  }
  EXPECT_EQ(a0_.stats().slabs_taken, 1000u);
  EXPECT_EQ(a0_.stats().slabs_returned, 1000u);
  EXPECT_EQ(a0_.stats().stack_resets, 1u);
  // The file's free stack of slab 0 is still a valid full stack: a permutation of 0..63.
  const auto* st =
      reinterpret_cast<const std::uint16_t*>(a0_.base() + a0_.layout().slab_free_stacks_offset);
  EXPECT_EQ(st[0], 64u);
  EXPECT_EQ(st[1], 64u);
  std::vector<std::uint16_t> e(st + 2, st + 2 + 64);
  std::sort(e.begin(), e.end());
  for (std::uint16_t i = 0; i < 64; ++i)
    EXPECT_EQ(e[i], i);
}

TEST_F(AllocatorTest, AnotherOwnerOrClassForcesAFullReset) {
  void* p = a0_.allocate(64);
  a0_.free(p);                // slab 0 back, full stack of class 0
  void* q = a1_.allocate(64); // other worker takes slab 0: must reset
  EXPECT_EQ(a1_.offset(q), slabs_offset());
  EXPECT_EQ(a1_.stats().stack_resets, 1u);
  a1_.free(q);
  void* r = a0_.allocate(64); // slab 0 again, but worker 1 owned it last: reset
  EXPECT_EQ(a0_.stats().stack_resets, 2u);
  a0_.free(r);
  void* big = a0_.allocate(4096); // same slab, other class: reset, 4 slots
  EXPECT_EQ(a0_.offset(big), slabs_offset());
  EXPECT_EQ(a0_.stats().stack_resets, 3u);
  std::vector<void*> ps{big};
  for (int i = 0; i < 3; ++i)
    ps.push_back(a0_.allocate(4096));
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_EQ(a0_.offset(ps[i]), slabs_offset() + 4096 * i);
  for (void* x : ps)
    a0_.free(x);
}

TEST_F(AllocatorTest, DoubleFreeOfAReturnedSlabIsRejected) {
  void* p = a0_.allocate(64);
  a0_.free(p);
  a0_.free(p); // slab 0 is back on the global list with a full stack
  EXPECT_EQ(a0_.stats().rejected_frees, 1u);
  EXPECT_EQ(global_list_length(), num_slabs());
  a0_.free(a0_.base());       // header: outside the slab area
  a0_.free(a0_.base() + MIB); // past the end
  a0_.free(nullptr);          // ignored, not counted
  EXPECT_EQ(a0_.stats().rejected_frees, 3u);
}

TEST_F(AllocatorTest, CreateThenJoinAcrossFork) {
  test::Pipe to_parent;
  // The child joins as worker 2, allocates and fills 100 buffers, reports their offsets.
  int rc = test::run_in_child([&]() {
    auto a = Allocator::join(fd_.get(), 2);
    if (!a.ok()) return 2;
    for (std::uint32_t i = 0; i < 100; ++i) {
      const std::uint32_t size = 1 + (i * 97) % 4096;
      auto* p = static_cast<std::uint8_t*>(a->allocate(size));
      if (p == nullptr) return 3;
      std::memset(p, static_cast<int>(i), size);
      const std::uint64_t msg[2] = {a->offset(p), size};
      if (!to_parent.send(msg)) return 4;
    }
    return 0;
  });
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(a0_.usage(2).allocations, 100u);
  for (std::uint32_t i = 0; i < 100; ++i) {
    std::uint64_t msg[2];
    ASSERT_TRUE(to_parent.recv(msg));
    ASSERT_TRUE(a0_.check_region(msg[0], msg[1]).ok())
        << a0_.check_region(msg[0], msg[1]).error().message;
    const std::uint8_t* p = a0_.ptr_from_offset(msg[0]);
    for (std::uint64_t k = 0; k < msg[1]; ++k)
      ASSERT_EQ(p[k], static_cast<std::uint8_t>(i));
    EXPECT_EQ(meta(slab_of(msg[0])).assigned_worker.load(), 2u);
    a0_.free(a0_.ptr_from_offset(msg[0])); // remote: worker 2 owns it
  }
  EXPECT_EQ(a0_.usage(2).allocations, 0u); // pending remote frees count as free
  EXPECT_GT(a0_.usage(2).slabs, 0u);
  // A later process joining as worker 2 drains them; the slabs go back to the pool.
  rc = test::run_in_child([&]() {
    auto a = Allocator::join(fd_.get(), 2);
    if (!a.ok()) return 2;
    a->clean_remote_free_lists();
    return a->stats().remote_cleaned == 100 ? 0 : 5;
  });
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(a0_.usage(2).slabs, 0u);
  EXPECT_EQ(global_list_length(), num_slabs());
}

} // namespace
} // namespace extpack::shm
